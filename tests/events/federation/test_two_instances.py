"""Two real Espresso instances. A is a server of its own (`manage.py runserver` in another
process, its own SQLite file and settings: instance_settings.py), seeded and edited by its own
code (instance_a.py); B is the test database. B subscribes one space to A's JSON feed and
another to A's .ics over HTTP on loopback (EVENTS_IMPORT_ALLOW_PRIVATE), then:

- every field of the format round-trips through the JSON feed (FIELDS; the loss list is
  empty: only `url`, B's own page, and `origin`, the link back, differ, by design);
- through the .ics, identity, times, status, text, place and the recurrence round-trip
  (ICS_FIELDS; the .ics carries less than the JSON feed: docs/format/README.md);
- A's weekly series (crossing a change of time, a date left out, one moved, one cancelled)
  arrives in B as one series and B republishes it as A does;
- a re-import (a full read, not a 304) changes nothing, and B's feeds mark what B imported,
  so that no site imports it back (two sites subscribed to each other never loop);
- an edit in A (a time change: SEQUENCE + 1) updates B, a moved date of the series moves only
  that date, an event deleted or unpublished in A is cancelled in B.

A's database is a copy of an already migrated one (cached under var/ by the migrations'
contents: made from B's own test database in the SQLite pass, by `migrate` otherwise), so A
costs its start-up, not a migration. This test runs in both passes of `make test`: B's side
is the import service writing into B's database, whose engine matters.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
import recurring_ical_events
import wagtail
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from icalendar import Calendar

from events.federation.models import CalendarSubscription, ImportedEvent
from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventSeries, EventStatus
from tests.network.factories import make_space

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
READY_TIMEOUT = 90  # seconds for A's server to answer (a loaded 2-core machine)

#: Every key of a JSON feed item that B publishes exactly as A does.
FIELDS = [
    "id", "title", "summary", "description", "body", "format", "language", "topics",
    "status", "status_reason", "starts_at", "ends_at", "all_day", "time_zone", "attendance_mode",
    "online_url", "venue", "organizer", "capacity", "seats_left", "waitlist", "price",
    "registration", "sequence", "created_at", "updated_at", "cancellation_deadline_hours",
    "rewards", "series", "sessions",
]
#: Keys that differ by design: B's own page (`url`) and where B took the event (`origin`).
OWN_KEYS = {"url", "origin"}
#: VEVENT properties B's .ics publishes as A's does for an event imported from A's .ics.
ICS_FIELDS = ["UID", "SEQUENCE", "DTSTART", "DTEND", "STATUS", "SUMMARY", "GEO", "ORGANIZER",
              "CONFERENCE", "RECURRENCE-ID", "RRULE", "EXDATE", "RDATE"]

pytestmark = pytest.mark.django_db


# --- instance A ---------------------------------------------------------------------------

def _migrations_key() -> str:
    digest = hashlib.sha256(f"{django.__version__} {wagtail.__version__}".encode())
    for top in ("events", "network", "credits", "site"):
        for path in sorted((ROOT / top).rglob("migrations/*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _migrated_database(target: Path, env: dict, django_db_blocker) -> None:
    """A migrated, empty Espresso database at `target`, from the cached template."""
    template = ROOT / "var" / f"test-instance-{_migrations_key()}.sqlite3"
    if not template.exists():
        template.parent.mkdir(exist_ok=True)
        building = template.with_name(f"{template.name}.{os.getpid()}.tmp")
        with django_db_blocker.unblock():
            # B's test database, migrated by pytest-django, unless a transactional test
            # flushed it (the migrations' rows, e.g. permissions, are then missing).
            copyable = connection.vendor == "sqlite" and Permission.objects.exists()
            if copyable:
                connection.ensure_connection()
                copy = sqlite3.connect(building)
                connection.connection.backup(copy)
                copy.close()
        if not copyable:
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                           cwd=ROOT, env={**env, "DATABASE_URL": f"sqlite:///{building}"},
                           check=True, capture_output=True, timeout=900)
        os.replace(building, template)  # atomic: a parallel worker sees all or nothing
    shutil.copyfile(template, target)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class InstanceA:
    url: str
    seeded: dict
    console: subprocess.Popen
    log: Path

    def ask(self, command: str) -> dict:
        """Run a command of instance_a.py in A and return its answer."""
        self.console.stdin.write(command + "\n")
        self.console.stdin.flush()
        line = self.console.stdout.readline()
        answer = json.loads(line) if line else {"error": "A's console ended"}
        assert "ok" in answer, f"{answer}\n{self.log.read_text()[-3000:]}"
        return answer["ok"]

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:  # noqa: S310
            return response.read()


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    """Poll A's feed until it answers 200: bounded by READY_TIMEOUT, fails at once if the
    server exits."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        assert server.poll() is None, f"A's server exited:\n{log.read_text()[-3000:]}"
        with (contextlib.suppress(OSError),
              urllib.request.urlopen(url + "/events/feed.json", timeout=5) as response):  # noqa: S310
            if response.status == 200:
                return
        assert time.monotonic() < deadline, f"A did not answer in {READY_TIMEOUT} s"
        time.sleep(0.1)  # the poll's interval, not a synchronisation


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def instance_a(tmp_path_factory, django_db_setup, django_db_blocker):
    folder = tmp_path_factory.mktemp("instance-a")
    url = f"http://127.0.0.1:{_free_port()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.events.federation.instance_settings",
           "ESPRESSO_INSTANCE_URL": url, "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": f"sqlite:///{folder / 'a.sqlite3'}"}
    _migrated_database(folder / "a.sqlite3", env, django_db_blocker)
    log = folder / "a.log"
    with log.open("w") as output:
        console = subprocess.Popen([sys.executable, str(HERE / "instance_a.py")], cwd=ROOT,  # noqa: S603
                                   env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=output, text=True)
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", url.removeprefix("http://"),
             "--noreload", "--skip-checks"], cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        instance = InstanceA(url, {}, console, log)
        instance.seeded = instance.ask("seed")
        _wait_until_serving(url, server, log)
        yield instance
    finally:
        _stop(server)
        console.stdin.close()
        _stop(console)


