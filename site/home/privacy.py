"""A member's own data: everything the network holds about them as one export, and the
erasure of their account. The model is pretix's data shredders: each app says what it holds
in its own `privacy.py` (`member_data_export`, `member_data_erase`) and this module, on the
top floor, calls them and adds the account itself (the user row, its e-mail addresses).

Why the site imports the apps' modules instead of keeping a registry they register into:
erasure has an order that matters, top-down (the unconference programme first: it withdraws
the member's proposals still open; then events: registrations are cancelled through the
events services, which void their holds and promote the waiting list; then credits voids
whatever hold is left, refunds day passes and anonymises the account; then the network
deletes the profile; the user row last, when nothing needs its e-mail any more). One
explicit list on the top floor shows that order at a glance; a registry would need
priorities to say the same. The lower floors still import nothing from here.

Guarantees of `member_erase`: one transaction (a refusal anywhere changes nothing); ledger
rows are never touched (`verify_ledger` stays clean) and the member's account stays, owned
by the anonymised user; the user keeps their row (transfers and registrations point at it)
but loses their names, e-mail (an unroutable placeholder), password, groups, admin access,
e-mail addresses and Wagtail profile, and can no longer log in. Running it again is harmless.
Its many payments (cancellations, promotions, refunds) take their row locks first, in the
services' one order (`_erase_locks`), so it cannot deadlock with another service.
The member is told once by e-mail, at the address they had: a task (`home.tasks`) enqueued
when the erasure commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from api import privacy as api_privacy
from credits import privacy as credits_privacy
from credits.models import Account, AccountKind, DayPass
from credits.selectors import account_balance
from credits.services import accounts_lock
from events import privacy as events_privacy
from events.following import privacy as following_privacy
from events.messaging import privacy as messaging_privacy
from events.models import EventPage, Registration, RegistrationState
from events.programme import privacy as programme_privacy
from network import privacy as network_privacy
from network.permissions import user_is_coordinator
from network.privacy import erased_email, export_datetime, log_entries_anonymise

from .tasks import member_erased_notify

EXPORT_FORMAT = "espresso-member-data"
EXPORT_VERSION = 1
#: The admin history's action for an erasure (registered in network.wagtail_hooks).
ERASE_LOG_ACTION = "espresso.member_erase"


class ErasureNotAllowed(PermissionDenied):
    """Who asked may not erase this account (only the member or a coordinator may), or the
    account is a superuser's, which must first lose that status."""


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure will do, shown before the member confirms. `balance` is what stays
    in the account afterwards (day-pass refunds included): credits cannot be paid out."""

    registrations: list = field(default_factory=list)
    day_passes: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    balance: int = 0
    on_hold: int = 0


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did, per app (counts)."""

    user_id: int
    done: dict[str, dict[str, int]]


def member_verified_emails(user) -> list[str]:
    """The addresses the member proved are theirs (allauth), lower-cased."""
    return sorted({address.lower() for address in EmailAddress.objects.filter(
        user=user, verified=True).values_list("email", flat=True)})


def _account_export(user) -> dict[str, Any]:
    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": export_datetime(user.date_joined),
        "last_login": export_datetime(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in addresses
        ],
    }


def member_data_export(user) -> dict[str, Any]:
    """Everything the network holds about `user`, as plain JSON-serialisable data: the
    account, then each app's part (network, events, credits). Reads only."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": export_datetime(timezone.now()),
        "account": _account_export(user),
        "network": network_privacy.member_data_export(user),
        "events": events_privacy.member_data_export(
            user, guest_emails=member_verified_emails(user)),
        "credits": credits_privacy.member_data_export(user),
        "programme": programme_privacy.member_data_export(user),
        "messaging": messaging_privacy.member_data_export(user),
        "api": api_privacy.member_data_export(user),
        "following": following_privacy.member_data_export(user),
    }


def member_erase_preview(user) -> ErasurePreview:
    """The places that will be given up, the day passes that will be refunded, and the
    balance that stays behind (credits cannot be paid out)."""
    registrations = list(events_privacy.registrations_to_cancel(
        user, member_verified_emails(user)))
    day_passes = credits_privacy.day_passes_to_refund(user)
    account = Account.objects.filter(user=user, kind=AccountKind.MEMBER).first()
    balance = account_balance(account) if account is not None else None
    return ErasurePreview(
        registrations=registrations,
        day_passes=day_passes,
        proposals=programme_privacy.proposals_to_withdraw(user),
        balance=(balance.posted if balance else 0) + sum(p.price for p in day_passes),
        on_hold=balance.on_hold if balance else 0,
    )


def member_may_erase(actor, member) -> bool:
    """The member themself, or a network coordinator."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.pk == member.pk or user_is_coordinator(actor)


