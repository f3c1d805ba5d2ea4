"""The context of the two directory pages (spaces and members): the filters read the
request, the selectors give the rows. Called from the pages' `get_context`."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest
from wagtail.images import get_image_model

from .filters import MemberFilter, SpaceFilter
from .models import SpacePage
from .selectors import DIRECTORY_PAGE_SIZE, profile_email_visible, profiles_for_directory
from .space_map import space_map
from .translations import originals, page_original, pages_in_language


def member_directory_context(page, request: HttpRequest) -> dict:
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


def space_directory_context(page, request: HttpRequest) -> dict:
    # The original directory's spaces, once each (a translated directory lists the same).
    spaces = (originals(SpacePage.objects.live().descendant_of(page_original(page)))
              .select_related("locale")
              .prefetch_related(Prefetch("photo", queryset=get_image_model().objects
                                         .prefetch_renditions("fill-640x360")))
              .order_by("country", "region", "city", "title"))
    space_filter = SpaceFilter(request.GET or None, queryset=spaces)
    results = pages_in_language(list(space_filter.qs), request=request)
    return {
        "filter": space_filter,
        "spaces": results,
        "space_map": space_map(results),
        "is_filtered": any(request.GET.values()),
    }
