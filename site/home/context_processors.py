"""Navigation shared by every page."""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from network.pagecache.versions import (
    cached_under_version,
    in_open_transaction,
    request_content_version,
)
from network.translations import pages_in_language

# The sections `site_tree_ensure` creates carry English titles; when an editor has not renamed
# them, the menu shows them in the visitor's language.
DEFAULT_SECTION_LABELS = {
    "Spaces": _("Spaces"),
    "Events": _("Events"),
    "Members": _("Members"),
    "The Espresso format": _("The Espresso format"),
}
NAV_CACHE_SECONDS = 24 * 3600


def _sections(request: HttpRequest) -> list[tuple[str, str]]:
    """(title, url) of the site's top-level pages in the menu, cached under the content
    version (network.pagecache), the address's host and port (which pick the Wagtail site)
    and the language: the same for every visitor. A hit reads no site: on a view that is no
    Wagtail page ("my events", a dashboard) finding the site was a query per request."""
    version = request_content_version(request)
    where = hashlib.sha256(f"{request.get_host()}|{request.get_port()}".encode()).hexdigest()
    key = f"espresso:nav:{version}:{where}:{get_language()}"
    if version is not None and (sections := cache.get(key)) is not None:
        return sections
    site = Site.find_for_request(request)
    if site is None:
        return []
    # The original home's sections, each in the visitor's language (network.translations):
    # its translation when it has one, else the original under the visitor's prefix.
    pages = pages_in_language(list(site.root_page.get_children().live().in_menu()
                                   .select_related("locale")), request=request)
    sections = [(str(DEFAULT_SECTION_LABELS.get(page.title, page.title)), page.display_url)
                for page in pages]
    if version is not None and not in_open_transaction():
        cache.set(key, sections, NAV_CACHE_SECONDS)
    return sections


def _nav_items(request: HttpRequest) -> list[dict]:
    path = request.path
    return [{"title": title, "url": url, "current": bool(url) and url != "/"
             and path.startswith(url)} for title, url in _sections(request)]


def _can_access_admin(request: HttpRequest) -> bool:
    """Whether the signed-in visitor may open the Wagtail admin (the header's link). The
    permission check reads the user's and their groups' permissions (two queries): kept
    under the content version, which every change of users, groups and permissions bumps."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return cached_under_version(request, f"access_admin:{user.pk}",
                                lambda: user.has_perm("wagtailadmin.access_admin"))


def site_navigation(request: HttpRequest) -> dict:
    """Top-level pages of the current site for the header: `nav_items` is a list of
    {"title", "url", "current"} (current = the visitor is on that page or below it), and
    `can_access_admin`; each worked out only when a template shows it."""
    if request is None:
        return {"nav_items": [], "can_access_admin": False}
    return {"nav_items": SimpleLazyObject(lambda: _nav_items(request)),
            "can_access_admin": SimpleLazyObject(lambda: _can_access_admin(request))}