def _erased_username(user) -> str:
    """`erased-<id>`, unless somebody signed up with that very name (usernames come from
    e-mail addresses): then a random suffix keeps it unique."""
    username = f"erased-{user.pk}"
    if get_user_model().objects.filter(username=username).exclude(pk=user.pk).exists():
        username = f"{username}-{uuid.uuid4().hex[:12]}"
    return username


def _account_erase(user) -> None:
    """The user row loses everything that names or reaches the person; it stays because
    ledger rows and registrations point at it."""
    EmailAddress.objects.filter(user=user).delete()
    for wagtail_profile in UserProfile.objects.filter(user=user):
        if wagtail_profile.avatar:
            wagtail_profile.avatar.delete(save=False)
        wagtail_profile.delete()
    user.first_name = user.last_name = ""
    user.email = erased_email("member", user.pk)
    user.username = _erased_username(user)
    user.is_active = user.is_staff = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    log_entries_anonymise(get_user_model(), [user.pk])


def _tell_member_on_commit(address: str) -> None:
    """When the erasure commits, enqueue the one e-mail that tells the member (in the
    language of whoever erased). Not for an address that was never routable."""
    if not address or address.endswith("@" + network_privacy.ERASED_EMAIL_DOMAIN):
        return
    language = translation.get_language() or settings.LANGUAGE_CODE

    def enqueue() -> None:  # a named function: Django logs a robust callback by its name
        member_erased_notify.enqueue(address, language)

    transaction.on_commit(enqueue, robust=True)


def _erase_locks(user, guest_emails: list[str]) -> None:
    """Take every row lock the erasure's payments need before the first of them, in the
    services' order (credits.services.ledger, "Lock order"): the events it cancels at, the
    day passes it refunds, then at once every account it can move (the member's, the
    spaces' of those passes, and those of the people waiting at those paid events, who are
    offered the freed seats). The services called next find these rows locked already, so
    this many-step transaction cannot deadlock with another service."""
    event_pks = sorted({registration.event_id for registration
                        in events_privacy.registrations_to_cancel(user, guest_emails)})
    list(EventPage.objects.select_for_update(of=("self",)).filter(pk__in=event_pks)
         .order_by("pk").values_list("pk", flat=True))
    passes = credits_privacy.day_passes_to_refund(user)
    list(DayPass.objects.select_for_update(of=("self",))
         .filter(pk__in=[day_pass.pk for day_pass in passes])
         .order_by("pk").values_list("pk", flat=True))
    waiting = Registration.objects.filter(
        event_id__in=event_pks, event__price_credits__gt=0, user__isnull=False,
        state=RegistrationState.WAITLISTED).values("user_id")
    accounts_lock(Account.objects.filter(
        Q(user=user) | Q(user_id__in=waiting)
        | Q(space_id__in={day_pass.space_id for day_pass in passes}))
        .values_list("pk", flat=True))


def member_erase(member, *, by) -> ErasureResult:
    """Erase `member`'s account, in one transaction, on behalf of `by` (the member or a
    coordinator); see the module's guarantees.

    Raises ErasureNotAllowed (someone else, or a superuser's account), and what a registration
    service raises when it refuses (then nothing changed)."""
    if not member_may_erase(by, member):
        raise ErasureNotAllowed(_("Only the member or a network coordinator can erase an "
                                  "account."))
    if member.is_superuser:
        raise ErasureNotAllowed(_("A superuser's account cannot be erased; take away the "
                                  "superuser status first."))
    with transaction.atomic():
        # Two erasures of one account (a double click, the member and a coordinator) queue
        # here. NO KEY UPDATE does not block rows that merely point at the user.
        user = (get_user_model().objects.select_for_update(no_key=True)
                .get(pk=member.pk))
        address = user.email
        guest_emails = member_verified_emails(user)
        _erase_locks(user, guest_emails)
        done = {
            "programme": programme_privacy.member_data_erase(user),
            "messaging": messaging_privacy.member_data_erase(user),
            "events": events_privacy.member_data_erase(user, by=by, guest_emails=guest_emails),
            "credits": credits_privacy.member_data_erase(user, by=by),
            "network": network_privacy.member_data_erase(user),
            "api": api_privacy.member_data_erase(user),
            "following": following_privacy.member_data_erase(user),
        }
        _account_erase(user)
        log(instance=user, action=ERASE_LOG_ACTION, user=by)
        _tell_member_on_commit(address)
    member.refresh_from_db()
    return ErasureResult(user_id=user.pk, done=done)
