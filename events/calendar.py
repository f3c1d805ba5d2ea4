"""iCalendar (RFC 5545 + RFC 7986) for events, built with icalendar 7.

`event_to_ical(event)` gives a one-event file (METHOD:PUBLISH, e.g. for e-mails);
`events_to_ical(events, name)` gives a subscribable feed. Both are plain functions
of already-loaded events: pass querysets from `events.selectors` (they join the
space and prefetch topics), so building a feed costs no further queries.

Identity (invariant 7): UID is the stored `event.ical_uid`, SEQUENCE the stored
`event.sequence`; cancelled events stay in feeds with STATUS:CANCELLED.
"""

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from html import unescape

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import normalize_newlines
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vGeo, vRecur, vText
from icalendar.timezone import is_utc

from network.public_urls import page_public_url

from . import extensions
from .all_day import all_day_master, all_day_occurrence
from .models import EventPage, EventStatus, RegistrationState
from .selectors import event_topic_names
from .vtimezone import coverage_first_year, vtimezone_ical

PRODID = "-//Espresso//Espresso events//EN"
REFRESH = dt.timedelta(hours=1)
# Bump when the VEVENT layout changes, so cached VEVENTs of the old layout are not reused.
CACHE_REVISION = 4  # 4: all-day imports as DATE values (events.all_day)
VEVENT_CACHE_SECONDS = 7 * 24 * 3600
VEVENT_BUCKET = 100

ICAL_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.POSTPONED: "TENTATIVE",
}


def single_line(text: str) -> str:
    """Names used as parameters or one-line values: line breaks and controls become spaces."""
    if not text.isprintable():  # the whole string checked at once: most names are printable
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def _text(text: str) -> str:
    """A TEXT value kept as written (line breaks included; icalendar escapes them), minus
    the control characters RFC 5545 forbids."""
    text = normalize_newlines(text or "")
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def _plain(text: str) -> str:
    """Plain text with \\n line ends, no control characters other than the newline."""
    text = normalize_newlines(text or "")
    if not text.replace("\n", "").isprintable():
        text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    return text.strip()


def event_body_text(event: EventPage) -> str:
    """The body stream as plain text, read from the raw JSON (no block rendering, no queries)."""
    lines: list[str] = []
    for block in event.body.raw_data:
        kind, value = block.get("type"), block.get("value") or {}
        if kind == "text" and isinstance(value, str):
            html = value.replace("</p>", "</p>\n").replace("<br/>", "\n").replace("<br>", "\n")
            lines.append(strip_tags(html).strip())
        elif kind == "agenda" and isinstance(value, dict):
            if value.get("heading"):
                lines.append(value["heading"])
            for item in value.get("items") or []:
                item = item.get("value", item) if isinstance(item, dict) else {}
                time = (item.get("time") or "")[:5]
                line = f"{time} {item.get('title') or ''}".strip()
                if item.get("description"):
                    line += f" — {item['description']}"
                lines.append(line)
        elif kind == "speaker" and isinstance(value, dict):
            role = f" ({value['role']})" if value.get("role") else ""
            lines.append(f"{_('Speaker')}: {value.get('name', '')}{role}")
    return _plain(unescape("\n".join(line for line in lines if line)))


def event_description_text(event: EventPage, url: str = "") -> str:
    """DESCRIPTION: status and reason first, then summary, body, online link and price."""
    parts: list[str] = []
    if event.status != EventStatus.SCHEDULED:
        reason = f": {event.status_reason}" if event.status_reason else ""
        parts.append(f"{event.get_status_display().upper()}{reason}")
    if event.summary:
        parts.append(event.summary)
    body = event_body_text(event)
    if body:
        parts.append(body)
    if event.online_url:
        parts.append(f"{_('Online')}: {event.online_url}")
    if event.price_credits:
        parts.append(_("Price: %(n)s credits") % {"n": event.price_credits})
    if url:
        parts.append(url)
    return _plain("\n\n".join(parts))


def _event_dates(event: EventPage) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """CREATED, LAST-MODIFIED and DTSTAMP, deterministic (taken from the page's history)."""
    modified = (event.last_published_at or event.latest_revision_created_at
                or event.first_published_at or event.starts_at)
    created = event.first_published_at or modified
    created = min(created, modified)
    return created, modified, modified


