"""Reads of the messaging sub-app: who a message goes to, and an event's history."""

from django.db.models import Q, QuerySet

from events.models import (
    ACTIVE_STATES,
    SEAT_STATES,
    EventPage,
    Registration,
    RegistrationRole,
    RegistrationState,
)
from network.privacy import ERASED_EMAIL_DOMAIN

from .models import Audience, EventMessage

#: audience -> the registration states it reaches (ROLE: every active state, one role)
AUDIENCE_STATES: dict[str, list[str]] = {
    Audience.ALL: list(ACTIVE_STATES),
    Audience.CONFIRMED: list(SEAT_STATES),
    Audience.WAITLISTED: [RegistrationState.WAITLISTED],
    Audience.ATTENDED: [RegistrationState.ATTENDED],
    Audience.ROLE: list(ACTIVE_STATES),
}


def message_recipients(event: EventPage, audience: str, role: str = "") -> QuerySet[Registration]:
    """The registrations of `event` that a message to `audience` reaches, oldest first:
    never a cancelled one, never an erased or deactivated account, never an erased guest.
    `role` is used (and required) only with `Audience.ROLE`. Raises ValueError for an
    unknown audience or role."""
    if audience not in AUDIENCE_STATES:
        raise ValueError(f"unknown audience {audience!r}")
    registrations = Registration.objects.filter(event=event, state__in=AUDIENCE_STATES[audience])
    if audience == Audience.ROLE:
        if role not in RegistrationRole.values:
            raise ValueError(f"unknown role {role!r}")
        registrations = registrations.filter(role=role)
    erased = f"@{ERASED_EMAIL_DOMAIN}"
    return (registrations
            .exclude(Q(user__isnull=False) & (Q(user__is_active=False)
                                              | Q(user__email__iendswith=erased)
                                              | Q(user__email="")))
            .exclude(Q(user__isnull=True) & Q(guest_email__iendswith=erased))
            .select_related("user", "user__profile").order_by("created_at", "pk"))


def message_history(event: EventPage) -> QuerySet[EventMessage]:
    """The event's messages, newest first, each with its progress counts."""
    return EventMessage.objects.filter(event=event).with_progress().order_by("-created_at", "-pk")
