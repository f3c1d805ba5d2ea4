"""Revoking a ticket: the registration gets a new code, the old one is remembered as revoked
(so the door answers "revoked" for it instead of "unknown")."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.permissions import user_organises_space

from ..exceptions import RegistrationNotAllowed, RegistrationStateError
from ..models import Registration, RegistrationState, RevokedTicket, ticket_code_new
from .common import notify_on_commit, registration_lock


def ticket_rotate(registration: Registration, *, actor) -> Registration:
    """Revoke the registration's ticket and give it a new code (the old one is remembered
    as revoked). Allowed to the member whose registration it is and to organisers of the
    event's space. Returns the fresh registration.

    Raises: RegistrationNotAllowed (someone else), RegistrationStateError (a cancelled
    registration has no ticket to renew).
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _ticket_rotate_locked(registration, actor)
        except IntegrityError:
            # A fresh random code collided with an existing one: astronomically unlikely,
            # but the unique index decides, and another draw fixes it.
            continue
    raise RegistrationStateError(_("The ticket could not be renewed; try again."))


def _ticket_rotate_locked(registration: Registration, actor) -> Registration:
    event, fresh = registration_lock(registration)
    own = actor is not None and fresh.user_id is not None and fresh.user_id == actor.pk
    if not own and not user_organises_space(actor, event.space_id):
        raise RegistrationNotAllowed()
    if fresh.state == RegistrationState.CANCELLED:
        raise RegistrationStateError(_("A cancelled registration has no ticket."))
    RevokedTicket.objects.create(code=fresh.ticket_code, registration=fresh,
                                 revoked_at=timezone.now(),
                                 revoked_by=actor if getattr(actor, "pk", None) else None)
    fresh.ticket_code = ticket_code_new()
    fresh.save(update_fields=["ticket_code", "updated_at"])
    # The new ticket reaches the person (guests have no "My events" page to find it on).
    notify_on_commit("ticket_reissued", fresh)
    return fresh
