"""The open event format in JSON: the Espresso JSON feed and schema.org JSON-LD.

The feed is described by docs/format/event-feed.schema.json and docs/format/README.md.
Both builders are plain functions of loaded events (see `events.selectors`), so they
run no queries of their own beyond what the selectors prefetch.
"""

import datetime as dt
import json
from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone

from network.public_urls import page_public_url
from network.translations import pages_in_language

from . import extensions
from .body import event_body_blocks
from .calendar import event_body_text
from .models import EventPage, EventStatus
from .selectors import event_topic_names

FORMAT_VERSION = "espresso-events/1.0"
# Credits are not a national currency: ISO 4217 leaves XAA-XZZ free for user-assigned
# codes, so the feed and the JSON-LD price events in "XCR" (Espresso credit).
CREDIT_CURRENCY = "XCR"
FEED_PAGE_SIZE = 200

SCHEMA_STATUS = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
}


def _iso(value: dt.datetime | None, tz=None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value, tz or dt.UTC).isoformat()


def _decimal(value) -> float | None:
    return None if value is None else float(value)


def attendance_mode(event: EventPage) -> str:
    """offline, or mixed when the event also has an online link."""
    return "mixed" if event.online_url else "offline"


#: What an imported event publishes as its origin said (EventPage has no column for it).
ORIGIN_KEYS = ("venue", "organizer", "seats_left", "created_at", "updated_at", "series",
               "language")


def series_feed_entry(event: EventPage) -> dict | None:
    """`series` of a feed item: the occurrence's series (its published UID and the master's
    rule, first start, RDATEs, EXDATEs, SEQUENCE) and original start, else None."""
    if not event.series_id:
        return None
    series = event.series
    tz = event.tz
    return {"id": series.published_uid, "rrule": series.rrule,
            "recurrence_id": _iso(event.recurrence_id, tz),
            "starts_at": _iso(series.first_starts_at, tz),
            "rdates": [_iso(dt.datetime.fromisoformat(value), tz)
                       for value in series.rdates or []],
            "exdates": [_iso(dt.datetime.fromisoformat(value), tz)
                        for value in series.exdates or []],
            "sequence": series.sequence, "cancelled": series.cancelled}


def origin_feed_entry(event: EventPage) -> dict | None:
    """`origin` of a feed item: where an imported event comes from, else None."""
    if not event.origin:
        return None
    return {"url": event.origin.get("url") or None,
            "feed_url": event.origin.get("feed_url") or None,
            "name": event.origin.get("name") or ""}


def event_to_feed_item(event: EventPage, *, request: HttpRequest | None = None,
                       texts: EventPage | None = None) -> dict:
    """One event in the Espresso JSON feed format (see docs/format/README.md). An imported
    event publishes its venue, organizer, seats and dates as its origin gave them.
    `texts`: the page of `event` (the original) in the reader's language (its translation,
    `events_texts_in_language`): its title, summary, description, body and address are
    shown; every fact (UID, times, seats, SEQUENCE) stays the original's."""
    item = _event_feed_item(event, request)
    if texts is not None and texts.pk != event.pk:
        item.update({"url": page_public_url(texts, request), "title": texts.title,
                     "summary": texts.summary, "description": event_body_text(texts),
                     "body": event_body_blocks(texts)})
    if event.origin:
        data = event.origin.get("data") or {}
        item.update({key: data[key] for key in ORIGIN_KEYS if key in data})
        item["id"] = event.published_uid
        if event.series_id:  # imported as a series: the series as kept here
            item["series"] = series_feed_entry(event)
    return item


def _event_feed_item(event: EventPage, request: HttpRequest | None) -> dict:
    tz = event.tz
    space = event.space if event.space_id else None
    url = page_public_url(event, request)
    return {
        "id": event.ical_uid,
        "url": url,
        "title": event.title,
        "summary": event.summary,
        "description": event_body_text(event),
        "format": event.format,
        "language": event.language,
        "topics": event_topic_names(event),
        "status": event.status,
        "status_reason": event.status_reason,
        "starts_at": _iso(event.starts_at, tz),
        "ends_at": _iso(event.ends_at, tz),
        "all_day": event.all_day,
        "time_zone": event.time_zone_name,
        "attendance_mode": attendance_mode(event),
        "online_url": event.online_url or None,
        "venue": {
            "name": space.title if space else "",
            "room": event.room,
            "address": event.venue_address,
            "city": space.city if space else "",
            "region": space.region if space else "",
            "country": space.country if space else "",
            "latitude": _decimal(space.latitude) if space else None,
            "longitude": _decimal(space.longitude) if space else None,
        },
        "organizer": {
            "name": space.title if space else "",
            "url": (page_public_url(space, request) or None) if space else None,
            "email": (space.email or None) if space else None,
        },
        "capacity": event.capacity,
        "seats_left": event.seats_left,
        "waitlist": event.waitlist_enabled,
        "price": {"amount": event.price_credits, "currency": CREDIT_CURRENCY},
        "registration": {
            "opens_at": _iso(event.registration_opens_at, tz),
            "closes_at": _iso(event.effective_registration_closes_at, tz),
            "guests_allowed": event.guests_allowed,
        },
        "sequence": event.sequence,
        "created_at": _iso(event.first_published_at),
        "updated_at": _iso(event.last_published_at or event.first_published_at),
        "body": event_body_blocks(event),
        "cancellation_deadline_hours": event.cancellation_deadline_hours,
        "rewards": {"host": event.reward_host, "speaker": event.reward_speaker,
                    "volunteer": event.reward_volunteer},
        "series": series_feed_entry(event),
        "origin": origin_feed_entry(event),
    }


