"""Syncing a calendar subscription: the one code path of the periodic task and of
`manage.py events_import`.

Guarantees of `subscription_sync()`:
- the feed is downloaded safely (events.federation.fetch) and read completely BEFORE anything
  is written; then every change is written in ONE transaction, so a bad feed changes nothing
  but the subscription's error message, and a crash half-way leaves the previous state;
- events are upserted by (UID, RECURRENCE-ID); an update with a lower SEQUENCE than the one
  stored is ignored (an older copy never overwrites a newer one); an unchanged event is not
  written at all (a re-import changes nothing);
- an event cancelled upstream is cancelled here; an event that disappears from the feed is
  cancelled here (never deleted), and comes back if it reappears;
- an event that the publishing site imported itself (JSON `origin`, iCalendar
  X-ESPRESSO-ORIGIN) is skipped: subscribe to its origin instead (no loops between sites
  subscribed to each other);
- the EventPage gets a UID of its own (`ical_uid`, unique here); the feeds publish the
  origin's UID for it (`EventPage.origin["uid"]`), so the event keeps one identity;
- imported events are EventPages under the subscribing space with `origin` set: listed and
  published like the others, registration happens on the origin site;
- a recurring event keeps its master (events.federation.series_sync): its dates are tied to
  an EventSeries holding the upstream UID, RRULE, RDATE, EXDATE and SEQUENCE, so our feeds
  republish it as one series; a feed with series is expanded again at least once a day
  (EXPANSION_INTERVAL) even when it has not changed, so a rule without an end keeps getting
  its dates inside the import window.

A refusal (ImportRefused) is stored on the subscription (`last_error`) and returned in the
report; it is never raised to the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
import zoneinfo
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from events.models import EventPage, EventSeries, EventStatus
from network.models import SpacePage

from .exceptions import FeedInvalid, ImportRefused
from .fetch import FetchResult, fetch, url_check
from .ical_reader import read_ical_feed
from .items import EXPANSION_INTERVAL, MAX_ITEMS, ImportedItem, SeriesMaster, clean_line
from .json_reader import json_masters, looks_like_json, read_json_page
from .models import CalendarSubscription, ImportedEvent
from .series_sync import series_apply, series_expansion_due

logger = logging.getLogger(__name__)

MAX_PAGES = 50
GONE_REASON = gettext_noop("Removed from the calendar it was imported from.")


@dataclass
class SyncReport:
    """What one sync did (also stored as `CalendarSubscription.last_report`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    cancelled_gone: int = 0
    series_created: int = 0
    series_updated: int = 0
    series_cancelled: int = 0
    skipped: list[str] = field(default_factory=list)
    not_modified: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def as_dict(self) -> dict:
        return {**asdict(self), "skipped": self.skipped[:20]}


def subscription_get_or_create(space: SpacePage, url: str, *, name: str = "",
                               active: bool = True, user=None) -> CalendarSubscription:
    """The space's subscription to `url` (created if new). Raises UnsafeAddress for a URL
    that is not http(s) (the address itself is checked again at every download)."""
    url_check(url)
    subscription, _created = CalendarSubscription.objects.get_or_create(
        space=space, url=url,
        defaults={"name": clean_line(name, 120), "active": active, "created_by": user})
    return subscription


# --- Reading ---------------------------------------------------------------------------

@dataclass
class _Download:
    items: list[ImportedItem]
    first: FetchResult
    content_hash: str
    #: The recurring masters of the feed, by UID.
    series: dict[str, SeriesMaster] = field(default_factory=dict)


def _download(subscription: CalendarSubscription, now: dt.datetime,
              conditional: bool = True) -> _Download | None:
    """Every item of the subscription's feed (all pages), or None when not modified
    (asked only when `conditional`)."""
    first = fetch(subscription.url, etag=subscription.etag if conditional else "",
                  last_modified=subscription.last_modified if conditional else "")
    if first.not_modified:
        return None
    digest = hashlib.sha256(first.body)
    space_tz = zoneinfo.ZoneInfo(subscription.space.time_zone or "UTC")
    if not looks_like_json(first.body, first.content_type):
        items, series = read_ical_feed(first.body, default_tz=space_tz, now=now)
        return _Download(items, first, digest.hexdigest(), series)
    items, next_url = read_json_page(first.body)
    seen_pages = {first.url}
    while next_url:
        if len(seen_pages) >= MAX_PAGES or next_url in seen_pages:
            raise FeedInvalid(_("The feed has more than %(n)s pages, or its pages loop.")
                              % {"n": MAX_PAGES})
        seen_pages.add(next_url)
        page = fetch(next_url)
        digest.update(page.body)
        more, next_url = read_json_page(page.body)
        items.extend(more)
        if len(items) > MAX_ITEMS:
            raise FeedInvalid(_("The calendar has more than %(n)s events.") % {"n": MAX_ITEMS})
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise FeedInvalid(_("The feed lists the same event twice."))
    return _Download(items, first, digest.hexdigest(), json_masters(items))


# --- Writing ---------------------------------------------------------------------------

def _local_uid(subscription: CalendarSubscription, item: ImportedItem) -> str:
    """The `ical_uid` of the EventPage: stable for (subscription, UID, RECURRENCE-ID)."""
    key = f"{subscription.pk}\n{item.uid}\n{item.recurrence_id}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:40]}@import.espresso"


def _paragraphs_html(text: str) -> str:
    return "".join(f"<p>{escape(part).replace(chr(10), '<br/>')}</p>"
                   for part in text.split("\n\n") if part.strip())


def _stream_body(item: ImportedItem) -> list[dict]:
    """The EventPage body (StreamField raw data) of an item: the feed's blocks when it has
    them (images stay links in `origin`), else its description as paragraphs."""
    if item.body is None:
        html = _paragraphs_html(item.description)
        return [{"type": "text", "value": html, "id": str(uuid.uuid4())}] if html else []
    blocks: list[dict] = []
    for block in item.body:
        kind = block["type"]
        if kind == "text":
            value: object = block["html"]
        elif kind == "agenda":
            value = {"heading": block["heading"], "items": [
                {"type": "item", "id": str(uuid.uuid4()),
                 "value": {"time": entry["time"], "title": entry["title"],
                           "description": entry["description"]}}
                for entry in block["items"]]}
        elif kind == "speaker":
            value = {"name": block["name"], "role": block["role"], "bio": block["bio"],
                     "photo": None, "link": block["link"] or ""}
        else:
            continue
        blocks.append({"type": kind, "value": value, "id": str(uuid.uuid4())})
    return blocks


def _item_hash(item: ImportedItem, subscription: CalendarSubscription) -> str:
    data = item.hash_data()
    data["_subscription"] = [subscription.url, subscription.label]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _event_values(item: ImportedItem, subscription: CalendarSubscription,
                  series: EventSeries | None = None) -> dict:
    """The EventPage columns for an item (a date of `series` when given)."""
    status = item.status if item.status in EventStatus.values else EventStatus.SCHEDULED
    language = item.language
    if language not in dict(settings.LANGUAGES):
        # Not a language of this site: the column takes the site's, the feeds publish the
        # origin's (EventPage.origin["data"]["language"]).
        language = settings.LANGUAGE_CODE.split("-")[0]
        if item.language:
            item.origin["language"] = item.language
    return {
        "title": item.title,
        "summary": item.summary,
        "body": _stream_body(item),
        "format": item.format,
        "language": language,
        "status": status,
        "status_reason": item.status_reason or (
            "" if status == EventStatus.SCHEDULED else _("Cancelled by the organiser.")),
        "starts_at": item.starts_at.astimezone(dt.UTC),
        "ends_at": item.ends_at.astimezone(dt.UTC),
        "time_zone": item.time_zone,
        "room": item.room,
        "address_override": item.address,
        "online_url": item.online_url,
        "capacity": item.capacity,
        "waitlist_enabled": item.waitlist,
        "price_credits": item.price,
        "registration_opens_at": item.registration_opens_at,
        "registration_closes_at": item.registration_closes_at,
        "guests_allowed": item.guests_allowed,
        "cancellation_deadline_hours": item.cancellation_deadline_hours,
        "reward_host": item.rewards["host"],  # ImportedItem always has the three
        "reward_speaker": item.rewards["speaker"],
        "reward_volunteer": item.rewards["volunteer"],
        "origin": {"url": item.url, "feed_url": subscription.url, "name": subscription.label,
                   "uid": item.uid, "recurrence_id": item.recurrence_id,
                   "published_uid": item.published_uid, "override": item.override,
                   "data": item.origin},
        "series": series,
        "recurrence_id": item.original_start if series is not None else None,
    }


def _slug(space: SpacePage, title: str, uid: str) -> str:
    base = slugify(title)[:60] or "event"
    suffix = hashlib.sha256(uid.encode()).hexdigest()[:8]
    return f"{base}-{suffix}"


def _create(subscription: CalendarSubscription, item: ImportedItem, values: dict,
            content_hash: str, now: dt.datetime) -> None:
    space = subscription.space
    local_uid = _local_uid(subscription, item)
    event = EventPage(slug=_slug(space, item.title, f"{item.uid}\n{item.recurrence_id}"),
                      ical_uid=local_uid, live=True, first_published_at=now,
                      last_published_at=now, **values)
    space.add_child(instance=event)
    if item.topics:
        event.topics.set(item.topics)
        event.save()
    EventPage.objects.filter(pk=event.pk).update(sequence=item.sequence)
    ImportedEvent.objects.create(subscription=subscription, event=event, uid=item.uid,
                                 recurrence_id=item.recurrence_id, sequence=item.sequence,
                                 content_hash=content_hash, last_seen_at=now)


def _update(link: ImportedEvent, item: ImportedItem, values: dict, content_hash: str,
            now: dt.datetime) -> None:
    event = link.event
    for name, value in values.items():
        setattr(event, name, value)
    event.last_published_at = now
    event.topics.set(item.topics)
    event.save()
    # The origin's SEQUENCE, except after we cancelled it as gone or when the origin's went
    # down (a date of a series turned from the master's into its own): ours never goes down.
    sequence = (max(item.sequence, event.sequence + 1)
                if link.gone or item.sequence < event.sequence else item.sequence)
    EventPage.objects.filter(pk=event.pk).update(sequence=sequence)
    link.sequence, link.content_hash, link.gone, link.last_seen_at = (
        item.sequence, content_hash, False, now)
    link.save(update_fields=["sequence", "content_hash", "gone", "last_seen_at"])


def _cancel_gone(link: ImportedEvent, now: dt.datetime) -> None:
    event = link.event
    if event.status != EventStatus.CANCELLED:
        event.status = EventStatus.CANCELLED
        event.status_reason = _(GONE_REASON)
        event.last_published_at = now
        event.save(update_fields=["status", "status_reason", "last_published_at"])
        EventPage.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
    link.gone = True
    link.content_hash = ""
    link.save(update_fields=["gone", "content_hash"])


def _same_source(link: ImportedEvent, item: ImportedItem) -> bool:
    """Whether the stored copy of a date and the item come from the same kind of component
    (both the master's expansion, or both an override): only then do their SEQUENCEs
    compare (RFC 5545 numbers an override's SEQUENCE on its own)."""
    return bool((link.event.origin or {}).get("override")) == item.override


def _apply(subscription: CalendarSubscription, download: _Download,
           report: SyncReport, now: dt.datetime) -> None:
    items = download.items
    wanted = {item.series.uid for item in items
              if item.series is not None and not item.republished}
    series = series_apply(subscription, download.series, wanted, report, now)
    links = {(link.uid, link.recurrence_id): link for link in
             ImportedEvent.objects.filter(subscription=subscription).select_related("event")}
    for item in items:
        if item.republished:
            report.skipped.append(item.uid)
            continue
        link = links.pop(item.key, None)
        content_hash = _item_hash(item, subscription)
        values = _event_values(item, subscription,
                               series.get(item.series.uid) if item.series else None)
        if link is None:
            _create(subscription, item, values, content_hash, now)
            report.created += 1
        elif item.sequence < link.sequence and _same_source(link, item):
            report.stale += 1
        elif link.content_hash == content_hash and not link.gone:
            report.unchanged += 1
        else:
            _update(link, item, values, content_hash, now)
            report.updated += 1
    for link in links.values():
        # Gone from the feed: cancelled, unless it is simply over (feeds drop past events).
        if not link.gone and link.event.ends_at > now:
            _cancel_gone(link, now)
            report.cancelled_gone += 1


def _record(subscription: CalendarSubscription, report: SyncReport, now: dt.datetime,
            download: _Download | None = None) -> None:
    subscription.last_checked_at = now
    subscription.last_report = report.as_dict()
    fields = ["last_checked_at", "last_report", "last_error"]
    subscription.last_error = report.error
    if report.ok:
        subscription.last_success_at = now
        fields.append("last_success_at")
    if download is not None:
        subscription.etag = download.first.etag
        subscription.last_modified = download.first.last_modified
        subscription.content_hash = download.content_hash
        subscription.expanded_at = now
        fields += ["etag", "last_modified", "content_hash", "expanded_at"]
    subscription.save(update_fields=fields)


def subscription_sync(subscription: CalendarSubscription, *,
                      now: dt.datetime | None = None) -> SyncReport:
    """Download the subscription's feed and bring its events here (see the module's
    guarantees). Returns the report; a refusal is in `report.error`, never raised."""
    now = now or timezone.now()
    report = SyncReport()
    expand = series_expansion_due(subscription, now, EXPANSION_INTERVAL)
    try:
        download = _download(subscription, now, conditional=not expand)
    except ImportRefused as exc:
        report.error = str(exc.message)
        _record(subscription, report, now)
        logger.info("import of %s refused: %s", subscription.url, report.error)
        return report
    if download is None or (download.content_hash == subscription.content_hash
                            and not expand):
        report.not_modified = True
        _record(subscription, report, now)
        return report
    try:
        with transaction.atomic():
            locked = CalendarSubscription.objects.select_for_update().get(pk=subscription.pk)
            _apply(locked, download, report, now)
            _record(locked, report, now, download)
    except ValidationError as exc:  # an event this site cannot hold: nothing was written
        # `messages`: every field's messages in order (a full_clean's too), as text
        failed = SyncReport(error=_("An event of the feed was refused: %(reason)s")
                            % {"reason": clean_line(" ".join(exc.messages), 300)})
        _record(subscription, failed, now)
        return failed
    subscription.refresh_from_db()
    return report


def subscriptions_sync_all(now: dt.datetime | None = None) -> dict[int, SyncReport]:
    """Sync every active subscription, one transaction each (one bad feed stops no other)."""
    return {subscription.pk: subscription_sync(subscription, now=now)
            for subscription in CalendarSubscription.objects.filter(active=True)
            .select_related("space").order_by("pk")}