def event_public_url(event: EventPage, request: HttpRequest | None = None) -> str:
    """The event page's address on the public site (settings.SITE_URL), "" if unroutable."""
    return page_public_url(event, request)


def event_vevent(event: EventPage, *, url: str = "", stamp: dt.datetime | None = None,
                 registration_state: str | None = None, in_series: bool = False) -> Event:
    """One VEVENT with every property of the Espresso format. `in_series`: an occurrence of a
    series is written as the series' UID with its RECURRENCE-ID (next to the series' master
    VEVENT, see `series_master_vevent`); otherwise it stands alone with its own UID."""
    created, modified, default_stamp = _event_dates(event)
    status = ICAL_STATUS.get(event.status, "CONFIRMED")
    description = event_description_text(event, url)
    if registration_state == RegistrationState.WAITLISTED:
        status = "TENTATIVE" if status == "CONFIRMED" else status
        description = _plain(_("You are on the waiting list.") + "\n\n" + description)
    categories = [str(event.get_format_display()), *event_topic_names(event)]
    tz = event.tz
    vevent = Event.new(
        uid=event.published_uid,
        stamp=stamp or default_stamp,
        created=created,
        last_modified=modified,
        sequence=event.sequence,
        summary=_text(event.title),
        description=description or None,
        start=timezone.localtime(event.starts_at, tz),
        end=timezone.localtime(event.ends_at, tz),
        location=single_line(event.location_text) or None,
        url=url or None,
        status=status,
        categories=[single_line(c) for c in categories if c],
    )
    if in_series and event.series_id:
        vevent["uid"] = event.series.published_uid
        vevent.add("recurrence-id", timezone.localtime(event.recurrence_id, tz))
    space = event.space if event.space_id else None
    if event.origin:
        _add_origin_place(vevent, event.origin.get("data") or {})
        # Marks an import, so a site subscribed to this feed does not import it again.
        vevent.add("x-espresso-origin", event.origin.get("url") or event.origin.get("feed_url"))
    elif space is not None:
        if space.latitude is not None and space.longitude is not None:
            vevent.add("geo", vGeo((float(space.latitude), float(space.longitude))))
        address = f"mailto:{space.email}" if space.email else page_public_url(space)
        if address:
            organizer = vCalAddress(address)
            organizer.params["CN"] = vText(single_line(space.title))
            vevent.add("organizer", organizer)
    if event.online_url:
        # RFC 7986 CONFERENCE: the video link of a hybrid event.
        vevent.add("conference", event.online_url,
                   parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    vevent.add("transp", "TRANSPARENT" if event.is_cancelled else "OPAQUE")
    return all_day_occurrence(vevent, event)  # DATE values for an imported all-day event


def _add_origin_place(vevent: Event, data: dict) -> None:
    """GEO and ORGANIZER of an imported event: its origin's, never the importing space's."""
    venue, organizer = data.get("venue") or {}, data.get("organizer") or {}
    if venue.get("latitude") is not None and venue.get("longitude") is not None:
        vevent.add("geo", vGeo((float(venue["latitude"]), float(venue["longitude"]))))
    address = (f"mailto:{organizer['email']}" if organizer.get("email")
               else organizer.get("url") or "")
    if address:
        contact = vCalAddress(address)
        if organizer.get("name"):
            contact.params["CN"] = vText(single_line(organizer["name"]))
        vevent.add("organizer", contact)


def series_master_vevent(template: EventPage, url: str = "") -> Event:
    """The master VEVENT of `template`'s series: the series' published UID (an imported
    series keeps its origin's), first start, SEQUENCE, RRULE, RDATEs and EXDATEs as stored,
    with the template occurrence's text. Every occurrence in a feed follows as an override
    (same UID, its RECURRENCE-ID), so a cancelled or moved one stays so; an imported series
    gone upstream is STATUS:CANCELLED as a whole."""
    series = template.series
    tz = template.tz
    vevent = event_vevent(template, url=url)
    for name in ("uid", "dtstart", "dtend", "sequence", "status", "transp"):
        del vevent[name]
    start = timezone.localtime(series.first_starts_at, tz)
    vevent.add("uid", series.published_uid)
    vevent.add("sequence", series.sequence)
    vevent.add("dtstart", start)
    vevent.add("dtend", start + (template.ends_at - template.starts_at))
    vevent.add("status", "CANCELLED" if series.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if series.cancelled else "OPAQUE")
    if series.rrule:
        vevent.add("rrule", vRecur.from_ical(series.rrule))
    for added in series.rdates or []:
        vevent.add("rdate", timezone.localtime(dt.datetime.fromisoformat(added), tz))
    for excluded in series.exdates or []:
        vevent.add("exdate", timezone.localtime(dt.datetime.fromisoformat(excluded), tz))
    return all_day_master(vevent, template)


def _is_override(event: EventPage) -> bool:
    """A date an imported series' origin changed on its own (moved, renamed, cancelled)."""
    return bool((event.origin or {}).get("override"))


def _stable_uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"espresso-calendar:{name}"))


