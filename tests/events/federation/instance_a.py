"""The console of instance A in tests/events/federation/test_two_instances.py.

`python tests/events/federation/instance_a.py` (settings in the environment: see
instance_settings.py) sets Django up once, then reads one command a line on stdin
(`seed`, `edit`) and answers one JSON line on stdout, so the test changes A's own database
through A's own code while A's server (another process) serves it. What A holds:

- a space with coordinates and an e-mail, and in it an event using every field of the
  format (agenda, speaker, hostile text, a hybrid link, a capacity with three seats taken,
  a registration window, rewards), a paid postponed event in New York time, an event that
  `edit` unpublishes;
- a weekly series crossing the change of time, with one date left out (EXDATE), one moved
  an hour later and one cancelled.

`edit`: the full event moves an hour later (SEQUENCE + 1), the paid event is deleted, the
third one unpublished, the series' fourth date moves half an hour later.

The project's modules are imported inside the functions: they need `django.setup()`, which
runs in `main()` with A's settings.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import traceback
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[3]
ROME = ZoneInfo("Europe/Rome")

BODY = [
    {"type": "text", "value": '<p data-block-key="a1">Un giorno <b>intero</b> &amp; '
                              '<a href="https://espresso.example/format/">il formato</a></p>'
                              '<ul><li>uno</li><li>due — ✓</li></ul>', "id": "b1"},
    {"type": "agenda", "value": {"heading": "Programma", "items": [
        {"type": "item", "value": {"time": "09:30:00", "title": "Cerchio d'apertura",
                                   "description": "Tutti insieme\nin sala"}, "id": "i1"},
        {"type": "item", "value": {"time": "13:00:00", "title": "Pranzo",
                                   "description": ""}, "id": "i2"}]}, "id": "b2"},
    {"type": "speaker", "value": {"name": "Ada «Lovelace»", "role": "مهندسة",
                                  "bio": "Bio <script>x</script>", "photo": None,
                                  "link": "https://ada.example/"}, "id": "b3"},
]


def _first_tuesday_before_a_change_of_time(now: dt.datetime) -> dt.datetime:
    """18:30 in Rome on the Tuesday two weeks before the next change of time (at least a
    week from now), so a weekly series of six dates crosses it."""
    day = (now + dt.timedelta(days=7)).astimezone(ROME).date()
    offset = dt.datetime.combine(day, dt.time(12), ROME).utcoffset()
    while dt.datetime.combine(day, dt.time(12), ROME).utcoffset() == offset:
        day += dt.timedelta(days=1)
    day -= dt.timedelta(days=14)
    while day.weekday() != 1:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(18, 30), ROME)


def seed() -> dict:
    from django.utils import timezone

    from events.models import EventStatus
    from events.recurrence import rrule_build
    from events.services import series_create
    from home.services import site_tree_ensure
    from tests.events.discovery_factories import fill_event, make_event
    from tests.network.factories import make_space

    tree = site_tree_ensure()
    space = make_space(tree.spaces, "Cowo A", city="Lecce", region="Puglia",
                       latitude="40.352000", longitude="18.169000", email="ciao@cowo-a.example")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=10)
    full = make_event(
        space, "Espresso <b>day</b> — café 🎉 «שלום»", starts_at=start, hours=8,
        topics=["coworking", "community"], summary="Una giornata\u202e di non-conferenza",
        body=json.dumps(BODY), format="unconference", language="en", room="Sala 1",
        address_override="Via Roma 1, Lecce", online_url="https://meet.example/espresso",
        capacity=30, waitlist_enabled=False, guests_allowed=True,
        registration_opens_at=start - dt.timedelta(days=20),
        registration_closes_at=start - dt.timedelta(hours=2),
        cancellation_deadline_hours=48, reward_host=5, reward_speaker=3, reward_volunteer=2)
    full.save_revision().publish()  # published through Wagtail, as an organiser does
    full.refresh_from_db()
    fill_event(full, confirmed=3)
    paid = make_event(space, "Paid workshop", starts_in_days=12, price_credits=10,
                      time_zone="America/New_York", status=EventStatus.POSTPONED,
                      status_reason="The room flooded.", capacity=None, format="workshop")
    withdrawn = make_event(space, "Laboratorio da ritirare", starts_in_days=14,
                           format="seminar", language="it")
    first = _first_tuesday_before_a_change_of_time(timezone.now())
    series = series_create(
        space, title="Aperitivo del martedì", first_start=first,
        duration=dt.timedelta(hours=2),
        rrule=rrule_build(freq="WEEKLY", count=6, weekdays=["TU"]),
        exceptions=[(first + dt.timedelta(days=7)).date()],
        fields={"capacity": 12, "language": "it", "format": "meetup",
                "summary": "Ogni martedì"})
    dates = list(series.occurrences.order_by("recurrence_id"))
    moved, cancelled = dates[1], dates[2]
    moved.starts_at += dt.timedelta(hours=1)
    moved.ends_at += dt.timedelta(hours=1)
    moved.save_revision().publish()
    cancelled.status, cancelled.status_reason = EventStatus.CANCELLED, "Festa"
    cancelled.save_revision().publish()
    return {"space": space.slug, "full": full.ical_uid, "paid": paid.ical_uid,
            "withdrawn": withdrawn.ical_uid, "series": series.uid,
            "dates": [page.ical_uid for page in dates]}


def edit() -> dict:
    from events.models import EventPage, EventSeries

    full = EventPage.objects.get(title__startswith="Espresso <b>day")
    full.starts_at += dt.timedelta(hours=1)
    full.ends_at += dt.timedelta(hours=1)
    full.save_revision().publish()
    full.refresh_from_db()
    EventPage.objects.get(title="Paid workshop").delete()
    EventPage.objects.get(title="Laboratorio da ritirare").unpublish()
    fourth = EventSeries.objects.get().occurrences.order_by("recurrence_id")[3]
    fourth.starts_at += dt.timedelta(minutes=30)
    fourth.ends_at += dt.timedelta(minutes=30)
    fourth.save_revision().publish()
    fourth.refresh_from_db()
    return {"full_sequence": full.sequence, "full_starts_at": full.starts_at.isoformat(),
            "fourth": fourth.ical_uid, "fourth_sequence": fourth.sequence}


COMMANDS = {"seed": seed, "edit": edit}


def main() -> None:
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    import django

    django.setup()
    for line in sys.stdin:
        command = line.strip()
        try:
            answer = {"ok": COMMANDS[command]()}
        except Exception as exc:  # the test shows it; A's traceback goes to A's stderr
            traceback.print_exc()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
