"""A registration costs a handful of queries whatever the event's size (issue 11: at most 6):
lock the member and the event (one statement), one tally of its registrations, insert; the
e-mail's task row in the same transaction with production's database queue, else after
the commit."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from events.exceptions import RegistrationInvalid
from events.models import Registration, RegistrationState
from events.services import registration_create
from tests.events.discovery_factories import fill_event
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree), capacity=3)


def test_a_confirmed_registration_takes_at_most_six_queries(event, django_assert_max_num_queries):
    fill_event(event, confirmed=2)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.CONFIRMED


def test_joining_the_waiting_list_takes_at_most_six_queries(event,
                                                            django_assert_max_num_queries):
    fill_event(event, confirmed=3, waitlisted=4)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.WAITLISTED
    assert registration.waitlist_position == 5


def test_registering_again_returns_the_same_registration_within_six_queries(
        event, django_assert_max_num_queries):
    user = UserFactory()
    first = registration_create(event, user=user)
    with django_assert_max_num_queries(6):
        again = registration_create(event, user=user)
    assert again.pk == first.pk


def test_a_guest_registration_takes_at_most_six_queries(site_tree,
                                                        django_assert_max_num_queries):
    event = publish_event(space_in(site_tree), capacity=10, guests_allowed=True)
    with django_assert_max_num_queries(6):
        registration = registration_create(event, guest_name="Zoë O'Brien ☕",
                                           guest_email="Zoe@Example.org")
    assert registration.guest_email == "zoe@example.org"


@pytest.fixture
def database_queue(settings):
    """Production's queue: django-tasks-db's table in the same database."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _notify_rows() -> list[list]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(
        task_path="events.tasks.registration_notify")]


def test_with_the_database_queue_the_email_task_is_written_in_the_same_transaction(
        event, database_queue, django_assert_max_num_queries):
    """Lock (member and event), tally, insert, the task's row: within six queries with
    BEGIN and COMMIT, and the e-mail is in the queue as soon as the registration commits."""
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    # The test's own transaction never commits: the row is there before any commit.
    assert _notify_rows() == [["confirmed", registration.pk, "en"]]


def test_with_the_database_queue_a_rolled_back_registration_leaves_no_task(event,
                                                                           database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        registration_create(event, user=UserFactory())
        raise RuntimeError("boom")
    assert _notify_rows() == []
    assert not Registration.objects.filter(event=event).exists()


def test_an_inactive_member_is_refused_by_the_lock_and_nothing_is_queued(event,
                                                                        database_queue):
    user = UserFactory(is_active=False)
    with pytest.raises(RegistrationInvalid, match="not active"):
        registration_create(event, user=user)
    assert _notify_rows() == []
