"""Benchmark: the network listing page (EventIndexPage) with 1,000 events.

Measures ms per request and queries per request for the default (upcoming) page, a
filtered page and the past archive. Events are created once per database (a dedicated
bench space, found again on the next run) with bulk inserts: Wagtail's add_child saves one
page at a time (~15 queries each), so the tree paths are computed here and the page and
event rows inserted in batches; the result is an ordinary, valid page tree.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

BENCH_EVENTS = 1_000
REQUESTS = 20


def ensure_bench_events(slug: str, count: int) -> tuple[object, float]:
    """A live bench space holding `count` live events; returns (space, seconds spent creating)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page

    from events.models import EventPage, EventTopic
    from home.services import site_tree_ensure
    from network.models import SpacePage

    tree = site_tree_ensure()
    space = SpacePage.objects.filter(slug=slug).first()
    if space is not None and EventPage.objects.filter(space=space).count() == count:
        return space, 0.0
    started = time.perf_counter()
    with transaction.atomic():
        if space is not None:
            space.delete()
            tree.spaces.refresh_from_db()
        space = SpacePage(title=f"Bench {slug}", slug=slug, city="Lecce", region="Puglia",
                          latitude="40.35", longitude="18.17", email="bench@example.org")
        tree.spaces.add_child(instance=space)
        space.refresh_from_db()
        content_type = ContentType.objects.get_for_model(EventPage)
        now = timezone.now().replace(microsecond=0)
        formats = ["workshop", "seminar", "meetup", "talk", "unconference", "other"]
        pages = []
        for i in range(count):
            start = now + dt.timedelta(hours=6 * (i - count // 5))  # a fifth in the past
            pages.append(EventPage(
                title=f"Bench event {i} — caffè; \"quoted\", back\\slash",
                slug=f"bench-{i}", content_type=content_type, live=True,
                path=Page._get_path(space.path, space.depth + 1, i + 1),
                depth=space.depth + 1, numchild=0, url_path=f"{space.url_path}bench-{i}/",
                first_published_at=now, last_published_at=now, locale_id=space.locale_id,
                draft_title=f"Bench event {i}", format=formats[i % len(formats)],
                summary="A benchmark event with a summary long enough to look real.",
                starts_at=start, ends_at=start + dt.timedelta(hours=2),
                language="it" if i % 2 else "en",
                capacity=None if i % 3 == 0 else 20, price_credits=(i % 4) * 5,
                ical_uid=f"{uuid.uuid4()}@espresso", space_id=space.pk,
            ))
        _bulk_insert_pages(pages)
        SpacePage.objects.filter(pk=space.pk).update(numchild=count)
        from taggit.models import Tag

        tags = [Tag.objects.get_or_create(name=name, defaults={"slug": name})[0]
                for name in ("bench-a", "bench-b", "bench-c")]
        EventTopic.objects.bulk_create(
            [EventTopic(content_object_id=page.pk, tag=tags[page_index % 3])
             for page_index, page in enumerate(pages)], batch_size=1000)
    return space, time.perf_counter() - started


def _bulk_insert_pages(pages: list) -> None:
    """Insert the wagtailcore_page rows, then the events_eventpage rows, in batches.

    Django's bulk_create refuses multi-table models, so the child rows go through the
    queryset's low-level `_insert` with the child's own columns (what save() does per row).
    """
    from wagtail.models import Page

    from events.models import EventPage

    parents = [Page(**{f.attname: getattr(p, f.attname) for f in Page._meta.concrete_fields
                       if f.attname != "id"}) for p in pages]
    Page.objects.bulk_create(parents, batch_size=500)
    for page, parent in zip(pages, parents, strict=True):
        page.page_ptr_id = page.id = parent.pk
    local = [f for f in EventPage._meta.local_concrete_fields]
    for start in range(0, len(pages), 500):
        EventPage._base_manager._insert(pages[start:start + 500], fields=local)


def _measure(client, url: str, requests: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(url)
    elapsed = (time.perf_counter() - started) / requests * 1000
    connection.queries_log.clear()  # a full log (9,000 entries) would make the count 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return elapsed, len(queries), len(response.content)


def run() -> list[dict]:
    from django.test import Client

    from home.services import site_tree_ensure

    _space, created_in = ensure_bench_events("bench-listing", BENCH_EVENTS)
    listing = site_tree_ensure().events.url
    client = Client()
    rows = []
    for name, query in (("listing: upcoming (default)", ""),
                        ("listing: filtered (format+seats+text)",
                         "?format=workshop&seats=on&q=bench"),
                        ("listing: past archive, page 3", "?when=past&page=3")):
        ms, queries, size = _measure(client, listing + query, REQUESTS)
        rows.append({"name": name, "events": BENCH_EVENTS, "requests": REQUESTS,
                     "ms_per_request": round(ms, 1), "queries": queries, "bytes": size})
    rows[0]["note"] = f"data created in {created_in:.1f}s" if created_in else "data reused"
    return rows
