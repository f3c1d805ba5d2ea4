"""Periodic jobs: the settlement of started events is a task, and `enqueue_periodic_tasks`
(django-tasks has no scheduler) enqueues it on its schedule, never piling copies up."""

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult

from credits import services as credits
from credits.selectors import transfers_for_reference
from events import payments, services, tasks
from events.models import EventPage
from home.management.commands.enqueue_periodic_tasks import (
    periodic_schedule,
    periodic_tasks_enqueue_due,
)
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTLE = "events.tasks.event_settle_started_periodic"
#: every periodic task of settings.PERIODIC_TASKS, in its order
EVERY = [SETTLE, "events.reminders.reminders_send_periodic",
         "events.following.tasks.digests_send_periodic",
         "events.programme.tasks.programme_phases_catch_up_periodic",
         "events.federation.tasks.subscriptions_sync_periodic",
         "events.questions.sensitive_answers_erase_periodic",
         "events.messaging.tasks.message_deliveries_resume_periodic",
         "events.badge_runs.retention.badge_runs_delete_old_periodic"]


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return task_backends["default"]


def paid_registration_of_an_event_that_started(site_tree):
    space = space_in(site_tree)
    event = publish_event(space, price_credits=10)
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=10, code="grant",
                          idempotency_key=f"test-grant-{uuid.uuid4()}")
    registration = services.registration_create(event, user=user)
    EventPage.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    return registration


def test_the_settlement_task_posts_the_holds_of_started_events_once(site_tree):
    registration = paid_registration_of_an_event_that_started(site_tree)
    first = tasks.event_settle_started_periodic.enqueue()  # the immediate backend runs it
    second = tasks.event_settle_started_periodic.enqueue()
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, 1)
    assert (second.status, second.return_value) == (TaskResultStatus.SUCCESSFUL, 0)
    reference = payments.registration_reference(registration)
    assert [t.state for t in transfers_for_reference(reference)] == ["pending", "posted"]


def test_once_enqueues_every_periodic_task_and_exits(queue, capsys, settings):
    expected = list(settings.PERIODIC_TASKS)
    assert set(EVERY) <= set(expected)
    call_command("enqueue_periodic_tasks", "--once")
    assert [r.task.module_path for r in queue.results] == expected
    assert capsys.readouterr().out == "".join(f"Enqueued {path}\n" for path in expected)


def test_each_task_is_enqueued_again_when_its_interval_has_passed(queue, settings):
    schedule = periodic_schedule({SETTLE: 300})
    next_due: dict[str, float] = {}
    assert periodic_tasks_enqueue_due(schedule, next_due, now=1000.0) == [SETTLE]
    assert periodic_tasks_enqueue_due(schedule, next_due, now=1299.0) == []
    assert periodic_tasks_enqueue_due(schedule, next_due, now=1300.0) == [SETTLE]
    assert len(queue.results) == 2


def test_a_run_still_waiting_in_the_database_queue_is_not_enqueued_again(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    schedule = periodic_schedule({SETTLE: 60})
    next_due: dict[str, float] = {}
    assert periodic_tasks_enqueue_due(schedule, next_due, now=0.0) == [SETTLE]
    assert periodic_tasks_enqueue_due(schedule, next_due, now=60.0) == []  # worker is down
    DBTaskResult.objects.filter(task_path=SETTLE).update(status=TaskResultStatus.SUCCESSFUL)
    assert periodic_tasks_enqueue_due(schedule, next_due, now=120.0) == [SETTLE]
    assert DBTaskResult.objects.filter(task_path=SETTLE).count() == 2


@pytest.mark.parametrize("config,message", [
    ({"events.tasks.no_such_task": 60}, "cannot import 'events.tasks.no_such_task'"),
    ({"events.tasks.notifications_silenced": 60}, "is not a task"),
    ({SETTLE: 0}, "needs a whole number of seconds >= 1"),
    ({SETTLE: "300"}, "needs a whole number of seconds >= 1"),
    ({SETTLE: True}, "needs a whole number of seconds >= 1"),
])
def test_a_bad_schedule_is_refused_with_the_entry_named(settings, queue, config, message):
    settings.PERIODIC_TASKS = config
    with pytest.raises(CommandError, match=message):
        call_command("enqueue_periodic_tasks", "--once")
    assert queue.results == []


@pytest.mark.parametrize("tick", ["0", "-1", "100000"])
def test_a_bad_tick_is_refused(tick):
    with pytest.raises(CommandError, match="--tick must be between"):
        call_command("enqueue_periodic_tasks", "--tick", tick)


def test_the_command_stays(site_tree):
    registration = paid_registration_of_an_event_that_started(site_tree)
    call_command("events_settle_started")
    reference = payments.registration_reference(registration)
    assert [t.state for t in transfers_for_reference(reference)] == ["pending", "posted"]
