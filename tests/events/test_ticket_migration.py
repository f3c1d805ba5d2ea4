"""The ticket migration (events 0004) gives every registration that existed before it a
fresh, distinct, unguessable ticket code."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from events import services, tickets
from network.pagecache.triggers import triggers_install, triggers_uninstall
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("events", "0003_calendar_token")]
AFTER = [("events", "0004_tickets_checkin")]


def migrate(targets):
    # As `manage.py migrate` does (pre_migrate): without the page cache's triggers.
    triggers_uninstall(connection)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Whatever happens, leave the database at the latest migrations: later transactional
    tests on this worker need the columns added after 0004."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    triggers_install(connection)


def test_existing_registrations_get_distinct_codes_when_migrating_forward(site_tree):
    event = publish_event(space_in(site_tree), capacity=2)
    pks = [services.registration_create(event, user=UserFactory()).pk for _ in range(3)]

    migrate(BEFORE)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(
            cursor, "events_registration")]
    assert "ticket_code" not in columns
    migrate(AFTER)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ticket_code FROM events_registration WHERE id IN (%s, %s, %s)",
                       pks)
        codes = dict(cursor.fetchall())
    assert sorted(codes) == sorted(pks)
    assert len(set(codes.values())) == 3
    assert all(tickets.ticket_code_parse(code) == code and len(code) == 24
               for code in codes.values())
