"""Reads of the network: who may see which profile, the directories' rows, the map's points
(the directory pages' context is built in `network.page_context`)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .models import MemberProfile, Membership, Visibility
from .permissions import user_is_coordinator
from .space_map import MapPoint, space_map

DIRECTORY_PAGE_SIZE = 20


def profiles_visible_to(viewer) -> QuerySet[MemberProfile]:
    """Profiles `viewer` may see: anonymous → public; logged-in member → public + network
    (plus their own, even hidden); coordinator → all. A hidden profile appears to nobody else."""
    profiles = MemberProfile.objects.all()
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return profiles.filter(visibility=Visibility.PUBLIC)
    if user_is_coordinator(viewer):
        return profiles
    return profiles.filter(Q(visibility__in=[Visibility.PUBLIC, Visibility.NETWORK])
                           | Q(user=viewer))


def profile_email_visible(profile: MemberProfile, viewer) -> bool:
    """The e-mail shows only where the member allowed it, or to the member themself.
    (Callers only render profiles taken from `profiles_visible_to(viewer)`.)"""
    if viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id:
        return True
    return profile.show_email


def profiles_for_directory(viewer) -> QuerySet[MemberProfile]:
    """Visible profiles with everything the directory shows, in a fixed number of queries."""
    from wagtail.images import get_image_model

    return (profiles_visible_to(viewer)
            .select_related("user", "home_space")
            .prefetch_related(
                "skills",
                Prefetch("avatar", queryset=get_image_model().objects
                         .prefetch_renditions("fill-160x160")),
                Prefetch("user__memberships",
                         queryset=Membership.objects.select_related("space").order_by(
                             "space__title")),
            ))


def profile_for_viewer(slug: str, viewer) -> MemberProfile | None:
    return profiles_for_directory(viewer).filter(slug=slug).first()


# --- the spaces directory ------------------------------------------------------------

def space_map_points(spaces) -> list[MapPoint]:
    """The drawn points of the directory map (see network.space_map)."""
    return space_map(spaces).points
