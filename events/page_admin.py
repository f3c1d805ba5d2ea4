"""Events in Wagtail's page explorer (issue 10: three events of the same title could not be
told apart, and nobody saw how full they were).

A space's children are all events (SpacePage allows no other child), so Wagtail uses this
viewset's listing when an organiser opens a space in the explorer: each event shows its
start in its own time zone and its counts — confirmed (seats taken, checked-in people
included), waiting, capacity and checked in — from the one way the app counts them
(`EventPageQuerySet.with_seats_taken` and friends: subqueries, no query per row). The
newest events come first; the columns sort.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import ExplorableIndexView, PageListingMixin
from wagtail.admin.viewsets.pages import PageViewSet

from .models import EventPage


def event_start_label(event: EventPage) -> str:
    """"Sat 5 Dec 2026, 15:30 CET": the start in the event's own zone."""
    return date_format(localtime(event.starts_at, event.tz), "D j M Y, H:i T")


def _capacity(event: EventPage) -> str:
    return str(_("No limit")) if event.capacity is None else str(event.capacity)


def _base_column(name: str):
    return next(column for column in PageListingMixin.base_columns if column.name == name)


class EventExplorerIndexView(ExplorableIndexView):
    """The explorer's listing of a space's events, with their date and counts."""

    default_ordering = "-starts_at"

    def annotate_queryset(self, pages):
        # A translated space's Italian events show the original's counts (not 0).
        return super().annotate_queryset(pages).with_explorer_counts()


class EventPageViewSet(PageViewSet):
    model = EventPage
    icon = "date"
    index_view_class = EventExplorerIndexView
    columns = [
        _base_column("bulk_actions"),
        _base_column("title"),
        _base_column("parent"),  # shown when searching the whole tree
        Column("starts_at", label=_("Starts"), accessor=event_start_label,
               sort_key="starts_at", width="16%"),
        Column("confirmed", label=pgettext_lazy("event counts", "Confirmed"),
               accessor="seats_taken_count", sort_key="seats_taken_count", width="8%"),
        Column("waiting", label=pgettext_lazy("event counts", "Waiting"),
               accessor="waitlist_count", sort_key="waitlist_count", width="8%"),
        Column("capacity", label=_("Capacity"), accessor=_capacity, sort_key="capacity",
               width="8%"),
        Column("checked_in", label=pgettext_lazy("event counts", "Checked in"),
               accessor="checked_in_count", sort_key="checked_in_count", width="8%"),
        _base_column("status"),
    ]