def _calendar(name: str, *, description: str = "", url: str = "", method: str | None = None,
              time_zone: str | None = None) -> Calendar:
    """The VCALENDAR's own properties. NAME, X-WR-CALNAME, DESCRIPTION and X-WR-CALDESC are
    TEXT, escaped as such (icalendar 7 writes NAME and the X-WR ones as unknown values, so
    "Desks, a studio" would be read back as "Desks"). X-WR-TIMEZONE only when given."""
    name = single_line(name) or "Espresso"
    description = _plain(description)
    calendar = Calendar.new(prodid=PRODID, uid=_stable_uid(url or name), method=method,
                            url=url or None)
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("description", vText(description))
        calendar.add("x-wr-caldesc", vText(description))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    if time_zone:
        calendar.add("x-wr-timezone", time_zone)
    return calendar


def calendar_time_zone(events: list[EventPage]) -> str | None:
    """The zone a calendar of `events` is "in": the one zone they all share, else none."""
    zones = {event.time_zone_name for event in events}
    return zones.pop() if len(zones) == 1 else None


def _timezones_ical(events: list[EventPage]) -> list[bytes]:
    """One VTIMEZONE per zone the events use (none for UTC, written as ...Z). Each is the
    zone's one stable definition (events.vtimezone), from 1970 or, for a zone with an older
    event, from that event's year in its own local time."""
    starts: dict[str, list[dt.datetime]] = {}
    for event in events:
        tz = event.tz
        if not is_utc(tz):
            starts.setdefault(event.time_zone_name, []).append(
                timezone.localtime(event.starts_at, tz))
    return [vtimezone_ical(key, coverage_first_year(local_starts))
            for key, local_starts in sorted(starts.items())]


_END = b"END:VCALENDAR\r\n"


def _assemble(calendar: Calendar, events: list[EventPage], vevents: list[bytes]) -> bytes:
    return b"".join([calendar.to_ical().removesuffix(_END), *_timezones_ical(events),
                     *vevents, _END])