def events_texts_in_language(events: list[EventPage], language: str | None = None,
                             request: HttpRequest | None = None) -> list[EventPage]:
    """For each of `events` (originals), the page whose texts a reader of `language`
    (default: the active one) sees: its live translation in that language, else itself.
    One query (network.translations.pages_in_language)."""
    return pages_in_language(events, language, request) if events else []


def events_to_json_feed(events: Iterable[EventPage], *, title: str, feed_url: str,
                        home_page_url: str = "", next_url: str | None = None,
                        request: HttpRequest | None = None,
                        language: str | None = None) -> dict:
    """The whole feed document: metadata plus one item per event (with the keys that
    higher-floor apps add through events.extensions, e.g. the programme's `sessions`), each
    with its texts in `language` (default: the active one) when it has that translation."""
    events = list(events)
    texts = events_texts_in_language(events, language, request)
    items = [event_to_feed_item(event, request=request, texts=shown)
             for event, shown in zip(events, texts, strict=True)]
    extensions.feed_items_extend(events, items)
    return {
        "version": FORMAT_VERSION,
        "title": title,
        "home_page_url": home_page_url or None,
        "feed_url": feed_url,
        "next_url": next_url,
        "items": items,
    }


def event_to_jsonld(event: EventPage, *, request: HttpRequest | None = None) -> dict:
    """schema.org Event for the event page (Google's Event rich result shape)."""
    tz = event.tz
    space = event.space if event.space_id else None
    url = page_public_url(event, request)
    place: dict = {"@type": "Place", "name": ", ".join(p for p in (
        event.room, space.title if space else "") if p) or event.venue_address}
    address = {"@type": "PostalAddress"}
    if event.address_override:
        address["streetAddress"] = event.address_override
    elif space is not None:
        address.update({k: v for k, v in (
            ("streetAddress", space.address), ("addressLocality", space.city),
            ("addressRegion", space.region), ("addressCountry", space.country)) if v})
    place["address"] = address
    if space is not None and space.latitude is not None and space.longitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": float(space.latitude),
                        "longitude": float(space.longitude)}
    location: dict | list = place
    if event.online_url:
        location = [place, {"@type": "VirtualLocation", "url": event.online_url}]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url + "#event" if url else event.ical_uid,
        "identifier": event.ical_uid,
        "name": event.title,
        "description": event.summary or event_body_text(event)[:500],
        "url": url,
        # An all-day event has dates only (schema.org Date): its first and last day.
        "startDate": event.first_day.isoformat() if event.all_day else _iso(event.starts_at, tz),
        "endDate": event.last_day.isoformat() if event.all_day else _iso(event.ends_at, tz),
        "eventStatus": SCHEMA_STATUS.get(event.status, SCHEMA_STATUS[EventStatus.SCHEDULED]),
        "eventAttendanceMode": ("https://schema.org/MixedEventAttendanceMode" if event.online_url
                                else "https://schema.org/OfflineEventAttendanceMode"),
        "location": location,
        "inLanguage": event.language,
        "keywords": ", ".join(event_topic_names(event)),
        "isAccessibleForFree": event.is_free,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": event.price_credits,
            "priceCurrency": CREDIT_CURRENCY,
            "availability": ("https://schema.org/SoldOut" if event.seats_left == 0
                             else "https://schema.org/InStock"),
            "validFrom": _iso(event.effective_registration_opens_at, tz),
        },
    }
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
        data["remainingAttendeeCapacity"] = event.seats_left
    if space is not None:
        organizer = {"@type": "Organization", "name": space.title,
                     "url": page_public_url(space, request) or None}
        if space.email:
            organizer["email"] = space.email
        data["organizer"] = organizer
    if event.origin:
        _jsonld_origin(data, event)
    return data


def _jsonld_origin(data: dict, event: EventPage) -> None:
    """An imported event's place and organiser are its origin's, and its page is there."""
    origin_data = event.origin.get("data") or {}
    venue, organizer = origin_data.get("venue") or {}, origin_data.get("organizer") or {}
    place: dict = {"@type": "Place", "name": ", ".join(
        part for part in (venue.get("room"), venue.get("name")) if part) or event.venue_address,
        "address": {"@type": "PostalAddress", "streetAddress": event.venue_address}}
    if venue.get("latitude") is not None and venue.get("longitude") is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": venue["latitude"],
                        "longitude": venue["longitude"]}
    data["location"] = ([place, {"@type": "VirtualLocation", "url": event.online_url}]
                        if event.online_url else place)
    data["organizer"] = {"@type": "Organization", "name": organizer.get("name") or "",
                         "url": organizer.get("url")}
    if organizer.get("email"):
        data["organizer"]["email"] = organizer["email"]
    data["identifier"] = event.published_uid
    if event.origin.get("url"):
        data["sameAs"] = event.origin["url"]
        data["offers"]["url"] = event.origin["url"]


_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def jsonld_script_content(data: dict) -> str:
    """JSON safe to place inside <script type="application/ld+json"> (no </script> breakout)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
