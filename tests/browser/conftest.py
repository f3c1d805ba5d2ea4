"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's
live_server, with the demo network loaded. Screenshots go to var/screenshots/."""

import datetime
import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it (loading the demo) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a browser downloaded by `playwright install`."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_everywhere(django_db_setup, django_db_blocker):
    """Make the migrations' snapshot visible to every database connection object.

    Django keeps the snapshot that serialized rollback restores on the connection object
    made when the test database was set up. Django's connections live in a context-local
    store, and once Playwright's sync API runs, the test sees a fresh connection object
    without the snapshot: the rollback would silently restore nothing (and the flush would
    re-run post_migrate). Putting the snapshot on the connection class fixes both."""
    from django.db import connections

    patched = []
    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None and "_test_serialized_contents" not in vars(type(connection)):
            type(connection)._test_serialized_contents = contents
            patched.append(type(connection))
    yield
    for cls in patched:
        del cls._test_serialized_contents


class DemoSnapshot:
    """The test database right after `manage.py load_demo`, copied once per test process.

    The first test that asks for the demo loads it for real, in the state every transactional
    test starts from (the migrations' data), and the whole database is copied with SQLite's
    online backup API: rows, indexes, triggers, the search index's tables, `sqlite_sequence`.
    Every later test gets that copy back byte for byte in milliseconds, instead of running
    `load_demo` (~20 s) again. The copy is written through the test thread's connection; the
    live server's connection opens the same shared in-memory database (`cache=shared`), so it
    serves the restored data at once.

    The demo's dates are relative to "today" in the spaces' own time zones (day passes for
    today, past and future events): when a run crosses midnight in one of them, the demo is
    loaded and copied again. Any other database (PostgreSQL, an SQLite file) loads the demo
    per test, as before."""

    def __init__(self) -> None:
        self.copy: sqlite3.Connection | None = None
        self.zones: list[ZoneInfo] = []
        self.today: tuple[datetime.date, ...] = ()

    def _today(self, now: datetime.datetime) -> tuple[datetime.date, ...]:
        return tuple(now.astimezone(zone).date() for zone in self.zones)

    def restore_or_load(self) -> None:
        from django.db import connection

        if connection.vendor != "sqlite" or not connection.is_in_memory_db():
            call_command("load_demo", stdout=io.StringIO())
            return
        assert not connection.in_atomic_block, "the demo is restored outside a transaction"
        connection.ensure_connection()
        if self.copy is not None and self._today(timezone.now()) == self.today:
            self.copy.backup(connection.connection)
            return
        loaded_at = timezone.now()  # the demo's "today", should midnight pass while it loads
        call_command("load_demo", stdout=io.StringIO())
        from network.models import SpacePage

        self.zones = [timezone.get_default_timezone(), *(
            ZoneInfo(name) for name in SpacePage.objects.values_list("time_zone", flat=True)
            .distinct().order_by("time_zone"))]
        self.today = self._today(loaded_at)
        if self.copy is None:
            self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)


@pytest.fixture(scope="session")
def _demo_snapshot() -> Iterator[DemoSnapshot]:
    snapshot = DemoSnapshot()
    yield snapshot
    if snapshot.copy is not None:
        snapshot.copy.close()


@pytest.fixture
def demo_server(live_server, django_db_serialized_rollback, _demo_snapshot):
    """The live server with the demo network loaded (`manage.py load_demo`).

    Serialized rollback restores the migrations' data (Wagtail's root page, the coordinators
    group...) that the transactional flush of the previous live-server test removed; the demo
    is then loaded on top (the first time) or restored from the copy taken the first time."""
    _demo_snapshot.restore_or_load()
    return live_server


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG in var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
