"""The site's public address (`settings.SITE_URL`) for links that leave the site.

Calendar files, feeds, "add to my calendar" links and e-mails are read far from the request
that made them, so their links use the configured public address: never the host name of
the request (a feed may be fetched through an internal name) nor the host name stored on
Wagtail's Site record (`localhost` after a fresh install).
"""

from django.conf import settings
from django.http import HttpRequest
from wagtail.models import Page


def public_url(path: str) -> str:
    """`path` (starting with "/") on the public site, e.g. https://espresso.example/events/."""
    return settings.SITE_URL + path


def page_public_url(page: Page, request: HttpRequest | None = None) -> str:
    """The public address of a page, or "" when the page is not routable.

    `request` only lets Wagtail reuse its per-request cache of site roots.
    """
    parts = page.get_url_parts(request)
    if parts is None:
        return ""
    _site_id, _root_url, path = parts
    return public_url(path)
