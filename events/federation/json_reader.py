"""Reading another Espresso's JSON feed (docs/format/) into ImportedItems, losing nothing.

Each page is validated against the format's JSON Schema first (wrong types, unknown keys,
malformed dates are refused with the path of the first error), then mapped field by field.
What EventPage has no column for (venue, organizer, seats left, publication dates, the
keys higher-floor apps add, such as `sessions`) travels in `origin`, which the feeds
publish back unchanged.

A date of a recurring series whose `series` describes its master (`starts_at`, and
optionally `rdates`, `exdates`, `sequence`: feeds since the format's series extension) is
tied to an `SeriesMaster`, so the importing site republishes the series as one (same UID,
RRULE, EXDATEs); an older feed's dates (only `id`, `rrule`, `recurrence_id`) are imported as
single events.

Raises FeedInvalid.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from functools import cache
from pathlib import Path

import jsonschema
from dateutil.rrule import rrulestr
from django.conf import settings
from django.utils.translation import gettext as _

from events.body import rich_text_clean

from .exceptions import FeedInvalid
from .items import MAX_DURATION, ImportedItem, SeriesMaster, clean_line, clean_text

#: The keys of an item that map onto EventPage columns (everything else goes to `origin`).
MAPPED_KEYS = {
    "id", "url", "title", "summary", "description", "body", "format", "language", "topics",
    "status", "status_reason", "starts_at", "ends_at", "time_zone", "attendance_mode",
    "online_url", "capacity", "waitlist", "price", "registration", "sequence",
    "cancellation_deadline_hours", "rewards", "origin",
}


@cache
def feed_schema() -> dict:
    path = Path(settings.BASE_DIR) / "docs" / "format" / "event-feed.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        feed_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _datetime(value: str | None, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone)


def _body(blocks: list[dict]) -> list[dict]:
    """The feed's body blocks, cleaned (the exporter's shape: see docs/format/README.md)."""
    out: list[dict] = []
    for block in blocks:
        kind = block["type"]
        if kind == "text":
            out.append({"type": "text", "html": rich_text_clean(block["html"])})
        elif kind == "agenda":
            out.append({"type": "agenda", "heading": clean_line(block.get("heading"), 200),
                        "items": [{"time": item["time"][:5],
                                   "title": clean_line(item["title"], 200),
                                   "description": clean_text(item.get("description"), 5000)}
                                  for item in block["items"]]})
        elif kind == "speaker":
            out.append({"type": "speaker", "name": clean_line(block["name"], 120),
                        "role": clean_line(block.get("role"), 160),
                        "bio": clean_text(block.get("bio"), 5000),
                        "link": block.get("link") or None})
        else:
            raise FeedInvalid(_("Unknown kind of description block: %(kind)s.")
                              % {"kind": clean_line(kind, 40)})
    return out


def _series(data: dict, series: dict, zone: zoneinfo.ZoneInfo) -> SeriesMaster | None:
    """The master of the item's series, when the feed describes it (`starts_at`)."""
    if not series.get("starts_at"):
        return None
    first_start = _datetime(series["starts_at"], zone)
    rrule = series["rrule"].upper()
    if rrule:
        try:  # the rule is republished in our .ics: it must be one calendars can expand
            rrulestr(rrule, dtstart=first_start)
        except (ValueError, TypeError) as exc:
            raise FeedInvalid(_("Event %(id)s: the repeat rule of its series is not valid.")
                              % {"id": data["id"][:80]}) from exc
    elif not series.get("rdates"):
        raise FeedInvalid(_("Event %(id)s: its series has neither a repeat rule nor dates.")
                          % {"id": data["id"][:80]})
    return SeriesMaster(
        uid=clean_line(series["id"], 255), rrule=rrule, first_start=first_start,
        time_zone=zone.key, title=clean_line(data["title"], 255),
        sequence=series.get("sequence", 0),
        rdates=sorted({_datetime(v, zone).astimezone(dt.UTC) for v in series.get("rdates", [])}),
        exdates=sorted({_datetime(v, zone).astimezone(dt.UTC)
                        for v in series.get("exdates", [])}))


