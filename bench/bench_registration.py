"""Registration throughput: `events.services.registration_create` with 8 concurrent threads.

Two scenarios: (a) every thread registers people for ONE event (all contend on the event's
row lock; capacity 100, the rest join the waiting list), (b) each thread has its own event
(no contention). The first two rows include building the confirmation e-mail with its .ics
file after commit (the test settings run tasks at once); the third leaves the e-mail out; the
fourth stores the e-mail task in the database as production does (django-tasks-db), and is
the one compared with the raw-SQL baseline.
`queries` is the number of SQL queries of one registration, measured single-threaded.

The baseline is the same work as raw SQL through psycopg, 8 threads on one event: lock the
event's row (SELECT ... FOR UPDATE), count its seats taken, insert the registration, commit.
The goal figures (issue 11): the service at ≥ 0.5x the baseline (no e-mail, hot event: the
e-mails are background tasks, off the request path) and at most 6 queries per registration.

The service (e-mails as tasks) and the baseline are compared in ROUNDS paired rounds, each a
fresh hot event per side, the order alternating (service first, then raw first, ...): one
service run and one raw run a second apart see the same machine, so the other work on a
shared machine, which drifts over tens of seconds, moves both sides of a round together.
The figure is the median of the rounds' ratios; every round's ratio is printed beside it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from unittest import mock

THREADS = 8
PER_THREAD = 60
ROUNDS = 5


def _event(space, title: str, capacity: int | None):
    from django.utils import timezone

    from events.models import EventPage

    start = timezone.now() + dt.timedelta(days=10)
    event = EventPage(title=title, slug=f"bench-{uuid.uuid4().hex[:10]}", starts_at=start,
                      ends_at=start + dt.timedelta(hours=2), capacity=capacity, language="en")
    space.add_child(instance=event)
    event.save_revision().publish()
    event.refresh_from_db()
    return event


def _users(run: str, count: int) -> list:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return list(user_model.objects.bulk_create(
        [user_model(username=f"reg-{run}-{i}", email=f"reg-{run}-{i}@example.org")
         for i in range(count)]))


def _space():
    from home.services import site_tree_ensure
    from network.models import SpacePage

    tree = site_tree_ensure()
    space = SpacePage(title=f"Bench space {uuid.uuid4().hex[:6]}", city="Roma",
                      slug=f"bench-space-{uuid.uuid4().hex[:8]}")
    tree.spaces.add_child(instance=space)
    space.save_revision().publish()
    space.refresh_from_db()
    return space


def _run_threads(events: list, users: list) -> float:
    from django.db import connection

    from events.services import registration_create

    barrier = threading.Barrier(THREADS + 1)
    errors: list[Exception] = []

    def worker(index: int) -> None:
        event = events[index % len(events)]
        mine = users[index * PER_THREAD:(index + 1) * PER_THREAD]
        barrier.wait()
        try:
            for user in mine:
                registration_create(event, user=user)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def _run_raw_threads(event, users: list) -> float:
    """The raw-SQL baseline: row lock, count, insert, commit; one connection per thread."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    barrier = threading.Barrier(THREADS + 1)
    errors: list[Exception] = []

    def worker(index: int) -> None:
        mine = users[index * PER_THREAD:(index + 1) * PER_THREAD]
        try:
            with psycopg.connect(**params) as conn:
                barrier.wait()
                for user in mine:
                    with conn.transaction(), conn.cursor() as cur:
                        cur.execute("SELECT capacity FROM events_eventpage"
                                    " WHERE page_ptr_id = %s FOR UPDATE", (event.pk,))
                        (capacity,) = cur.fetchone()
                        cur.execute("SELECT count(*) FROM events_registration WHERE event_id = %s"
                                    " AND state IN ('confirmed', 'attended')", (event.pk,))
                        (taken,) = cur.fetchone()
                        free = capacity is None or taken < capacity
                        state = "confirmed" if free else "waitlisted"
                        cur.execute(
                            "INSERT INTO events_registration (event_id, user_id, guest_name,"
                            " guest_email, role, state, waitlist_position, secret, created_at,"
                            " updated_at, confirmed_at, cancel_reason, walk_in, ticket_code,"
                            " language)"
                            " VALUES (%s, %s, '', '', 'attendee', %s, %s, %s, now(), now(),"
                            " now(), '', false, %s, 'en')",
                            (event.pk, user.pk, state,
                             None if state == "confirmed" else taken, uuid.uuid4(),
                             uuid.uuid4().hex))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def _queries_per_registration(space) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.services import registration_create

    event = _event(space, "Bench queries", capacity=100)
    (warm, user) = _users(uuid.uuid4().hex[:6], 2)
    registration_create(event, user=warm)
    with CaptureQueriesContext(connection) as ctx:
        registration_create(event, user=user)
    return len(ctx.captured_queries)


