"""Benchmark: the network iCalendar feed with 5,000 events (and the JSON feed's first page).

Reports ms per request, response size and queries, plus a conditional GET answered with
304 (what a subscribed calendar app costs when nothing changed).
"""

from __future__ import annotations

import time

from bench.bench_listing import ensure_bench_events

BENCH_EVENTS = 5_000
REQUESTS = 3


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


def run() -> list[dict]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from events.models import EventPage
    from events.selectors import event_list_for_feed

    _space, created_in = ensure_bench_events("bench-calendar", BENCH_EVENTS)
    in_feed = event_list_for_feed().count()
    client = Client()
    url = reverse("events:calendar_network")
    rows = []
    note = f"data created in {created_in:.1f}s" if created_in else "data reused"

    cache.clear()
    ms, queries, size, status = _measure(client, url, 1)
    rows.append({"name": "network.ics, cold (nothing cached)", "events": in_feed,
                 "requests": 1, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status, "note": note})

    # One event republished: the feed's version changes, 4,999 VEVENTs come from the cache.
    event = EventPage.objects.filter(space__slug="bench-calendar").order_by("pk").first()
    EventPage.objects.filter(pk=event.pk).update(
        last_published_at=timezone.now(), title=f"{event.title} (changed {time.time():.0f})")
    ms, queries, size, status = _measure(client, url, 1)
    rows.append({"name": "network.ics, after one event changed", "events": in_feed,
                 "requests": 1, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})

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