def _vevent_cache_key(event: EventPage, url: str, state: str | None, in_series: bool) -> str:
    """A key derived from every value the VEVENT is made of, so a cached VEVENT can never be
    stale: any change to the event, its topics, its space, the URL or the language gives a
    new key (old entries simply expire)."""
    space = event.space if event.space_id else None
    parts = (
        CACHE_REVISION, get_language(), settings.SITE_URL, url, state, in_series, event.pk,
        event.ical_uid, event.sequence,
        event.title, event.summary, json.dumps(event.body.raw_data, sort_keys=True, default=str),
        event.starts_at, event.ends_at, event.time_zone_name, event.room,
        event.address_override, event.online_url, event.format, event.language, event.status,
        event.status_reason, event.price_credits, event.first_published_at,
        json.dumps(event.origin, sort_keys=True, default=str), event.recurrence_id,
        (event.series.uid, event.series.published_uid, event.series.rrule)
        if event.series_id else None,
        event.last_published_at, event.latest_revision_created_at,
        tuple(event_topic_names(event)),
        (space.pk, space.title, space.slug, space.url_path, space.address, space.city,
         space.region, space.country, space.latitude, space.longitude, space.email)
        if space else None,
    )
    return "espresso:vevent:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _vevents_cached(keyed: list[tuple[EventPage, str, str | None]],
                    in_series: bool = False) -> list[bytes]:
    """VEVENT bytes for each (event, url, state), reusing cached ones.

    Cached VEVENTs live in buckets of `VEVENT_BUCKET` consecutive event ids (one cache entry
    each, a {content key: bytes} dict), so a 5,000-event feed needs ~50 cache entries: it
    fits a small local-memory cache and stays well under memcached's item size.
    """
    keys = [_vevent_cache_key(event, url, state, in_series) for event, url, state in keyed]
    bucket_keys = sorted({f"espresso:vevents:{event.pk // VEVENT_BUCKET}"
                          for event, _url, _state in keyed})
    stored = cache.get_many(bucket_keys)
    fresh: dict[str, dict[str, bytes]] = {}
    chunks: list[bytes] = []
    for (event, url, state), key in zip(keyed, keys, strict=True):
        bucket_key = f"espresso:vevents:{event.pk // VEVENT_BUCKET}"
        chunk = stored.get(bucket_key, {}).get(key)
        if chunk is None:
            chunk = event_vevent(event, url=url, registration_state=state,
                                 in_series=in_series).to_ical()
        fresh.setdefault(bucket_key, {})[key] = chunk
        chunks.append(chunk)
    changed = {}
    for bucket_key, entries in fresh.items():
        old = stored.get(bucket_key, {})
        if entries.keys() <= old.keys():
            continue
        merged = {**old, **entries}
        # Other feeds (languages, hosts, personal states) share buckets; keep them unless
        # the bucket grows far beyond what this feed uses.
        changed[bucket_key] = merged if len(merged) <= 4 * len(entries) + 50 else entries
    if changed:
        cache.set_many(changed, VEVENT_CACHE_SECONDS)
    return chunks


def events_to_ical(events: Iterable[EventPage], name: str, *, request: HttpRequest | None = None,
                   description: str = "", url: str = "", time_zone: str | None = None,
                   registration_states: Mapping[int, str] | None = None) -> bytes:
    """A subscribable calendar of `events` (VTIMEZONEs, X-WR-CALNAME, REFRESH-INTERVAL).

    `time_zone` is the X-WR-TIMEZONE (a space's zone for its feed); without it, the zone all
    the events share, if they share one. `registration_states` ({event id: state}) marks
    waitlisted events in a personal feed.
    Each VEVENT's bytes are cached under a key made of everything it contains (icalendar
    needs a few milliseconds per event; a 5,000-event feed would otherwise take seconds
    after every single change).
    """
    events = list(events)
    calendar = _calendar(name, description=description, url=url,
                         time_zone=time_zone or calendar_time_zone(events))
    states = registration_states or {}
    keyed = [(event, event_public_url(event, request), states.get(event.pk))
             for event in events]
    # A public feed writes a series as RRULE + overrides; a personal feed (only the
    # occurrences the member registered for) writes each occurrence on its own.
    in_series = registration_states is None
    templates: dict[int, tuple[EventPage, str]] = {}
    if in_series:
        # The master's text is its first date's, preferring one its origin did not change.
        for event, url, _state in keyed:
            if event.series_id:
                current = templates.get(event.series_id)
                if current is None or (_is_override(current[0]) and not _is_override(event)):
                    templates[event.series_id] = (event, url)
    masters = [series_master_vevent(event, url).to_ical() for event, url in templates.values()]
    return _assemble(calendar, events, [*masters, *_vevents_cached(keyed, in_series)])


def event_to_ical(event: EventPage, *, request: HttpRequest | None = None,
                  ticket_url: str = "") -> bytes:
    """One event as a METHOD:PUBLISH calendar (a download, or an e-mail attachment; a
    registration's e-mail passes `ticket_url`, added to the DESCRIPTION)."""
    calendar = _calendar(event.title, method="PUBLISH", time_zone=event.time_zone_name)
    url = event_public_url(event, request)
    vevent = event_vevent(event, url=url, stamp=timezone.now())
    if ticket_url:
        description = str(vevent.get("description") or "")
        label = _("Your ticket (QR code for the door)")
        vevent["description"] = vText(_plain(f"{description}\n\n{label}: {ticket_url}"))
    # Components of higher-floor apps (the programme's sessions), through events.extensions.
    return _assemble(calendar, [event], [vevent.to_ical(),
                                         *extensions.event_ical_components(event, url)])
