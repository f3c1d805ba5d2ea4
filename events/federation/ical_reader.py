"""Reading any iCalendar feed (Google, Outlook, Meetup, another Espresso) into ImportedItems.

- Time zones: a TZID with a VTIMEZONE or an IANA name keeps its zone (Outlook's Windows names
  are mapped to IANA ones); floating times are read in the calendar's X-WR-TIMEZONE, else in
  the subscribing space's zone; all-day events run from local midnight to midnight.
- Recurring events (RRULE, RDATE, EXDATE, moved or cancelled single occurrences) are expanded
  by recurring-ical-events inside the import window; each occurrence is an item keyed by
  (UID, RECURRENCE-ID), tied to its master (`SeriesMaster`: UID, RRULE, RDATE, EXDATE,
  DTSTART and zone as received; an UNTIL is only rewritten in UTC when the feed wrote it
  as a date or a floating time, which RFC 5545 forbids next to a zoned DTSTART). A master
  that cannot be republished faithfully (several RRULEs, a rule longer than 300 characters,
  a custom time zone without a known name, more than 1000 RDATEs/EXDATEs) gives no series:
  its dates are imported as single events, as they were expanded.
- Raises FeedInvalid for a document that is not a calendar, a VEVENT without UID or start,
  or more than MAX_ITEMS events.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import zoneinfo

import recurring_ical_events
from dateutil.rrule import rrulestr
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, vRecur
from icalendar.timezone import windows_to_olson

from .exceptions import FeedInvalid
from .items import (
    FUTURE_WINDOW,
    MAX_DURATION,
    MAX_ITEMS,
    MAX_OCCURRENCES,
    MAX_RRULE_LENGTH,
    MAX_SERIES_DATES,
    PAST_WINDOW,
    ImportedItem,
    SeriesMaster,
    clean_line,
    clean_text,
)

#: The PRODID of Espresso's calendars (events.calendar.PRODID), the start of it that stays.
ESPRESSO_PRODID = "-//Espresso//"
#: Most dates all the repeat rules of one calendar may give from their first start to the end
#: of the import window (expanding costs that much, whatever the window: a rule is
#: expanded from its DTSTART). An hourly rule without an end, or one started years ago by the
#: minute, would otherwise take the sync down.
MAX_RULE_DATES = 200_000
ESPRESSO_FORMATS = {"workshop", "seminar", "meetup", "talk", "unconference", "other"}


def _zone_name(value: dt.datetime, tzid: str) -> str | None:
    """The IANA name of an aware datetime's zone, or None when it has no known name."""
    key = getattr(value.tzinfo, "key", None)
    if key:
        return key
    for candidate in (tzid, windows_to_olson.WINDOWS_TO_OLSON.get(tzid or "", "")):
        if candidate:
            try:
                zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return None


