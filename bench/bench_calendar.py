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

    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) / requests * 1000
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return elapsed, len(queries), len(response.content), response.status_code


def run() -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from events.selectors import event_list_for_feed

    _space, created_in = ensure_bench_events("bench-calendar", BENCH_EVENTS)
    in_feed = event_list_for_feed().count()
    client = Client()
    url = reverse("events:calendar_network")
    first = client.get(url)
    assert first.status_code == 200
    rows = []
    ms, queries, size, status = _measure(client, url, REQUESTS)
    rows.append({"name": "network.ics (full download)", "events": in_feed,
                 "requests": REQUESTS, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status,
                 "note": f"data created in {created_in:.1f}s" if created_in else "data reused"})
    ms, queries, size, status = _measure(client, url, 20, if_none_match=first["ETag"])
    rows.append({"name": "network.ics (If-None-Match → 304)", "events": in_feed,
                 "requests": 20, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})
    json_url = reverse("events:feed_json") + "?when=all"
    ms, queries, size, status = _measure(client, json_url, REQUESTS)
    rows.append({"name": "feed.json?when=all (first page of 200)", "events": in_feed,
                 "requests": REQUESTS, "ms_per_request": round(ms, 1), "queries": queries,
                 "bytes": size, "status": status})
    return rows
