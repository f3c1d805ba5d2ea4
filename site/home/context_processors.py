"""Navigation shared by every page."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

# The sections `site_tree_ensure` creates carry English titles; when an editor has not renamed
# them, the menu shows them in the visitor's language.
DEFAULT_SECTION_LABELS = {
    "Spaces": _("Spaces"),
    "Events": _("Events"),
    "Members": _("Members"),
    "The Espresso format": _("The Espresso format"),
}


def site_navigation(request: HttpRequest) -> dict:
    """Top-level pages of the current site for the header: `nav_items` is a list of
    {"title", "url", "current"} (current = the visitor is on that page or below it)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return {"nav_pages": [], "nav_items": []}
    root = site.root_page
    pages = list(root.get_children().live().in_menu().specific())
    path = request.path
    items = []
    for page in pages:
        url = page.get_url(request=request) or ""
        items.append({
            "title": DEFAULT_SECTION_LABELS.get(page.title, page.title),
            "url": url,
            "current": bool(url) and url != "/" and path.startswith(url),
        })
    return {"nav_root": root, "nav_pages": pages, "nav_items": items}