def _item(data: dict) -> ImportedItem:
    try:
        zone = zoneinfo.ZoneInfo(data["time_zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise FeedInvalid(_("Event %(id)s: unknown time zone %(tz)s.")
                          % {"id": data["id"][:80], "tz": data["time_zone"][:64]}) from exc
    starts_at, ends_at = _datetime(data["starts_at"], zone), _datetime(data["ends_at"], zone)
    if ends_at < starts_at or ends_at - starts_at > MAX_DURATION:
        raise FeedInvalid(_("Event %(id)s: the end is before the start or more than 14 days "
                            "after it.") % {"id": data["id"][:80]})
    registration = data["registration"]
    rewards = data.get("rewards") or {}
    origin = {key: value for key, value in data.items() if key not in MAPPED_KEYS}
    # "All day" is kept only for local midnights (anything else keeps its times), and only
    # when true, like the iCalendar reader.
    origin.pop("all_day", None)
    if data.get("all_day") is True and ends_at > starts_at and all(
            moment.time() == dt.time() for moment in (starts_at, ends_at)):
        origin["all_day"] = True
    series = data.get("series") or {}
    return ImportedItem(
        uid=clean_line(data["id"], 255),
        recurrence_id=clean_line(series.get("recurrence_id"), 40),
        sequence=data["sequence"],
        title=clean_line(data["title"], 255),
        starts_at=starts_at, ends_at=ends_at, time_zone=zone.key,
        url=data["url"],
        summary=clean_line(data["summary"], 300),
        description=clean_text(data["description"]),
        body=_body(data["body"]) if data.get("body") is not None else None,
        format=data["format"],
        language=data["language"],
        topics=[clean_line(topic, 100) for topic in data["topics"]][:50],
        status=data["status"],
        status_reason=clean_line(data["status_reason"], 300),
        room=clean_line(data["venue"]["room"], 120),
        address=clean_line(data["venue"]["address"], 255),
        online_url=data["online_url"] or "",
        capacity=data["capacity"],
        waitlist=data["waitlist"],
        price=data["price"]["amount"],
        registration_opens_at=_datetime(registration["opens_at"], zone),
        registration_closes_at=_datetime(registration["closes_at"], zone),
        guests_allowed=registration["guests_allowed"],
        cancellation_deadline_hours=data.get("cancellation_deadline_hours", 24),
        rewards={"host": rewards.get("host", 0), "speaker": rewards.get("speaker", 0),
                 "volunteer": rewards.get("volunteer", 0)},
        origin=origin,
        republished=data.get("origin") is not None,
        series=_series(data, series, zone) if series else None,
        original_start=_datetime(series.get("recurrence_id"), zone),
        occurrence_uid=clean_line(data["id"], 255),
    )


def read_json_page(data: bytes) -> tuple[list[ImportedItem], str | None]:
    """The items of one page of a JSON feed and the next page's URL. Raises FeedInvalid."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedInvalid(_("The feed is not valid JSON.")) from exc
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(document)"
        raise FeedInvalid(_("The feed does not follow the Espresso format at %(where)s: "
                            "%(error)s") % {"where": where[:120],
                                            "error": clean_line(error.message, 200)})
    items = [_item(item) for item in document["items"]]
    return items, document.get("next_url")


def json_masters(items: list[ImportedItem]) -> dict[str, SeriesMaster]:
    """The series masters the items of a whole feed describe, by UID. Raises FeedInvalid
    when two dates of one series describe it differently (nothing is imported then)."""
    masters: dict[str, SeriesMaster] = {}
    for item in items:
        if item.series is None:
            continue
        known = masters.setdefault(item.series.uid, item.series)
        if known.as_key() != item.series.as_key():
            raise FeedInvalid(_("The dates of the series %(uid)s describe it in different "
                                "ways.") % {"uid": item.series.uid[:80]})
    return masters


def looks_like_json(body: bytes, content_type: str) -> bool:
    """Whether a download is a JSON feed (by its type, else by its first character)."""
    if "json" in content_type:
        return True
    return body.lstrip()[:1] in (b"{", b"[")