def run() -> list[dict]:
    from django.db import connection
    from django.test import override_settings

    space = _space()
    total = THREADS * PER_THREAD
    rows = []
    scenarios = [
        ("registration: 8 threads, one event (hot lock)", lambda: [
            _event(space, "Bench hot", capacity=100)], True),
        ("registration: 8 threads, one event each", lambda: [
            _event(space, f"Bench {i}", capacity=None) for i in range(THREADS)], True),
        ("registration: 8 threads, one event, no e-mail", lambda: [
            _event(space, "Bench hot, no mail", capacity=100)], False),
    ]
    # Production: e-mails are tasks stored in the database for `db_worker` (one INSERT after
    # the commit), never built on the request path.
    production_tasks = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
    with production_tasks:
        queries = _queries_per_registration(space)
    for name, make_events, mails in scenarios:
        events = make_events()
        users = _users(uuid.uuid4().hex[:6], total)
        if mails:
            elapsed = _run_threads(events, users)
        else:
            with mock.patch("events.emails.registration_email_send", return_value=None):
                elapsed = _run_threads(events, users)
        rows.append(_row(name, events, elapsed, queries))
    if connection.vendor != "postgresql":
        with production_tasks:
            events = [_event(space, "Bench hot, tasks", capacity=100)]
            elapsed = _run_threads(events, _users(uuid.uuid4().hex[:6], total))
        rows.append(_row(TASKS_ROW, events, elapsed, queries))
        return rows
    return rows + _paired_rounds(space, production_tasks, queries)


TASKS_ROW = "registration: 8 threads, one event, e-mails as tasks"


def _row(name: str, events: list, elapsed: float, queries: int) -> dict:
    from events.models import Registration, RegistrationState

    total = THREADS * PER_THREAD
    confirmed = Registration.objects.filter(event__in=events,
                                            state=RegistrationState.CONFIRMED).count()
    return {
        "name": name,
        "requests": total,
        "per_second": round(total / elapsed, 1),
        "ms_per_request": round(elapsed * 1000 * THREADS / total, 2),
        "queries": queries,
        "note": f"confirmed={confirmed} waitlisted={total - confirmed}",
    }


def _paired_rounds(space, production_tasks, queries: int) -> list[dict]:
    """The service (e-mails as tasks) against the raw-SQL baseline, in alternating rounds."""
    from statistics import median

    from bench.figures import at_least, figure

    total = THREADS * PER_THREAD
    services: list[float] = []
    raws: list[float] = []
    rows = []
    for index in range(ROUNDS):
        sides = ["service", "raw"] if index % 2 == 0 else ["raw", "service"]
        for side in sides:
            users = _users(uuid.uuid4().hex[:6], total)
            if side == "service":
                events = [_event(space, "Bench hot, tasks", capacity=100)]
                with production_tasks:
                    elapsed = _run_threads(events, users)
                services.append(total / elapsed)
                if index == 0:
                    rows.append(_row(TASKS_ROW, events, elapsed, queries))
            else:
                raws.append(total / _run_raw_threads(
                    _event(space, "Bench raw", capacity=100), users))
    ratios = [service / raw for service, raw in zip(services, raws, strict=True)]
    ratio = median(ratios)
    rows.append({"name": "registration: raw SQL baseline, one event", "requests": total,
                 "per_second": round(raws[0], 1)})
    goal, met = at_least(ratio, 0.5)
    rows.append(figure(
        "registration service (tasks), per s", f"{median(services):.0f}/s", ratio=ratio,
        baseline=f"raw SQL {median(raws):.0f}/s", goal=goal, met=met,
        note=f"median of {ROUNDS} paired rounds, ratios "
             + " ".join(f"{r:.2f}" for r in ratios)))
    rows.append(figure("registration, queries each (task insert incl.)", str(queries),
                       ratio=queries / 3, baseline="raw SQL 3 + commit", goal="≤ 6 queries",
                       met=queries <= 6))
    return rows
