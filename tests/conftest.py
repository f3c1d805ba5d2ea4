"""Fixtures shared by the whole suite. App-specific factories live in tests/<app>/factories.py."""

import os

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update

from home.services import SiteTree, site_tree_ensure
from tests import db_snapshot


def _runs_in_a_transaction(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool((marker and marker.kwargs.get("transaction"))
                or "transactional_db" in fixtures or "live_server" in fixtures)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`postgres` tests need real row locks: they run in the PostgreSQL pass only.

    Every transactional test must also restore the migrations' data
    (serialized_rollback=True): a plain one flushes with post_migrate, which
    recreates content types that the next serialized test then restores again."""
    from django.conf import settings

    for item in items:
        marker = item.get_closest_marker("django_db")
        if (marker and marker.kwargs.get("transaction")
                and not marker.kwargs.get("serialized_rollback")):
            raise pytest.UsageError(
                f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)")

    # Django's order, enforced last: every test in a rolled-back transaction first, then the
    # transactional ones. A transactional test ends with a flush that leaves the tables
    # empty (its data comes back at the start of the next transactional test), so a plain
    # test after it would find no content types.
    items.sort(key=_runs_in_a_transaction)

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    # `make test` says when its PostgreSQL pass follows: the `strictest_db` tests (the
    # fuzz walk, the demo's content) then run there only, once.
    strictest_later = os.environ.get("ESPRESSO_POSTGRES_PASS_FOLLOWS") == "1"
    skip = pytest.mark.skip(reason="runs in the PostgreSQL pass of `make test`")
    for item in items:
        if "postgres" in item.keywords or (strictest_later and "strictest_db" in item.keywords):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def page_cache_empty():
    """Each test starts with an empty cache: pages cached by an earlier test (under a content
    version that a rolled-back test database can show again) never leak into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def wagtail_indexes_off(request):
    """Saving a page does not update Wagtail's search index and reference index, unless the
    test asks for `wagtail_indexes`.

    Each save of a page runs both (three saves per published page), which was a sixth of
    the time of the tests that publish pages, and only search and "where is this used"
    read them. Data built by class- and session-scoped fixtures (the demo) is indexed, and
    deleting still removes an object from the search index."""
    if "wagtail_indexes" in request.fixturenames:
        yield
        return
    models = [model for model in index.get_indexed_models()
              if getattr(model, "search_auto_update", True)]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


@pytest.fixture
def wagtail_indexes() -> None:
    """Saves in this test update Wagtail's search and reference indexes, as in production
    (where a task worker does it): for tests of search and of "where is this used"."""


@pytest.fixture(autouse=True)
def language_restored():
    """Each test ends in the default language: a request in Italian leaves the thread's
    language active after the response (LocaleMiddleware does not reset it), which would
    otherwise turn the next test's strings Italian."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings, django_db_blocker) -> bool:
    """Under xdist on PostgreSQL (and unless `--reuse-db` keeps a database of its own), each
    worker's test database is a copy of one migrated template (tests/db_snapshot.py).
    Returns whether it is."""
    if (not hasattr(request.config, "workerinput")
            or request.config.getvalue("reuse_db") or connection.vendor != "postgresql"):
        return False
    with django_db_blocker.unblock():
        return db_snapshot.worker_database_from_template(connection)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings) -> bool:
    """pytest-django's (`--reuse-db`), and also when the worker's database was copied from
    the migrated template: Django then only checks that every migration is applied."""
    return bool(request.config.getvalue("reuse_db") or django_db_modify_db_settings)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each test database starts with the page tree of a fresh instance, built once.

    Nearly every test needs the tree, and building it (six Wagtail pages with their
    revisions and index entries) cost each test about a tenth of a second. It is committed
    once per test database, and the copy that transactional tests restore
    (serialized_rollback) is taken again so that they start from the same tree (on
    PostgreSQL also as tables, restored in one round trip: tests/db_snapshot.py)."""
    from django.db import connections

    with django_db_blocker.unblock():
        tree = site_tree_ensure()
        _SITE_TREE_PAGES.update({name: (type(page), page.pk)
                                 for name, page in vars(tree).items()})
        for alias in connections:
            connection_ = connections[alias]
            if hasattr(connection_, "_test_serialized_contents"):
                connection_._test_serialized_contents = (
                    connection_.creation.serialize_db_to_string())
                db_snapshot.snapshot_take(connection_)
    db_snapshot.fast_restore_install()
    yield
    db_snapshot.fast_restore_uninstall()


#: The tree `django_db_setup` built: field of SiteTree -> (page class, primary key).
_SITE_TREE_PAGES: dict[str, tuple[type, int]] = {}


@pytest.fixture
def site_tree(db) -> SiteTree:
    """The page tree of a fresh instance: home, spaces, events, members, format (built
    once per test database by `django_db_setup`; this fetches its five pages by key).

    `site_tree_ensure()` itself checks the locales, the root, the coordinators group and
    its permissions on every call (~70 queries, most of a simple test's set-up); it runs
    here only if a test before emptied the tree without restoring it."""
    pages = {name: model.objects.filter(pk=pk).first()
             for name, (model, pk) in _SITE_TREE_PAGES.items()}
    if not pages or None in pages.values():
        return site_tree_ensure()
    return SiteTree(**pages)


@pytest.fixture(scope="class")
def class_transaction(django_db_setup, django_db_blocker):
    """One transaction around all the tests of a class, rolled back after the last one.

    For data that is costly to build and that the tests only read (the demo network): a
    class-scoped fixture that depends on this one builds it once for the class. Each test
    still runs in its own savepoint inside (pytest-django's `db`), so what a test writes is
    gone before the next starts, and tests outside the class never see the data. Only for
    tests that use plain `db`: a transactional test cannot run inside an open transaction.
    (Outside a class, pytest runs a class-scoped fixture per test.)"""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session", autouse=True)
def ledger_flush_through_append_only_trigger():
    """Transactional tests end with `flush`. On PostgreSQL that is TRUNCATE, which the
    row-level append-only trigger of credits_transfer does not see; on SQLite it is
    DELETE, which the trigger refuses. Let only that flush through: drop the DELETE
    trigger, empty the tables, recreate it (one transaction: SQLite rolls back DDL)."""
    import importlib

    if connection.vendor != "sqlite":
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class
    triggers = importlib.import_module("credits.migrations.0003_transfer_append_only")
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "credits_transfer" not in tables or not statements:
            return statements
        return [triggers.SQLITE_DROP_DELETE_TRIGGER, *statements,
                triggers.SQLITE_CREATE_DELETE_TRIGGER]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original
