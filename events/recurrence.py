"""Recurrence rules of event series: building, checking and expanding an RFC 5545 RRULE.

A series repeats weekly or monthly and always ends (COUNT or UNTIL): an organiser sets up a
weekly meetup in one go, each occurrence becomes a real EventPage (own capacity, own
registrations). Occurrences keep their LOCAL wall-clock time: a Tuesday 18:30 meetup is at
18:30 in Rome before and after the change to winter time (the rule is expanded on local
times, then each is placed in the zone).

Raises `SeriesInvalid` (a ValueError) with a sentence for people.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

FREQUENCIES = ("WEEKLY", "MONTHLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_OCCURRENCES = 104
RRULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"}


class SeriesInvalid(ValueError):
    """A rule or an exception list that cannot make a series; str() is for people."""


def rrule_build(*, freq: str, interval: int = 1, weekdays: list[str] | None = None,
                monthly_position: int | None = None, count: int | None = None,
                until: dt.date | None = None, tz: zoneinfo.ZoneInfo | None = None) -> str:
    """An RRULE from the organiser's choices. Weekly: on `weekdays` (default: the first
    day's). Monthly: on the same day of the month, or with `monthly_position` (1..4, -1) on
    that weekday of the month ("the last Thursday"). Exactly one of `count` and `until`.
    Raises SeriesInvalid."""
    if freq not in FREQUENCIES:
        raise SeriesInvalid(_("A series repeats weekly or monthly."))
    if (count is None) == (until is None):
        raise SeriesInvalid(_("Say how the series ends: a number of times or a last date."))
    if not 1 <= interval <= 12:
        raise SeriesInvalid(_("The interval must be between 1 and 12."))
    parts = [f"FREQ={freq}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    days = [day for day in (weekdays or []) if day]
    if any(day not in WEEKDAYS for day in days):
        raise SeriesInvalid(_("Unknown day of the week."))
    if freq == "WEEKLY" and days:
        parts.append("BYDAY=" + ",".join(sorted(set(days), key=WEEKDAYS.index)))
    if freq == "MONTHLY" and monthly_position is not None:
        if monthly_position not in (1, 2, 3, 4, -1) or len(days) != 1:
            raise SeriesInvalid(_("Choose one weekday and its place in the month."))
        parts.append(f"BYDAY={monthly_position}{days[0]}")
    if count is not None:
        if not 1 <= count <= MAX_OCCURRENCES:
            raise SeriesInvalid(_("A series has between 1 and %(n)s occurrences.")
                                % {"n": MAX_OCCURRENCES})
        parts.append(f"COUNT={count}")
    else:
        # UNTIL in UTC (RFC 5545 with a zoned DTSTART): the end of that day, local time.
        end = dt.datetime.combine(until, dt.time(23, 59, 59), tz or dt.UTC)
        parts.append("UNTIL=" + end.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def rrule_check(rrule: str) -> str:
    """The rule, upper-cased, if it is one a series may have (weekly or monthly, with an end,
    only the known parts). Raises SeriesInvalid."""
    rule = (rrule or "").strip().upper().removeprefix("RRULE:")
    try:
        parts = dict(part.split("=", 1) for part in rule.split(";") if part)
    except ValueError as exc:
        raise SeriesInvalid(_("The repeat rule is not valid.")) from exc
    if not parts.keys() <= RRULE_PARTS or parts.get("FREQ") not in FREQUENCIES:
        raise SeriesInvalid(_("A series repeats weekly or monthly."))
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise SeriesInvalid(_("Say how the series ends: a number of times or a last date."))
    return rule


def occurrence_starts(first_start: dt.datetime, rrule: str, *,
                      exdates: list[dt.datetime] | None = None) -> list[dt.datetime]:
    """The starts of a series (aware, in `first_start`'s zone, same wall-clock time across DST
    changes), minus `exdates`. Raises SeriesInvalid for a bad rule or too many occurrences."""
    if first_start.tzinfo is None:
        raise SeriesInvalid(_("The first start needs a time zone."))
    rule = rrule_check(rrule)
    try:
        # dateutil expands on wall-clock fields and keeps the tzinfo: local times stay put.
        recurrence = rrulestr(rule, dtstart=first_start)
        starts = []
        for start in recurrence:
            starts.append(start)
            if len(starts) > MAX_OCCURRENCES:
                raise SeriesInvalid(_("A series has between 1 and %(n)s occurrences.")
                                    % {"n": MAX_OCCURRENCES})
    except SeriesInvalid:
        raise
    except (ValueError, TypeError) as exc:
        raise SeriesInvalid(_("The repeat rule is not valid.")) from exc
    skipped = {value.astimezone(dt.UTC) for value in exdates or []}
    zone = first_start.tzinfo
    # Re-attach the zone so each start gets the offset of its own date (DST).
    placed = [start.replace(tzinfo=None).replace(tzinfo=zone) for start in starts]
    return [start for start in placed if start.astimezone(dt.UTC) not in skipped]
