"""All-day events in our .ics: an imported event (or series) whose origin wrote its dates
as DATE values is republished with DATE values (RFC 5545 VALUE=DATE), not with the local
midnights it is stored as.

EventPage keeps times only (`starts_at`/`ends_at`, aware); events.federation.ical_reader
imports an all-day event as local midnight to midnight in the subscribing space's zone and
records `all_day` in `EventPage.origin["data"]`: that flag is what tells them apart. Our own
events are never all-day. An imported series' RRULE keeps its UNTIL in UTC (the local
midnight of the origin's UNTIL date, `ical_reader._rrule_text`); next to a DATE start it is
written back as that local date, since RFC 5545 wants UNTIL of the same type as DTSTART.

Guarantees: for an event that is not all-day nothing here changes a VEVENT; an all-day
VEVENT's DTSTART, DTEND, RECURRENCE-ID, RDATEs, EXDATEs and UNTIL are all dates.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Event, vRecur

from .models import EventPage

DAY = dt.timedelta(days=1)


def event_is_all_day(event: EventPage) -> bool:
    """An imported event its origin published with DATE values (`EventPage.all_day`)."""
    return event.all_day


def _day(value: dt.datetime, tz) -> dt.date:
    return timezone.localtime(value, tz).date()


def _end_day(start: dt.date, end: dt.datetime, tz) -> dt.date:
    """The exclusive end date: the local date of a midnight end, else the next day; at
    least one day after `start`."""
    local = timezone.localtime(end, tz)
    day = local.date() if local.time() == dt.time() else local.date() + DAY
    return max(day, start + DAY)


def _replace(vevent: Event, name: str, value) -> None:
    if name in vevent:
        del vevent[name]
    vevent.add(name, value)


def all_day_occurrence(vevent: Event, event: EventPage) -> Event:
    """`vevent` (written by events.calendar.event_vevent) with DATE values when `event` is
    all-day: DTSTART, DTEND and, in a series, RECURRENCE-ID."""
    if not event_is_all_day(event):
        return vevent
    tz = event.tz
    start = _day(event.starts_at, tz)
    _replace(vevent, "dtstart", start)
    _replace(vevent, "dtend", _end_day(start, event.ends_at, tz))
    if "recurrence-id" in vevent and event.recurrence_id is not None:
        _replace(vevent, "recurrence-id", _day(event.recurrence_id, tz))
    return vevent


def all_day_master(vevent: Event, template: EventPage) -> Event:
    """The series master `vevent` (events.calendar.series_master_vevent) with DATE values
    when its dates are all-day: DTSTART, DTEND, RDATEs, EXDATEs and the RRULE's UNTIL."""
    if not event_is_all_day(template):
        return vevent
    series, tz = template.series, template.tz
    start = _day(series.first_starts_at, tz)
    days = max((_end_day(_day(template.starts_at, tz), template.ends_at, tz)
                - _day(template.starts_at, tz)).days, 1)
    _replace(vevent, "dtstart", start)
    _replace(vevent, "dtend", start + dt.timedelta(days=days))
    for name, values in (("rdate", series.rdates), ("exdate", series.exdates)):
        if name in vevent:
            del vevent[name]
        for value in values or []:
            vevent.add(name, _day(dt.datetime.fromisoformat(value), tz))
    if series.rrule:
        rule = vRecur.from_ical(series.rrule)
        until = rule.get("UNTIL")
        if until and isinstance(until[0], dt.datetime):
            rule["UNTIL"] = [_day(until[0], tz)]
        _replace(vevent, "rrule", rule)
    return vevent
