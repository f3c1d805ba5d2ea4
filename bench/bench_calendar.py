"""Benchmark: the network iCalendar feed with 5,000 events (and the JSON feed's first page).

Reports ms per request, response size and queries, plus a conditional GET answered with
304 (what a subscribed calendar app costs when nothing changed).

The baseline is icalendar alone serialising the same events (the same properties, values
already in memory) in the same run, in COLD_ROUNDS paired rounds (the median ratio); the
goals (issue 11): the cold feed ≤ 1.3x of it, and one changed event re-serialises exactly
one VEVENT (counted by wrapping `event_vevent`).
"""

from __future__ import annotations

import time
from statistics import median

from bench.bench_listing import ensure_bench_events

BENCH_EVENTS = 5_000
REQUESTS = 3
COLD_ROUNDS = 3


def _measure(client, url: str, requests: int, **headers) -> tuple[float, int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The queries are counted on the first (measured) request, which is the one that matters
    # for the cold and "one event changed" rows.
    started = time.perf_counter()
    connection.queries_log.clear()  # a full log (9,000 entries) would make the count 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    count = len(queries)  # read now: the next request resets the connection's query log
    for _ in range(requests - 1):
        response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) / requests * 1000
    return elapsed, count, len(response.content), response.status_code


def icalendar_alone_seconds(events: list) -> float:
    """icalendar serialising `events` with the feed's properties, from plain values."""
    import datetime as dt

    from django.utils import timezone
    from icalendar import Calendar, Event, vCalAddress, vGeo, vText

    values = [(e.ical_uid, e.first_published_at, e.last_published_at, e.sequence, e.title,
               e.summary, e.starts_at, e.ends_at, e.space.title, e.format, e.space.email,
               float(e.space.latitude), float(e.space.longitude), e.tz) for e in events]
    started = time.perf_counter()
    calendar = Calendar.new(prodid="-//bench//icalendar alone//EN", name="bench")
    stamp = dt.datetime.now(dt.UTC)
    for (uid, created, modified, sequence, title, summary, start, end, location, fmt, email,
         lat, lon, tz) in values:
        vevent = Event.new(uid=uid, stamp=stamp, created=created, last_modified=modified,
                           sequence=sequence, summary=title, description=summary,
                           start=timezone.localtime(start, tz), end=timezone.localtime(end, tz),
                           location=location, url=f"https://example.org/{uid}/",
                           status="CONFIRMED", categories=[fmt])
        vevent.add("geo", vGeo((lat, lon)))
        organizer = vCalAddress(f"mailto:{email}")
        organizer.params["CN"] = vText(location)
        vevent.add("organizer", organizer)
        vevent.add("transp", "OPAQUE")
        calendar.add_component(vevent)
    calendar.to_ical()
    return time.perf_counter() - started


def run() -> list[dict]:
    from unittest import mock

    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from bench.figures import at_most, figure
    from events import calendar as events_calendar
    from events.models import EventPage
    from events.selectors import event_list_for_feed, events_for_feed_rows

    _space, created_in = ensure_bench_events("bench-calendar", BENCH_EVENTS)
    in_feed = event_list_for_feed().count()
    client = Client()
    url = reverse("events:calendar_network")
    rows = []
    note = f"data created in {created_in:.1f}s" if created_in else "data reused"

    feed_events = list(events_for_feed_rows(event_list_for_feed()))
    # Paired rounds (icalendar alone, then the cold feed, a few seconds apart): the other
    # work on a shared machine drifts, and moves both sides of a round together.
    alones, colds, ratios = [], [], []
    for _round in range(COLD_ROUNDS):
        alone = icalendar_alone_seconds(feed_events)
        cache.clear()
        ms, queries, size, status = _measure(client, url, 1)
        alones.append(alone)
        colds.append(ms)
        ratios.append(ms / 1000 / alone)
    alone, ms, ratio = median(alones), median(colds), median(ratios)
    rows.append({"name": "icalendar alone, same events (baseline)", "events": len(feed_events),
                 "ms_per_request": round(alone * 1000, 1)})
    rows.append({"name": "network.ics, cold (nothing cached)", "events": in_feed,
                 "requests": COLD_ROUNDS, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status, "note": note})
    goal, met = at_most(ratio, 1.3)
    rows.append(figure("cold network.ics, ms", f"{ms:.0f} ms", ratio=ratio,
                       baseline=f"icalendar {alone * 1000:.0f} ms", goal=goal, met=met,
                       events=in_feed, note=f"median of {COLD_ROUNDS} paired rounds, ratios "
                       + " ".join(f"{r:.2f}" for r in ratios)))

    # One event republished: the feed's version changes, 4,999 VEVENTs come from the cache.
    event = EventPage.objects.filter(space__slug="bench-calendar").order_by("pk").first()
    EventPage.objects.filter(pk=event.pk).update(
        last_published_at=timezone.now(), title=f"{event.title} (changed {time.time():.0f})")
    with mock.patch.object(events_calendar, "event_vevent",
                           wraps=events_calendar.event_vevent) as serialised:
        ms, queries, size, status = _measure(client, url, 1)
    rows.append({"name": "network.ics, after one event changed", "events": in_feed,
                 "requests": 1, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status, "vevents_built": serialised.call_count})
    rows.append(figure("one changed event: VEVENTs serialised", str(serialised.call_count),
                       ratio=ms / 1000 / alone, baseline=f"icalendar {alone * 1000:.0f} ms",
                       goal="1 VEVENT", met=serialised.call_count == 1))

    ms, queries, size, status = _measure(client, url, REQUESTS)
    rows.append({"name": "network.ics, unchanged (cached bytes)", "events": in_feed,
                 "requests": REQUESTS, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})
    etag = client.get(url)["ETag"]
    ms, queries, size, status = _measure(client, url, 20, if_none_match=etag)
    rows.append({"name": "network.ics, If-None-Match → 304", "events": in_feed,
                 "requests": 20, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})
    json_url = reverse("events:feed_json") + "?when=all"
    client.get(json_url)
    ms, queries, size, status = _measure(client, json_url, REQUESTS)
    rows.append({"name": "feed.json?when=all (first page of 200)", "events": in_feed,
                 "requests": REQUESTS, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})
    return rows
