"""Reading any iCalendar feed (Google, Outlook, Meetup, another Espresso) into ImportedItems.

- Time zones: a TZID with a VTIMEZONE or an IANA name keeps its zone (Outlook's Windows names
  are mapped to IANA ones); floating times are read in the calendar's X-WR-TIMEZONE, else in
  the subscribing space's zone; all-day events run from local midnight to midnight.
- Recurring events (RRULE, RDATE, EXDATE, moved or cancelled single occurrences) are expanded
  by recurring-ical-events inside the import window; each occurrence is an item keyed by
  (UID, RECURRENCE-ID).
- Raises FeedInvalid for a document that is not a calendar, a VEVENT without UID or start,
  or more than MAX_ITEMS events.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

import recurring_ical_events
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar.timezone import windows_to_olson

from .exceptions import FeedInvalid
from .items import (
    FUTURE_WINDOW,
    MAX_DURATION,
    MAX_ITEMS,
    MAX_OCCURRENCES,
    PAST_WINDOW,
    ImportedItem,
    clean_line,
    clean_text,
)

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


def _item(component, uid: str, recurring: bool, default_tz: zoneinfo.ZoneInfo) -> ImportedItem:
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
    recurrence_id = ""
    if recurring and component.get("RECURRENCE-ID") is not None:
        rid = component.decoded("RECURRENCE-ID")
        rid, _rz, _ra = _moment(rid, component["RECURRENCE-ID"].params.get("TZID", ""),
                                default_tz)
        recurrence_id = rid.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    status = str(component.get("STATUS", "")).upper()
    categories = [clean_line(c, 100) for c in _text_list(component, "CATEGORIES")]
    event_format = next((c.lower() for c in categories if c.lower() in ESPRESSO_FORMATS), "other")
    geo = component.get("GEO")
    url = str(component.get("URL", "") or "")
    try:
        sequence = max(int(component.get("SEQUENCE", 0) or 0), 0)
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
        status="cancelled" if status == "CANCELLED" else "scheduled",
        status_reason=_("Cancelled by the organiser.") if status == "CANCELLED" else "",
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
    )


def read_ical(data: bytes, *, default_tz: zoneinfo.ZoneInfo,
              now: dt.datetime | None = None) -> list[ImportedItem]:
    """Every event of an iCalendar document inside the import window, occurrences expanded.
    Raises FeedInvalid."""
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
    for component in occurrences:
        uid = clean_line(component.get("UID"), 255)
        if not uid:
            raise FeedInvalid(_("An event has no UID."))
        per_uid[uid] = per_uid.get(uid, 0) + 1
        if per_uid[uid] > MAX_OCCURRENCES:
            continue
        try:
            item = _item(component, uid, uid in recurring, default_tz)
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
    return list(items.values())
