"""The recurring events of a subscription: each upstream master kept as an EventSeries.

Part of the one transaction of `services.subscription_sync` (called by `_apply` before the
dates are written). Guarantees:
- a master (UID, RRULE, RDATE, EXDATE, DTSTART, zone, SEQUENCE) is kept as received in an
  EventSeries with `origin` (its published UID is the origin's), created when one of its
  dates is imported, updated when it changes; a master with a lower SEQUENCE than the one
  stored is ignored; an unchanged master is not written (a re-import changes nothing);
- the dates of the series are EventPages tied to it (`series`, `recurrence_id`), written by
  `services._apply` like any imported event, keyed by (UID, RECURRENCE-ID), so a date
  changed upstream changes only that date here;
- a series that disappears upstream while some of its dates here are still to come is
  cancelled as a whole (`EventSeries.cancelled`, SEQUENCE + 1; its dates are cancelled as
  gone by `_apply`), never deleted; it comes back if it reappears.
The series' SEQUENCE never goes down here (after a cancellation it continues from ours).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from events.models import EventPage, EventSeries

from .items import SeriesMaster
from .models import CalendarSubscription, ImportedEvent, ImportedSeries


def _local_series_uid(subscription: CalendarSubscription, uid: str) -> str:
    """The `EventSeries.uid` (unique here) of an imported series: stable per (subscription,
    UID); the feeds publish the origin's UID (`EventSeries.published_uid`)."""
    key = f"{subscription.pk}\nseries\n{uid}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:40]}@import.espresso"


def _iso_list(values: list[dt.datetime]) -> list[str]:
    return [value.astimezone(dt.UTC).isoformat() for value in values]


def _values(master: SeriesMaster, subscription: CalendarSubscription) -> dict:
    return {
        "title": master.title,
        "rrule": master.rrule,
        "first_starts_at": master.first_start.astimezone(dt.UTC),
        "time_zone": master.time_zone,
        "rdates": _iso_list(master.rdates),
        "exdates": _iso_list(master.exdates),
        "origin": {"uid": master.uid, "feed_url": subscription.url,
                   "name": subscription.label},
    }


def _hash(master: SeriesMaster, subscription: CalendarSubscription) -> str:
    data = [repr(master.as_key()), subscription.url, subscription.label]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def series_apply(subscription: CalendarSubscription, masters: dict[str, SeriesMaster],
                 wanted: set[str], report, now: dt.datetime) -> dict[str, EventSeries]:
    """Bring the feed's masters here (see the module's guarantees). `wanted`: the UIDs of
    the series whose dates the feed imports (a master without any is not created). Returns
    the EventSeries of every master kept, by UID. Counts go to `report` (a SyncReport)."""
    links = {link.uid: link for link in
             ImportedSeries.objects.filter(subscription=subscription).select_related("series")}
    kept: dict[str, EventSeries] = {}
    for uid, master in masters.items():
        link = links.pop(uid, None)
        content_hash = _hash(master, subscription)
        if link is None:
            if uid not in wanted:
                continue
            series = EventSeries.objects.create(
                uid=_local_series_uid(subscription, uid), space=subscription.space,
                sequence=master.sequence, created_at=now, **_values(master, subscription))
            ImportedSeries.objects.create(subscription=subscription, series=series, uid=uid,
                                          sequence=master.sequence, content_hash=content_hash)
            report.series_created += 1
        elif master.sequence < link.sequence:
            series = link.series
            report.stale += 1
        elif link.content_hash == content_hash and not link.gone:
            series = link.series
        else:
            series = link.series
            for name, value in _values(master, subscription).items():
                setattr(series, name, value)
            series.cancelled = False
            # The origin's SEQUENCE, except after we cancelled it as gone or while ours is
            # still ahead of the origin's since (as for the dates): ours never goes down.
            series.sequence = (max(master.sequence, series.sequence + 1)
                               if link.gone or master.sequence < series.sequence
                               else master.sequence)
            series.save()
            link.sequence, link.content_hash, link.gone = master.sequence, content_hash, False
            link.save(update_fields=["sequence", "content_hash", "gone"])
            report.series_updated += 1
        kept[uid] = series
    for link in links.values():
        if link.gone:
            continue
        # Gone upstream: cancelled, unless every date of it here is over (feeds drop those).
        if EventPage.objects.filter(series=link.series, ends_at__gt=now).exists():
            series = link.series
            series.cancelled = True
            series.sequence += 1
            series.save(update_fields=["cancelled", "sequence"])
            link.gone, link.content_hash = True, ""
            link.save(update_fields=["gone", "content_hash"])
            report.series_cancelled += 1
    return kept


def series_expansion_due(subscription: CalendarSubscription, now: dt.datetime,
                         interval: dt.timedelta) -> bool:
    """Whether the subscription's recurring events must be expanded again (the import window
    moved by `interval` since the last expansion), even if the feed did not change: it has
    a series here, or dates of a recurring event imported as single events."""
    if subscription.expanded_at is not None and now - subscription.expanded_at < interval:
        return False
    return (ImportedSeries.objects.filter(subscription=subscription, gone=False).exists()
            or ImportedEvent.objects.filter(subscription=subscription, gone=False)
            .exclude(recurrence_id="").exists())
