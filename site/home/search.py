"""Site search: spaces, events, other pages and the member profiles the viewer may see.

Wagtail's database search backend does the matching (full text with ranking on PostgreSQL,
where django.contrib.postgres is installed; a LIKE-based fallback on SQLite). Profiles are
searched *within* `profiles_visible_to(viewer)`, so a hidden member can never be found.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from events.models import EventPage
from events.translations import events_originals
from network.models import SpacePage
from network.selectors import profiles_visible_to
from network.translations import originals

MAX_QUERY_LENGTH = 200
GROUPS = ("spaces", "events", "members", "pages")
GROUP_LABELS = {
    "spaces": _("Spaces"),
    "events": _("Events"),
    "members": _("Members"),
    "pages": _("Pages"),
}


@dataclass
class SearchGroup:
    key: str
    label: str
    results: object  # wagtail SearchResults (sliceable, countable)

    @property
    def count(self) -> int:
        return self.results.count()


def clean_query(raw: str | None) -> str:
    """One line, trimmed, at most MAX_QUERY_LENGTH characters, without control characters
    and without double quotes.

    A plain-text search gives quotes no meaning, and the SQLite backend (modelsearch) puts
    each word between double quotes without escaping them, so a `"` in a word was read as
    full-text syntax and answered with an HTTP 500."""
    text = "".join(ch if ch.isprintable() and ch != '"' else " " for ch in (raw or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def site_search(query: str, viewer) -> list[SearchGroup]:
    """The results for `query`, one group per kind of result (empty groups included)."""
    if not query:
        return [SearchGroup(key, GROUP_LABELS[key], Page.objects.none()) for key in GROUPS]
    backend = get_search_backend()
    # A translated page once (its original). The backend reads only plain filters: id lists.
    spaces = SpacePage.objects.live().public().filter(
        active=True, pk__in=originals(SpacePage.objects.all()).values("pk"))
    # A translated event once. The search backend reads only plain filters: an id list.
    events = EventPage.objects.live().public().filter(
        pk__in=events_originals(EventPage.objects.all()).values("pk"))
    pages = Page.objects.live().public().not_type(SpacePage, EventPage).filter(
        depth__gt=1, pk__in=originals(Page.objects.all()).values("pk"))
    profiles = profiles_visible_to(viewer)
    return [
        SearchGroup("spaces", GROUP_LABELS["spaces"], backend.search(query, spaces)),
        SearchGroup("events", GROUP_LABELS["events"], backend.search(query, events)),
        SearchGroup("members", GROUP_LABELS["members"], backend.search(query, profiles)),
        SearchGroup("pages", GROUP_LABELS["pages"], backend.search(query, pages)),
    ]
