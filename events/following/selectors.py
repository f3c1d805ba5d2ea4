"""Reads of the following sub-app: what a member follows and the events that match it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from taggit.models import Tag

from events.models import EventFormat, EventPage, EventStatus
from events.translations import events_originals
from network.models import SpacePage
from network.translations import page_original

from .models import DigestFrequency, Follow, FollowKind, FollowSettings

#: a followed-events calendar shows the events of the last weeks too
FEED_PAST = dt.timedelta(days=30)


def follow_list(user) -> list[Follow]:
    """The member's follows, spaces first, each with its target loaded."""
    return list(Follow.objects.filter(user=user).select_related("space", "topic")
                .order_by("kind", "created_at", "id"))


def follow_target_get(kind: str, value: str):
    """The target that `kind` and `value` (from a form) name: a live SpacePage by id, a Tag
    by slug, or a format value; None when there is no such thing. Never raises."""
    value = (value or "").strip()
    if not value or len(value) > 100:
        return None
    if kind == FollowKind.SPACE:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            return None
        space = SpacePage.objects.live().filter(pk=int(value)).first()
        # A translated space is followed as its original (one follow, whichever page).
        return page_original(space) if space is not None else None
    if kind == FollowKind.TOPIC:
        return Tag.objects.filter(slug=value).first()
    if kind == FollowKind.FORMAT:
        return value if value in EventFormat.values else None
    return None


def follow_exists(user, kind: str, target) -> bool:
    """Whether `user` follows `target` (a SpacePage, a Tag, or a format value)."""
    if not getattr(user, "is_authenticated", False):
        return False
    fields = follow_target_fields(kind, target)
    return Follow.objects.filter(user=user, kind=kind, **fields).exists()


def follow_keys(user) -> frozenset[tuple[str, object]]:
    """What `user` follows, in one query: (kind, space id | topic id | format value) pairs,
    to test many targets at once with `follow_key()`. Empty for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    rows = Follow.objects.filter(user=user).values_list("kind", "space_id", "topic_id", "format")
    return frozenset(follow_key(kind, space_id if kind == FollowKind.SPACE else
                                topic_id if kind == FollowKind.TOPIC else format_)
                     for kind, space_id, topic_id, format_ in rows)


def follow_key(kind: str, target) -> tuple[str, object]:
    """The pair `follow_keys()` holds for `target` (a SpacePage, a Tag, a format value, or
    the id / value itself)."""
    if kind in (FollowKind.SPACE, FollowKind.TOPIC):
        return (str(kind), getattr(target, "pk", target))
    return (str(kind), str(target))


def follow_target_fields(kind: str, target) -> dict:
    """The Follow model fields that hold `target` for `kind`."""
    if kind == FollowKind.SPACE:
        return {"space": target}
    if kind == FollowKind.TOPIC:
        return {"topic": target}
    return {"format": target}


def digest_frequency(user) -> str:
    """The member's digest choice (weekly unless they chose otherwise)."""
    found = FollowSettings.objects.filter(user=user).values_list("digest", flat=True).first()
    return found or DigestFrequency.WEEKLY


def digest_settings(user) -> FollowSettings:
    """The member's digest settings (an unsaved default row when they never chose:
    weekly, on Monday, in their home space's time zone)."""
    found = FollowSettings.objects.filter(user=user).first()
    return found or FollowSettings(user=user)


def followed_filter(user) -> Q | None:
    """The condition on EventPage that matches what `user` follows; None when nothing."""
    condition = Q()
    matched = False
    for kind, space_key, topic_id, format_ in Follow.objects.filter(user=user).values_list(
            "kind", "space__translation_key", "topic_id", "format"):
        matched = True
        if kind == FollowKind.SPACE:
            # Any language version of the space (its translations are the same space).
            condition |= Q(space__translation_key=space_key)
        elif kind == FollowKind.TOPIC:
            condition |= Q(tagged_topics__tag_id=topic_id)
        else:
            condition |= Q(format=format_)
    return condition if matched else None


def events_followed(user, *, now: dt.datetime | None = None,
                    upcoming_only: bool = True, include_cancelled: bool = False
                    ) -> QuerySet[EventPage]:
    """Live events matching what `user` follows, by start time: those still to start (or,
    `upcoming_only=False`, those of the last 30 days too). Cancelled ones only with
    `include_cancelled` (a calendar must show them as cancelled, a digest must not)."""
    condition = followed_filter(user)
    if condition is None:
        return EventPage.objects.none()
    now = now or timezone.now()
    start = now if upcoming_only else now - FEED_PAST
    # A match on any language version of an event selects the event once, as its original
    # (the page that holds its registrations and calendar identity).
    keys = (EventPage.objects.live().filter(condition).filter(ends_at__gte=start)
            .values("translation_key"))
    queryset = events_originals(EventPage.objects.live().filter(translation_key__in=keys)
                                .select_related("space"))
    if upcoming_only:
        queryset = queryset.filter(starts_at__gt=now)
    if not include_cancelled:
        queryset = queryset.exclude(status=EventStatus.CANCELLED)
    return queryset.order_by("starts_at", "pk")
