"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's
live_server, with the demo network loaded. Screenshots go to var/screenshots/."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

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


@pytest.fixture
def demo_server(live_server, django_db_serialized_rollback):
    """The live server with the demo network loaded (`manage.py load_demo`).

    Serialized rollback restores the migrations' data (Wagtail's root page, the coordinators
    group...) that the transactional flush of the previous live-server test removed."""
    call_command("load_demo", stdout=io.StringIO())
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