def _moment(value, tzid: str, default_tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, str, bool]:
    """(aware datetime, IANA zone name, all-day) of a DTSTART/DTEND value."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):  # floating: the calendar's (or the space's) zone
            return value.replace(tzinfo=default_tz), default_tz.key, False
        name = _zone_name(value, tzid)
        if name is None:  # a custom VTIMEZONE without a known name: keep the instant, in UTC
            return value.astimezone(dt.UTC), "UTC", False
        return value.astimezone(zoneinfo.ZoneInfo(name)), name, False
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), default_tz), default_tz.key, True
    raise FeedInvalid(_("An event has a start that is not a date or a time."))


def _text_list(component, name: str) -> list[str]:
    values = component.get(name)
    if values is None:
        return []
    values = values if isinstance(values, list) else [values]
    out: list[str] = []
    for value in values:
        cats = getattr(value, "cats", None)
        out.extend(str(c) for c in (cats if cats is not None else [value]))
    return out


def _organizer(component) -> dict:
    organizer = component.get("ORGANIZER")
    if organizer is None:
        return {"name": "", "url": None, "email": None}
    address = str(organizer)
    email = address[7:] if address.lower().startswith("mailto:") else None
    url = address if address.lower().startswith(("http://", "https://")) else None
    return {"name": clean_line(organizer.params.get("CN", ""), 255), "url": url,
            "email": clean_line(email, 254) or None}


def _online_url(component) -> str:
    for name in ("CONFERENCE", "X-GOOGLE-CONFERENCE"):
        value = component.get(name)
        if value is not None:
            value = str(value[0] if isinstance(value, list) else value)
            if value.startswith(("https://", "http://")) and len(value) <= 200:
                return value
    return ""


def _status(value: str, espresso: bool) -> tuple[str, str]:
    """(Espresso status, reason) of a STATUS. TENTATIVE is "postponed" only in another
    Espresso's calendar (which writes a postponed event so); elsewhere it means a date not
    yet confirmed, which Espresso shows as scheduled."""
    if value == "CANCELLED":
        return "cancelled", _("Cancelled by the organiser.")
    if value == "TENTATIVE" and espresso:
        return "postponed", _("Postponed by the organiser.")
    return "scheduled", ""


def _item(component, uid: str, recurring: bool, default_tz: zoneinfo.ZoneInfo,
          series: SeriesMaster | None = None, sequences: dict | None = None,
          espresso: bool = False) -> ImportedItem:
    """One item. `sequences`: the SEQUENCE of each source component, by (UID, RECURRENCE-ID)
    for overrides and by UID for masters (recurring-ical-events gives every date of a
    series the highest SEQUENCE of all its components; a date's own is its source's)."""
    start_prop = component.get("DTSTART")
    if start_prop is None:
        raise FeedInvalid(_("An event (UID %(uid)s) has no start.") % {"uid": uid[:80]})
    tzid = start_prop.params.get("TZID", "")
    starts_at, zone, all_day = _moment(component.decoded("DTSTART"), tzid, default_tz)
    if component.get("DTEND") is not None:
        end_prop = component["DTEND"]
        ends_at, _zone, _all = _moment(component.decoded("DTEND"),
                                       end_prop.params.get("TZID", ""), default_tz)
    elif component.get("DURATION") is not None:
        ends_at = starts_at + component.decoded("DURATION")
    else:
        ends_at = starts_at + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    recurrence_id, original_start = "", None
    if recurring and component.get("RECURRENCE-ID") is not None:
        rid = component.decoded("RECURRENCE-ID")
        original_start, _rz, _ra = _moment(
            rid, component["RECURRENCE-ID"].params.get("TZID", ""), default_tz)
        recurrence_id = original_start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    status, status_reason = _status(str(component.get("STATUS", "")).upper(), espresso)
    categories = [clean_line(c, 100) for c in _text_list(component, "CATEGORIES")]
    event_format = next((c.lower() for c in categories if c.lower() in ESPRESSO_FORMATS), "other")
    geo = component.get("GEO")
    url = str(component.get("URL", "") or "")
    try:
        sequence = max(int(component.get("SEQUENCE", 0) or 0), 0)
        if recurrence_id and sequences:
            sequence = sequences.get((uid, recurrence_id), sequences.get(uid, sequence))
    except (TypeError, ValueError) as exc:
        raise FeedInvalid(_("An event (UID %(uid)s) has a SEQUENCE that is not a number.")
                          % {"uid": uid[:80]}) from exc
    return ImportedItem(
        uid=uid, recurrence_id=recurrence_id, sequence=sequence,
        title=clean_line(component.get("SUMMARY"), 255) or _("Untitled event"),
        starts_at=starts_at, ends_at=ends_at, time_zone=zone,
        url=url if url.startswith(("https://", "http://")) and len(url) <= 500 else "",
        description=clean_text(component.get("DESCRIPTION")),
        format=event_format,
        topics=[c for c in categories if c and c.lower() not in ESPRESSO_FORMATS][:20],
        status=status,
        status_reason=status_reason,
        address=clean_line(component.get("LOCATION"), 255),
        online_url=_online_url(component),
        republished=component.get("X-ESPRESSO-ORIGIN") is not None,
        origin={
            "venue": {"name": "", "room": "", "address": clean_line(component.get("LOCATION"),
                                                                   255),
                      "city": "", "region": "", "country": "",
                      "latitude": float(geo.latitude) if geo is not None else None,
                      "longitude": float(geo.longitude) if geo is not None else None},
            "organizer": _organizer(component),
            "all_day": all_day,
        },
        series=series if recurrence_id else None,
        original_start=original_start,
        override=(uid, recurrence_id) in (sequences or {}),
    )


def _aware(value, start: dt.datetime) -> dt.datetime:
    """A DATE, floating or zoned value of a master's RDATE/EXDATE as an aware datetime: a
    date at the series' time of day, a floating time in the series' zone."""
    if isinstance(value, tuple):  # a PERIOD: its start
        value = value[0]
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, start.timetz().replace(tzinfo=None))
    if value.tzinfo is None:
        value = value.replace(tzinfo=start.tzinfo)
    return value


def _date_list(component, name: str, start: dt.datetime) -> list[dt.datetime] | None:
    """Every value of RDATE or EXDATE (all their lines), None when there are too many."""
    prop = component.get(name)
    if prop is None:
        return []
    values = [value.dt for line in (prop if isinstance(prop, list) else [prop])
              for value in line.dts]
    if len(values) > MAX_SERIES_DATES:
        return None
    return sorted({_aware(value, start).astimezone(dt.UTC) for value in values})


def _rrule_text(prop, start: dt.datetime, zoned: bool) -> str:
    """The RRULE as received, except an UNTIL written as a date or a floating time next to
    a zoned DTSTART (which RFC 5545 forbids): put in UTC as recurring-ical-events reads it
    when expanding (its fields taken as UTC), so our republished rule gives exactly the dates
    we imported. With a date or floating DTSTART (all-day, floating events), the UNTIL is
    read in the series' zone, as the start is."""
    rule = vRecur(prop)
    until = rule.get("UNTIL")
    if until:
        value = until[0]
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC if zoned else start.tzinfo)
        rule["UNTIL"] = [value.astimezone(dt.UTC)]
    return rule.to_ical().decode()


