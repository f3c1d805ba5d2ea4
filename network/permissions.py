"""Who organises or coordinates: the one place that decides it.

The source of truth is group membership, because Wagtail's page and collection permissions
hang off groups:
- a *coordinator* is a superuser or a member of the "Network coordinators" group;
- an *organiser of a space* is a member of that space's organiser group
  (`SpacePage.organiser_group`). Organiser memberships (`network.services.membership_set`)
  keep the group in step, and someone put into the group through Wagtail's user admin is an
  organiser exactly the same way.

Every view, selector, admin ViewSet, permission policy and template tag asks these three
functions; nothing else decides (the counterpart of pretalx's `rules.py`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import SpacePage
from .translations import originals

COORDINATORS_GROUP = "Network coordinators"


def _is_active_user(user: Any) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and getattr(user, "is_active", False))


def user_is_coordinator(user: Any) -> bool:
    """Superusers and active members of the "Network coordinators" group.

    The answer is cached on the user object for the length of a request."""
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_network_is_coordinator", None)
    if cached is None:
        cached = user.groups.filter(name=COORDINATORS_GROUP).exists()
        user._network_is_coordinator = cached
    return cached


def spaces_organised_by(user: Any) -> QuerySet[SpacePage]:
    """The spaces `user` may act on as an organiser, ordered by title, each once (the
    original page of a translated space): every space for a coordinator, the spaces whose
    organiser group holds them otherwise, none for anonymous or inactive users."""
    if not _is_active_user(user):
        return SpacePage.objects.none()
    if user_is_coordinator(user):
        return originals(SpacePage.objects.all()).order_by("title")
    return SpacePage.objects.filter(organiser_group__user=user).distinct().order_by("title")


def user_organises_space(user: Any, space: SpacePage | int | None) -> bool:
    """True when `user` may act as an organiser of `space` (a page or its id): coordinators
    on every space, organisers on the spaces whose group holds them (a translation of a
    space is organised by the original's group, docs/translations.md)."""
    if space is None or not _is_active_user(user):
        return False
    if user_is_coordinator(user):
        return True
    space_id = space if isinstance(space, int) else space.pk
    key = SpacePage.objects.filter(pk=space_id).values("translation_key")
    return SpacePage.objects.filter(translation_key__in=key, organiser_group__user=user).exists()


def users_organising_or_coordinating() -> QuerySet:
    """Active users who are coordinators or organise at least one space: the people an
    organiser-facing admin permission policy reports as holding its permissions."""
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=COORDINATORS_GROUP)
        | Q(groups__space__isnull=False), is_active=True).distinct()


def space_organisers(space: SpacePage) -> QuerySet:
    """Active users who organise `space` through its organiser group (coordinators, who
    organise every space, are not listed), oldest account first."""
    if space.organiser_group_id is None:
        return get_user_model().objects.none()
    return (get_user_model().objects.filter(groups=space.organiser_group_id, is_active=True)
            .order_by("pk"))
