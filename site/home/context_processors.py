"""Navigation shared by every page."""

from django.http import HttpRequest
from wagtail.models import Site


def site_navigation(request: HttpRequest) -> dict:
    """Top-level pages of the current site, for the header."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return {"nav_pages": []}
    root = site.root_page
    return {"nav_root": root, "nav_pages": root.get_children().live().in_menu().specific()}
