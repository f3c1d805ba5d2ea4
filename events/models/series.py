"""Recurring events: a series holds the rule; its occurrences are real EventPages.

A series is either the site's own (created by `events.services.series_create`: weekly or
monthly, always ending) or imported by events.federation from another site's calendar
(`origin` set): then it keeps the upstream master as received (UID, RRULE, possibly without
an end, RDATE, EXDATE, time zone, SEQUENCE) and is changed only by the sync.

Each occurrence has its own capacity, registrations, credits and check-in (nothing of the
registration code knows about series); `EventPage.series` and `EventPage.recurrence_id` (the
occurrence's original start, its iCalendar RECURRENCE-ID) tie it to the series. Created by
`events.services.series_create`; see `events.recurrence` for the rules.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def series_uid_new() -> str:
    return f"{uuid.uuid4()}@espresso"


class EventSeries(models.Model):
    """A series: RRULE, first start (DTSTART), extra dates (RDATE), exceptions (EXDATE)."""

    uid = models.CharField(max_length=120, unique=True, editable=False,
                           default=series_uid_new)
    space = models.ForeignKey("network.SpacePage", null=True, blank=True, editable=False,
                              on_delete=models.SET_NULL, related_name="event_series")
    title = models.CharField(_("title"), max_length=255)
    rrule = models.CharField(_("repeat rule"), max_length=300)
    first_starts_at = models.DateTimeField(_("first start"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    # Original starts (ISO 8601, UTC) left out of the rule: the EXDATEs of the .ics.
    exdates = models.JSONField(default=list, blank=True, editable=False)
    # Extra original starts (ISO 8601, UTC) added to the rule: the RDATEs of the .ics.
    rdates = models.JSONField(default=list, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Imported by events.federation: {"uid": the origin's UID of the series, "feed_url",
    # "name"}. Empty for the site's own series.
    origin = models.JSONField(default=dict, blank=True, editable=False)
    # An imported series that disappeared upstream: its master is published STATUS:CANCELLED
    # (so calendars drop the dates beyond the ones listed, e.g. of a rule without an end).
    cancelled = models.BooleanField(default=False, editable=False)
    #: Set when a rule change split the series: the series holding its later dates. A split
    #: series is not changed again (the later dates would get a second page); its successor is.
    continued_as = models.ForeignKey("self", null=True, blank=True, editable=False,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        ordering = ["first_starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.rrule})"

    @property
    def published_uid(self) -> str:
        """The UID feeds publish: an imported series keeps its origin's, ours is `uid`."""
        return (self.origin or {}).get("uid") or self.uid

    @property
    def is_imported(self) -> bool:
        return bool(self.origin)
