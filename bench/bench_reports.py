"""Benchmark: the network report for 60 spaces and about 5,000 events (issue 9). (The
peak memory of 2,000 badges is measured with the other badge figures, in bench_badges.py.)

Reports: the time to compute the figures (`reports.network_report.network_report`), to
render each export (PDF with charts, CSV, XLSX), and the number of queries, against a
baseline measured in the same run: reading the same registration rows bare (one grouped
count and one scan of the seats), the least work any report of these figures must do.
"""

from __future__ import annotations

import time

from bench.bench_listing import ensure_bench_events

SPACES = 60
EVENTS_PER_SPACE = 84          # 60 x 84 = 5,040 events
PEOPLE = 600
SEATS_PER_EVENT = 5


def _ensure_network() -> tuple[list, float]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from events.models import EventPage, Registration, RegistrationState
    from network.models import MemberProfile

    started = time.perf_counter()
    spaces = [ensure_bench_events(f"bench-report-{n:02d}", EVENTS_PER_SPACE)[0]
              for n in range(SPACES)]
    User = get_user_model()
    with transaction.atomic():
        have = User.objects.filter(username__startswith="bench-report-").count()
        if have < PEOPLE:
            users = User.objects.bulk_create(
                User(username=f"bench-report-{i}", email=f"bench-report-{i}@example.org")
                for i in range(have, PEOPLE))
            MemberProfile.objects.bulk_create(
                MemberProfile(user=user, slug=user.username, display_name=f"Persona {user.pk}",
                              home_space=spaces[user.pk % SPACES]) for user in users)
        users = list(User.objects.filter(username__startswith="bench-report-")
                     .order_by("pk").values_list("pk", flat=True))
        events = list(EventPage.objects.filter(space__in=spaces).order_by("pk")
                      .values_list("pk", flat=True))
        if not Registration.objects.filter(event_id__in=events[:1]).exists():
            states = [RegistrationState.ATTENDED, RegistrationState.ATTENDED,
                      RegistrationState.CONFIRMED, RegistrationState.ATTENDED,
                      RegistrationState.WAITLISTED]
            Registration.objects.bulk_create(
                (Registration(event_id=event, user_id=users[(e * 7 + k * 13) % len(users)],
                              state=states[k], waitlist_position=1 if k == 4 else None)
                 for e, event in enumerate(events) for k in range(SEATS_PER_EVENT)),
                batch_size=2000)
    return spaces, time.perf_counter() - started


def _timed(work) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), result


def _baseline(period) -> int:
    from django.db.models import Count

    from events.models import SEAT_STATES, Registration

    rows = Registration.objects.filter(event__starts_at__gte=period.start_at,
                                       event__starts_at__lt=period.end_before)
    grouped = list(rows.values("event__space_id", "state").annotate(n=Count("pk")).order_by())
    seats = sum(1 for _row in rows.filter(state__in=SEAT_STATES).values_list(
        "event__space_id", "user_id", "guest_email", "user__profile__home_space_id")
        .iterator(chunk_size=5000))
    return len(grouped) + seats


def _reports_rows() -> list[dict]:
    from django.utils import timezone

    from network.exporters import exporter_get
    from reports.network_report import network_report
    from reports.periods import period_parse

    _spaces, created_in = _ensure_network()
    period = period_parse(str(timezone.localdate().year))
    network_report(period)  # warm-up (pygal, templates, fonts)
    bare, _q, _n = min((_timed(lambda: _baseline(period)) for _ in range(3)),
                       key=lambda t: t[0])
    figures, queries, report = min((_timed(lambda: network_report(period)) for _ in range(3)),
                                   key=lambda t: t[0])
    events = sum(s.events + s.cancelled_events for s in report.spaces)
    rows = [{"name": "network report: figures", "spaces": len(report.spaces),
             "events": events, "seconds": round(figures, 2), "queries": queries,
             "bare_read_s": round(bare, 2), "ratio": round(figures / bare, 2),
             "note": (f"data created in {created_in:.0f}s" if created_in > 5
                      else "data reused")}]
    for identifier in ("pdf", "csv", "xlsx"):
        exporter = exporter_get("network", identifier)
        seconds, _q, data = _timed(lambda exporter=exporter: exporter.render(report))
        rows.append({"name": f"network report: {identifier} render", "seconds":
                     round(seconds, 2), "kb": len(data) // 1024,
                     "ratio": round(seconds / bare, 2), "note": "figures already computed"})
    return rows


def run() -> list[dict]:
    return _reports_rows()
