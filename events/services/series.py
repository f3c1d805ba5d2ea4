"""Creating a recurring series in one go (weekly or monthly, with an end, exceptions).

Guarantees of `series_create`: the rule is checked and expanded BEFORE anything is written;
then the series and every occurrence (a published EventPage under the space, with its own
capacity and registrations) are created in ONE transaction, all or nothing. Occurrences keep
the first one's local wall-clock time across DST changes. Exceptions (dates of the rule left
out) become the series' EXDATEs. A single occurrence is later moved, changed or cancelled
like any event (the page editor); it stays an occurrence (RECURRENCE-ID) of the series.

Raises SeriesInvalid (events.recurrence) with a sentence for people; nothing is created then.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from network.models import SpacePage

from ..models import MAX_EVENT_DURATION, EventPage, EventSeries
from ..recurrence import SeriesInvalid, occurrence_starts, rrule_check

#: The EventPage fields an organiser sets once for every occurrence of a series.
TEMPLATE_FIELDS = {
    "summary", "body", "format", "language", "room", "address_override", "online_url",
    "capacity", "waitlist_enabled", "registration_opens_at", "price_credits",
    "cancellation_deadline_hours", "guests_allowed", "reward_host", "reward_speaker",
    "reward_volunteer", "checkin_opens_hours_before",
}


def _occurrence_slug(title: str, start: dt.datetime, taken: set[str]) -> str:
    base = f"{slugify(title)[:60] or 'event'}-{start:%Y-%m-%d}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def series_create(space: SpacePage, *, title: str, first_start: dt.datetime,
                  duration: dt.timedelta, rrule: str, exceptions: Iterable[dt.date] = (),
                  fields: dict | None = None, user=None) -> EventSeries:
    """Create a series and all its occurrences, published (see the module's guarantees).
    `first_start` is aware, in the series' zone (a ZoneInfo). Raises SeriesInvalid."""
    fields = dict(fields or {})
    unknown = set(fields) - TEMPLATE_FIELDS
    if unknown:
        raise SeriesInvalid(_("Unknown event fields: %(names)s.")
                            % {"names": ", ".join(sorted(unknown))})
    title = " ".join((title or "").split())
    if not title:
        raise SeriesInvalid(_("Give the series a title."))
    if not isinstance(first_start.tzinfo, zoneinfo.ZoneInfo):
        raise SeriesInvalid(_("The first start needs a time zone."))
    if not dt.timedelta(0) < duration <= MAX_EVENT_DURATION:
        raise SeriesInvalid(_("Each occurrence lasts more than nothing and at most 14 days."))
    rrule = rrule_check(rrule)
    starts = occurrence_starts(first_start, rrule)
    if not starts:
        raise SeriesInvalid(_("The repeat rule gives no date."))
    skipped_days = set(exceptions)
    stray = skipped_days - {start.date() for start in starts}
    if stray:
        raise SeriesInvalid(_("%(day)s is not a date of the series.")
                            % {"day": min(stray).isoformat()})
    kept = [start for start in starts if start.date() not in skipped_days]
    if not kept:
        raise SeriesInvalid(_("Every date of the series is an exception."))
    zone = first_start.tzinfo.key
    taken = set(space.get_children().values_list("slug", flat=True))
    with transaction.atomic():
        series = EventSeries.objects.create(
            space=space, title=title[:255], rrule=rrule, first_starts_at=starts[0],
            time_zone=zone, created_by=user,
            exdates=[start.astimezone(dt.UTC).isoformat() for start in starts
                     if start.date() in skipped_days])
        for start in kept:
            page = EventPage(title=title[:255], slug=_occurrence_slug(title, start, taken),
                             starts_at=start, ends_at=start + duration, time_zone=zone,
                             series=series, recurrence_id=start, live=False, **fields)
            try:
                page.clean_fields(exclude=["path", "depth", "url_path", "content_type",
                                           "draft_title", "translation_key", "locale"])
                page.clean()
            except ValidationError as exc:
                messages = [str(m) for ms in exc.message_dict.values() for m in ms]
                raise SeriesInvalid(" ".join(messages)) from exc
            space.add_child(instance=page)
            page.save_revision(user=user, log_action=True).publish(user=user)
    return series
