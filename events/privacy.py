"""The events' part of a member's own data: their registrations, the guest registrations
made with one of their verified e-mail addresses, and their personal calendar feeds.

`home.privacy` orchestrates every app's part; it passes the member's verified addresses in,
so this app needs to know nothing about how accounts verify e-mail (an unverified address
could be anybody's: matching on it would hand a stranger's guest registrations over).

Guarantees of `member_data_erase`: every confirmed or waitlisted place at an event that has
not started yet is cancelled through `events.services` (so the waiting list is promoted,
first come first served, and a held payment is voided even after the free-cancellation
deadline: nobody is charged for a place they give up by leaving), and the person gets no
cancellation e-mail; guest registrations are cancelled the same way and lose their name and
address; every answer to an event's registration questions (sensitive or not) is deleted;
calendar feed addresses are revoked. Registrations of events that have started
stay as history (the seat was used), attached to the anonymised account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from network.privacy import erased_email, export_datetime

from .calendar_tokens import calendar_token_revoke
from .exceptions import RegistrationStateError
from .models import CalendarToken, EventPage, Registration, RegistrationAnswer, RegistrationState
from .payments import registration_reference
from .services import registration_cancel, registration_leave_waitlist

#: What an erased guest registration is called from then on (stored, so not translated).
ERASED_GUEST_NAME = "Erased guest"
CANCELLABLE_STATES = [RegistrationState.CONFIRMED, RegistrationState.WAITLISTED]


def guest_registrations_for(emails: Iterable[str]) -> QuerySet[Registration]:
    """Guest registrations (no account) made with any of these addresses, in any case."""
    wanted = sorted({email.strip().lower() for email in emails if email and email.strip()})
    return (Registration.objects.filter(user__isnull=True)
            .annotate(guest_email_lower=Lower("guest_email"))
            .filter(guest_email_lower__in=wanted))


def registrations_to_cancel(user, guest_emails: Iterable[str] = ()) -> QuerySet[Registration]:
    """The places an erasure gives up: confirmed or waitlisted, at events not started yet,
    the member's own and those of their guest registrations; soonest event first."""
    guest_pks = guest_registrations_for(guest_emails).values("pk")
    own_or_guest = Registration.objects.filter(user=user) | Registration.objects.filter(
        pk__in=guest_pks)
    return (own_or_guest.filter(state__in=CANCELLABLE_STATES, event__starts_at__gt=timezone.now())
            .select_related("event").order_by("event__starts_at", "pk"))


def _registration_export(registration: Registration) -> dict[str, Any]:
    event = registration.event
    return {
        "reference": registration_reference(registration),
        "event": event.title,
        "event_address": event.url if event.live else None,
        "space": event.space.title if event.space_id else None,
        "starts_at": export_datetime(event.starts_at),
        "ends_at": export_datetime(event.ends_at),
        "state": registration.state,
        "role": registration.role,
        "waitlist_position": registration.waitlist_position,
        "created_at": export_datetime(registration.created_at),
        "confirmed_at": export_datetime(registration.confirmed_at),
        "cancelled_at": export_datetime(registration.cancelled_at),
        "attended_at": export_datetime(registration.attended_at),
        "answers": [{"question": answer.label, "answer": answer.value}
                    for answer in registration.answers.all()],
    }


def member_data_export(user, *, guest_emails: Iterable[str] = ()) -> dict[str, Any]:
    """The member's registrations, guest registrations made with `guest_emails` (their
    verified addresses) and calendar feeds (when made and revoked; the secret address itself
    is a credential, like a password, and is not exported). JSON-serialisable."""
    own = (Registration.objects.filter(user=user).select_related("event", "event__space")
           .order_by("event__starts_at", "pk"))
    guests = (guest_registrations_for(guest_emails).select_related("event", "event__space")
              .order_by("event__starts_at", "pk"))
    return {
        "registrations": [_registration_export(registration) for registration in own],
        "guest_registrations": [
            {**_registration_export(registration), "name": registration.guest_name,
             "email": registration.guest_email}
            for registration in guests
        ],
        "calendar_feeds": [
            {"created_at": export_datetime(token.created_at),
             "revoked_at": export_datetime(token.revoked_at), "active": token.is_active}
            for token in CalendarToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }


def _cancel(registration: Registration, *, actor) -> bool:
    try:
        if registration.state == RegistrationState.WAITLISTED:
            registration_leave_waitlist(registration, actor=actor, erasure=True)
        else:
            registration_cancel(registration, actor=actor, erasure=True)
    except RegistrationStateError:
        return False  # checked in meanwhile: the seat was used, it stays as history
    return True


@transaction.atomic
def member_data_erase(user, *, by, guest_emails: Iterable[str] = ()) -> dict[str, int]:
    """Cancel, scrub and revoke as the module's guarantees say. `by` is who erases (the
    member or a coordinator; the registration services check they may act). Safe to run
    twice. Returns how many registrations were cancelled, guest registrations scrubbed and
    calendar feeds revoked. Raises what `registration_cancel` raises for a refusal."""
    to_cancel = list(registrations_to_cancel(user, guest_emails))
    # The services lock an event before any account. One erasure cancels at several events
    # in one transaction, so it takes every event's lock first (in id order): it then never
    # holds an account of one event's waiting list while it waits for another event.
    list(EventPage.objects.select_for_update(of=("self",))
         .filter(pk__in={registration.event_id for registration in to_cancel})
         .order_by("pk").values_list("pk", flat=True))
    cancelled = 0
    for registration in to_cancel:
        # A guest registration has no owner account: act as the holder of its secret link.
        actor = by if registration.user_id is not None else None
        cancelled += _cancel(registration, actor=actor)
    # Before the guest registrations lose the address that finds them.
    answers, _per_model = RegistrationAnswer.objects.filter(
        Q(registration__user=user)
        | Q(registration__in=guest_registrations_for(guest_emails).values("pk"))).delete()
    scrubbed = 0
    for registration in guest_registrations_for(guest_emails).only("pk"):
        scrubbed += Registration.objects.filter(pk=registration.pk).update(
            guest_name=ERASED_GUEST_NAME, guest_email=erased_email("guest", registration.pk),
            updated_at=timezone.now())
    revoked = calendar_token_revoke(user)
    return {"registrations_cancelled": cancelled, "guest_registrations_erased": scrubbed,
            "answers_erased": answers, "calendar_feeds_revoked": revoked}
