"""Reads of the API. Every rule comes from the app that owns it: events from the listing's
selectors and filters, profiles from `network.selectors.profiles_visible_to` (the one
visibility rule), balances from `credits.selectors`. This module only shapes querysets for
the API's pages and never writes (a member without a credit account reads a zero balance;
no account is created by a GET)."""

from __future__ import annotations

from django.db.models import QuerySet

from credits.models import Account
from credits.selectors import Balance, account_balance
from events.models import EventPage, Registration
from events.programme.calendar import published_sessions
from events.programme.models import Session
from events.selectors import events_for_listing
from events.translations import event_original
from network.models import MemberProfile, SpacePage
from network.selectors import profiles_for_directory, profiles_visible_to
from network.translations import originals


def api_events() -> QuerySet[EventPage]:
    """Live events as the listing reads them (space, topics, seats taken)."""
    return events_for_listing()


def api_event(pk: int) -> tuple[EventPage | None, str | None]:
    """(the event of id `pk`, None) for an original's id; (its original, the translation's
    language) for a translation's id (docs/api.md: a translation's id answers the event
    in its language); (None, None) when no published event has that id."""
    event = api_events().filter(pk=pk).first()
    if event is not None:
        return event, None
    page = EventPage.objects.live().filter(pk=pk).select_related("locale").first()
    if page is None:
        return None, None
    event = api_events().filter(pk=event_original(page).pk).first()
    return event, (page.locale.language_code if event is not None else None)


def api_sessions(event: EventPage) -> QuerySet[Session]:
    """The event's sessions once its grid is published (as in its feeds)."""
    return published_sessions([event.pk])


def api_spaces() -> QuerySet[SpacePage]:
    return originals(SpacePage.objects.live())  # a translated space once


def api_profiles(viewer) -> QuerySet[MemberProfile]:
    """The profiles `viewer` may see (network.selectors), with what the API shows."""
    return profiles_for_directory(viewer)


def api_visible_profile_slugs(viewer, user_ids) -> dict[int, str]:
    """{user id: profile slug} for those of `user_ids` whose profile `viewer` may see."""
    return dict(profiles_visible_to(viewer).filter(user_id__in=list(user_ids))
                .values_list("user_id", "slug"))


def api_registrations_of(user) -> QuerySet[Registration]:
    """Every registration of the member, in every state, with its event and space."""
    return Registration.objects.filter(user=user).select_related("event", "event__space")


def api_balance_of(user) -> tuple[Balance, int]:
    """(the member's balance, their overdraft limit); zero for a member without an account
    yet (read, never created here)."""
    account = Account.objects.filter(user=user).first()
    if account is None:
        return Balance(posted=0, on_hold=0, available=0), 0
    return account_balance(account), account.limit