def _series(component, uid: str, default_tz: zoneinfo.ZoneInfo) -> SeriesMaster | None:
    """The master of a recurring event as EventSeries keeps it, or None when it cannot be
    kept faithfully (see the module's docstring)."""
    rrule = component.get("RRULE")
    if isinstance(rrule, list):
        return None
    start_prop = component.get("DTSTART")
    if start_prop is None:
        return None
    value = component.decoded("DTSTART")
    tzid = start_prop.params.get("TZID", "")
    if (isinstance(value, dt.datetime) and not timezone.is_naive(value)
            and _zone_name(value, tzid) is None):
        return None  # a custom VTIMEZONE: republished in UTC it would drift across DST
    first_start, zone, _all_day = _moment(value, tzid, default_tz)
    zoned = isinstance(value, dt.datetime) and not timezone.is_naive(value)
    rule = _rrule_text(rrule, first_start, zoned) if rrule is not None else ""
    rdates = _date_list(component, "RDATE", first_start)
    exdates = _date_list(component, "EXDATE", first_start)
    if len(rule) > MAX_RRULE_LENGTH or rdates is None or exdates is None:
        return None
    return SeriesMaster(
        uid=uid, rrule=rule, first_start=first_start, time_zone=zone,
        title=clean_line(component.get("SUMMARY"), 255) or _("Untitled event"),
        sequence=max(int(component.get("SEQUENCE", 0) or 0), 0), rdates=rdates,
        exdates=exdates)


def read_ical(data: bytes, *, default_tz: zoneinfo.ZoneInfo,
              now: dt.datetime | None = None) -> list[ImportedItem]:
    """Every event of an iCalendar document inside the import window, occurrences expanded.
    Raises FeedInvalid."""
    return read_ical_feed(data, default_tz=default_tz, now=now)[0]