# --- B's side -----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def import_from_loopback(settings):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = True  # as EVENTS_IMPORT_ALLOW_PRIVATE=1 does
    cache.clear()


def b_feed(client, space) -> dict[str, dict]:
    cache.clear()
    response = client.get(reverse("events:feed_json"), {"space": space.slug, "when": "all"})
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["items"]}


def b_calendar(client, space) -> Calendar:
    cache.clear()
    response = client.get(reverse("events:calendar_space", args=[space.slug]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def losses(a_items: dict[str, dict], b_items: dict[str, dict]) -> dict[str, dict]:
    """{id: {key: (A's value, B's value)}} for every key of FIELDS that differs."""
    out = {}
    for uid, a_item in a_items.items():
        b_item = b_items[uid]
        assert set(a_item) - OWN_KEYS == set(b_item) - OWN_KEYS
        assert set(a_item) - OWN_KEYS <= set(FIELDS), set(a_item) - set(FIELDS)
        out[uid] = {key: (a_item[key], b_item[key]) for key in FIELDS
                    if key in a_item and a_item[key] != b_item[key]}
    return out


def vevents(calendar: Calendar) -> dict[tuple[str, str], dict]:
    """{(UID, RECURRENCE-ID or ""): {property: value as written}} of the ICS_FIELDS."""
    out = {}
    for vevent in calendar.walk("VEVENT"):
        rid = vevent.get("RECURRENCE-ID")
        key = (str(vevent["UID"]), rid.to_ical().decode() if rid is not None else "")
        out[key] = {name: (vevent[name].to_ical() if not isinstance(vevent[name], list)
                           else [v.to_ical() for v in vevent[name]])
                    for name in ICS_FIELDS if name in vevent}
    return out


def expanded(calendar: Calendar, uid: str) -> dict:
    """What a calendar app shows of `uid` over two years (recurring-ical-events)."""
    start = time.gmtime()
    return {str(c.get("RECURRENCE-ID").to_ical()): (c.decoded("DTSTART"), c.decoded("DTEND"),
                                                    str(c.get("STATUS")), str(c["SUMMARY"]))
            for c in recurring_ical_events.of(calendar).between(
                (start.tm_year - 1, 1, 1), (start.tm_year + 2, 1, 1))
            if str(c["UID"]) == uid}


def rows(space) -> list[tuple]:
    return list(EventPage.objects.filter(space=space).order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "starts_at", "ends_at", "title", "status",
        "series_id", "recurrence_id"))


def full_read(subscription: CalendarSubscription):
    """Sync without the conditional GET, so the whole feed is read and compared again."""
    CalendarSubscription.objects.filter(pk=subscription.pk).update(
        etag="", last_modified="", content_hash="")
    subscription.refresh_from_db()
    return subscription_sync(subscription)


def test_b_imports_a_over_http_and_everything_round_trips(instance_a, client, site_tree,
                                                          feed_server):
    seeded = instance_a.seeded
    json_space = make_space(site_tree.spaces, "Cowo B", city="Milano", region="Lombardia")
    ics_space = make_space(site_tree.spaces, "Cowo B ics", city="Milano")
    feed_url = f"{instance_a.url}/events/feed.json?space={seeded['space']}"
    ics_url = f"{instance_a.url}/events/calendar/space/{seeded['space']}.ics"
    by_json = subscription_get_or_create(json_space, feed_url, name="Rete A")
    by_ics = subscription_get_or_create(ics_space, ics_url, name="Rete A (ics)")

    report = subscription_sync(by_json)
    # 3 single events and the 5 dates of the series (6 minus the one left out).
    assert (report.error, report.created, report.series_created) == ("", 8, 1)
    report = subscription_sync(by_ics)
    assert (report.error, report.created, report.series_created) == ("", 8, 1)

    # JSON: every field of the format round-trips; the loss list is empty.
    a_items = {item["id"]: item for item in json.loads(instance_a.get(
        f"/events/feed.json?space={seeded['space']}&when=all"))["items"]}
    b_items = b_feed(client, json_space)
    assert a_items.keys() == b_items.keys()
    assert {seeded["full"], seeded["paid"], seeded["withdrawn"], *seeded["dates"]} == (
        a_items.keys())
    assert losses(a_items, b_items) == {uid: {} for uid in a_items}
    for uid, b_item in b_items.items():
        assert b_item["origin"] == {"url": a_items[uid]["url"], "feed_url": feed_url,
                                    "name": "Rete A"}
        assert b_item["url"] != a_items[uid]["url"]  # B's own page, the link back in origin
    full = a_items[seeded["full"]]
    assert full["seats_left"] == 27 and full["rewards"] == {"host": 5, "speaker": 3,
                                                            "volunteer": 2}
    assert [block["type"] for block in full["body"]] == ["text", "agenda", "speaker"]

    # A's series is a series in B, republished as A publishes it.
    series = EventSeries.objects.get(space=json_space)
    assert (series.published_uid, series.is_imported) == (seeded["series"], True)
    assert EventPage.objects.filter(series=series).count() == 5
    a_calendar = Calendar.from_ical(instance_a.get(f"/events/calendar/space/{seeded['space']}"
                                                   ".ics"))
    assert expanded(b_calendar(client, json_space), seeded["series"]) == expanded(
        a_calendar, seeded["series"])
    a_statuses = sorted(value[2] for value in expanded(a_calendar, seeded["series"]).values())
    assert a_statuses == ["CANCELLED", "CONFIRMED", "CONFIRMED", "CONFIRMED", "CONFIRMED"]

    # .ics: B's calendar of the space subscribed to A's .ics says what A's says.
    a_vevents, b_vevents = vevents(a_calendar), vevents(b_calendar(client, ics_space))
    assert a_vevents.keys() == b_vevents.keys()
    assert {(key, name): (a_vevents[key].get(name), b_vevents[key].get(name))
            for key in a_vevents for name in ICS_FIELDS
            if a_vevents[key].get(name) != b_vevents[key].get(name)} == {}
    assert expanded(b_calendar(client, ics_space), seeded["series"]) == expanded(
        a_calendar, seeded["series"])

    # B's calendar marks each import with its origin, so that no site imports it back.
    b_ics = b_calendar(client, json_space)
    assert {str(v["X-ESPRESSO-ORIGIN"]) for v in b_ics.walk("VEVENT")} == {
        item["url"] for item in a_items.values()}
    loop_space = make_space(site_tree.spaces, "Cowo C", city="Bari")
    b_json = client.get(reverse("events:feed_json"), {"space": json_space.slug}).content
    for path, body in (("/b.json", b_json), ("/b.ics", b_ics.to_ical())):
        back = subscription_get_or_create(loop_space, feed_server.serve(path, body))
        report = subscription_sync(back)
        assert (report.error, report.created, len(report.skipped)) == ("", 0, 8)
    assert not EventPage.objects.filter(space=loop_space).exists()

    # A full re-read of both changes nothing.
    before = rows(json_space), rows(ics_space), list(EventSeries.objects.values())
    for subscription in (by_json, by_ics):
        report = full_read(subscription)
        assert (report.error, report.created, report.updated, report.unchanged,
                report.series_updated) == ("", 0, 0, 8, 0)
    assert (rows(json_space), rows(ics_space), list(EventSeries.objects.values())) == before

    # Edits in A: a time change (SEQUENCE + 1), a deletion, an unpublication, one date of the
    # series moved.
    edit = instance_a.ask("edit")
    assert edit["full_sequence"] == 1 and edit["fourth_sequence"] == 1
    untouched = {pk: row for pk, *row in rows(json_space)}
    report = subscription_sync(by_json)
    assert (report.error, report.updated, report.cancelled_gone, report.created) == (
        "", 2, 2, 0)
    # Every field still round-trips for what A still publishes.
    a_after = {item["id"]: item for item in json.loads(instance_a.get(
        f"/events/feed.json?space={seeded['space']}&when=all"))["items"]}
    assert a_after.keys() == a_items.keys() - {seeded["paid"], seeded["withdrawn"]}
    b_items = b_feed(client, json_space)
    assert losses(a_after, b_items) == {uid: {} for uid in a_after}
    full_here = EventPage.objects.get(imported_from__subscription=by_json,
                                      imported_from__uid=seeded["full"])
    assert (full_here.sequence, full_here.starts_at.isoformat()) == (1, edit["full_starts_at"])
    for gone in (seeded["paid"], seeded["withdrawn"]):
        assert b_items[gone]["status"] == "cancelled"
        assert EventPage.objects.get(imported_from__subscription=by_json,
                                     imported_from__uid=gone).status == EventStatus.CANCELLED
    fourth = EventPage.objects.get(imported_from__subscription=by_json,
                                   imported_from__uid=edit["fourth"])
    assert fourth.sequence == 1 and fourth.series_id == series.pk
    changed = {full_here.pk, fourth.pk} | set(ImportedEvent.objects.filter(
        subscription=by_json, uid__in=[seeded["paid"], seeded["withdrawn"]])
        .values_list("event_id", flat=True))
    assert {pk: row for pk, *row in rows(json_space) if pk not in changed} == {
        pk: row for pk, row in untouched.items() if pk not in changed}

    # The same edits through the .ics.
    report = subscription_sync(by_ics)
    assert (report.error, report.updated, report.cancelled_gone) == ("", 2, 2)
    a_calendar = Calendar.from_ical(instance_a.get(f"/events/calendar/space/{seeded['space']}"
                                                   ".ics"))
    assert expanded(b_calendar(client, ics_space), seeded["series"]) == expanded(
        a_calendar, seeded["series"])
