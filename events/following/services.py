"""Following a space, a topic or a format, and the digest choice.

The one invariant here: a member follows a target at most once (unique constraints per
kind), so following twice, or two clicks racing, leave one row.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from events.models import EventFormat
from network.models import SpacePage
from network.time_zones import known_time_zones
from network.unsubscribe import MailingList

from .exceptions import FollowTargetInvalid
from .models import DigestFrequency, Follow, FollowKind, FollowSettings, Weekday
from .selectors import digest_frequency, follow_target_fields


def _validated(kind: str, target) -> dict:
    """The Follow fields for `target`, or FollowTargetInvalid."""
    valid = ((kind == FollowKind.SPACE and isinstance(target, SpacePage) and target.pk)
             or (kind == FollowKind.TOPIC and isinstance(target, Tag) and target.pk)
             or (kind == FollowKind.FORMAT and target in EventFormat.values))
    if not valid:
        raise FollowTargetInvalid(kind)
    return follow_target_fields(kind, target)


def follow_add(user, kind: str, target) -> Follow:
    """Follow `target` (a SpacePage, a taggit Tag, or an EventFormat value). Guarantees one
    row per member and target, whatever the concurrency (the unique constraints: a racing
    click's insert fails inside `get_or_create`, which then returns the row the other one
    made); returns it. Raises FollowTargetInvalid for an unknown kind or a target that does
    not fit it."""
    fields = _validated(kind, target)
    follow, _created = Follow.objects.get_or_create(user=user, kind=kind, **fields)
    return follow


def follow_remove(user, kind: str, target) -> bool:
    """Stop following `target`; returns whether a follow was removed. Raises
    FollowTargetInvalid like `follow_add`."""
    fields = _validated(kind, target)
    deleted, _rows = Follow.objects.filter(user=user, kind=kind, **fields).delete()
    return bool(deleted)


def digest_frequency_set(user, frequency: str) -> None:
    """Set the member's digest choice (weekly or never). Raises ValueError for any other."""
    if frequency not in DigestFrequency.values:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    FollowSettings.objects.update_or_create(user=user, defaults={"digest": frequency})


def digest_settings_set(user, *, weekday: int | None, time_zone: str = "") -> FollowSettings:
    """Set the member's digest day: `weekday` 0 (Monday) to 6 (Sunday), or None for no
    digest; `time_zone` an IANA zone, or "" for their home space's (see
    `digest.member_time_zone`). One row per member, whatever the concurrency. Raises
    ValueError for another weekday or an unknown zone (nothing changes)."""
    if weekday is not None and (isinstance(weekday, bool) or weekday not in Weekday.values):
        raise ValueError(f"unknown weekday {weekday!r}")
    if time_zone and time_zone not in known_time_zones():
        raise ValueError(f"unknown time zone {time_zone!r}")
    values = {"time_zone": time_zone,
              "digest": DigestFrequency.NEVER if weekday is None else DigestFrequency.WEEKLY}
    if weekday is not None:
        values["digest_weekday"] = weekday
    # One transaction; a racing first save's insert fails inside `get_or_create`, which then
    # updates the row the other one made (tests/events/following/test_following_concurrency.py).
    row, _created = FollowSettings.objects.update_or_create(user=user, defaults=values)
    return row


def _digest_unsubscribe(user) -> None:
    digest_frequency_set(user, DigestFrequency.NEVER)


def _digest_subscribed(user) -> bool:
    return digest_frequency(user) != DigestFrequency.NEVER


#: the weekly digest as a list (one-click unsubscribe, `network.unsubscribe`)
DIGEST_LIST = MailingList(identifier="digest", label=_("the weekly digest of events you follow"),
                          unsubscribe=_digest_unsubscribe, is_subscribed=_digest_subscribed)
