"""Reads of the network: who may see which profile, who coordinates or organises what, and
the context of the spaces directory and the member directory."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from .models import MemberProfile, Membership, SpacePage, Visibility
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


def member_directory_context(page, request: HttpRequest) -> dict:
    from django.core.paginator import Paginator

    from .filters import MemberFilter

    viewer = request.user
    member_filter = MemberFilter(request.GET or None, queryset=profiles_for_directory(viewer))
    paginator = Paginator(member_filter.qs, DIRECTORY_PAGE_SIZE)
    profiles_page = paginator.get_page(request.GET.get("page"))
    for profile in profiles_page.object_list:
        profile.email_visible = profile_email_visible(profile, viewer)
    return {
        "filter": member_filter,
        "profiles": profiles_page,
        "is_filtered": member_filter.is_bound and any(
            value for key, value in request.GET.items() if key != "page"),
    }


# --- the spaces directory ------------------------------------------------------------

def space_map_points(spaces) -> list[MapPoint]:
    """The drawn points of the directory map (see network.space_map)."""
    return space_map(spaces).points


def space_directory_context(page, request: HttpRequest) -> dict:
    from wagtail.images import get_image_model

    from .filters import SpaceFilter

    spaces = (SpacePage.objects.live().descendant_of(page)
              .prefetch_related(Prefetch("photo", queryset=get_image_model().objects
                                         .prefetch_renditions("fill-640x360")))
              .order_by("country", "region", "city", "title"))
    space_filter = SpaceFilter(request.GET or None, queryset=spaces)
    results = list(space_filter.qs)
    return {
        "filter": space_filter,
        "spaces": results,
        "space_map": space_map(results),
        "is_filtered": any(request.GET.values()),
    }