def read_ical_feed(data: bytes, *, default_tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None
                   ) -> tuple[list[ImportedItem], dict[str, SeriesMaster]]:
    """The items of `read_ical` and every recurring master of the document by UID (also
    those without a date in the window: their series is still upstream). Raises
    FeedInvalid."""
    now = now or timezone.now()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedInvalid(_("The calendar is not UTF-8 text.")) from exc
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise FeedInvalid(_("This is not an iCalendar file (no BEGIN:VCALENDAR)."))
    try:
        calendar = Calendar.from_ical(text)
        calendar_zone = str(calendar.get("X-WR-TIMEZONE", "") or "")
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            default_tz = zoneinfo.ZoneInfo(calendar_zone) if calendar_zone else default_tz
        masters = calendar.walk("VEVENT")
        if len(masters) > MAX_ITEMS:
            raise FeedInvalid(_("The calendar has more than %(n)s events.") % {"n": MAX_ITEMS})
        recurring = {str(c.get("UID", "")) for c in masters
                     if c.get("RRULE") is not None or c.get("RDATE") is not None
                     or c.get("RECURRENCE-ID") is not None}
        _expansion_cost_check(masters, now + FUTURE_WINDOW, default_tz)
        series, sequences = _masters(masters, default_tz)
        espresso = str(calendar.get("PRODID", "")).startswith(ESPRESSO_PRODID)
        occurrences = recurring_ical_events.of(calendar).between(
            (now - PAST_WINDOW).astimezone(default_tz), (now + FUTURE_WINDOW).astimezone(
                default_tz))
    except FeedInvalid:
        raise
    except Exception as exc:  # icalendar and its helpers raise many kinds on bad input
        raise FeedInvalid(_("The calendar could not be read: %(error)s")
                          % {"error": clean_line(exc, 200)}) from exc
    items: dict[tuple[str, str], ImportedItem] = {}
    per_uid: dict[str, int] = {}
    for component in sorted(occurrences, key=_start_key):
        uid = clean_line(component.get("UID"), 255)
        if not uid:
            raise FeedInvalid(_("An event has no UID."))
        per_uid[uid] = per_uid.get(uid, 0) + 1
        if per_uid[uid] > MAX_OCCURRENCES:
            continue
        try:
            item = _item(component, uid, uid in recurring, default_tz, series.get(uid),
                         sequences, espresso)
        except FeedInvalid:
            raise
        except Exception as exc:
            raise FeedInvalid(_("The event %(uid)s could not be read: %(error)s")
                              % {"uid": uid[:80], "error": clean_line(exc, 200)}) from exc
        if not dt.timedelta(0) < item.ends_at - item.starts_at <= MAX_DURATION:
            continue  # not an event Espresso can hold (no length, or more than 14 days)
        items[item.key] = item
        if len(items) > MAX_ITEMS:
            raise FeedInvalid(_("The calendar has more than %(n)s events.") % {"n": MAX_ITEMS})
    return list(items.values()), series


def _expansion_cost_check(components, window_end: dt.datetime,
                          default_tz: zoneinfo.ZoneInfo) -> None:
    """Raise FeedInvalid when the calendar's repeat rules give more than MAX_RULE_DATES dates
    up to the end of the import window (counted lazily, so the check itself is bounded)."""
    budget = MAX_RULE_DATES
    for component in components:
        rules = component.get("RRULE")
        if rules is None or component.get("RECURRENCE-ID") is not None:
            continue
        start_prop = component["DTSTART"]
        value = component.decoded("DTSTART")
        first_start, _zone, _all_day = _moment(value, start_prop.params.get("TZID", ""),
                                               default_tz)
        zoned = isinstance(value, dt.datetime) and not timezone.is_naive(value)
        for rule in rules if isinstance(rules, list) else [rules]:
            dates = rrulestr(_rrule_text(rule, first_start, zoned), dtstart=first_start)
            for start in itertools.islice(dates, budget + 1):
                budget -= 1
                if start > window_end:
                    break
            if budget < 0:
                raise FeedInvalid(
                    _("The calendar's repeat rules give more than %(n)s dates: it cannot be "
                      "imported.") % {"n": MAX_RULE_DATES})


def _start_key(component) -> dt.datetime:
    """Occurrences in time order, so the per-UID cap keeps the earliest ones."""
    value = component.decoded("DTSTART")
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _masters(components, default_tz: zoneinfo.ZoneInfo) -> tuple[dict[str, SeriesMaster], dict]:
    """The series kept for each recurring UID (one master with RRULE or RDATE), and the
    SEQUENCE of every source component: by (UID, RECURRENCE-ID) for an override, by UID for
    a master."""
    found: dict[str, list] = {}
    sequences: dict = {}
    for component in components:
        uid = clean_line(component.get("UID"), 255)
        sequence = max(int(component.get("SEQUENCE", 0) or 0), 0)
        if component.get("RECURRENCE-ID") is not None:
            rid_prop = component["RECURRENCE-ID"]
            rid, _zone, _all = _moment(component.decoded("RECURRENCE-ID"),
                                       rid_prop.params.get("TZID", ""), default_tz)
            sequences[(uid, rid.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))] = sequence
        elif uid and (component.get("RRULE") is not None or component.get("RDATE") is not None):
            found.setdefault(uid, []).append(component)
            sequences[uid] = sequence
    series = {}
    for uid, candidates in found.items():
        if len(candidates) == 1:  # two masters for one UID: nothing faithful to keep
            master = _series(candidates[0], uid, default_tz)
            if master is not None:
                series[uid] = master
    return series, sequences
