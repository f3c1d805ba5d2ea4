"""Background work of the events app, as django-tasks tasks (the backport of Django 6's
`django.tasks`): the e-mails to registered people and the settlement of started events.

A task takes ids and plain values, never model objects: it may run seconds later in another
process (the database backend's `db_worker`), so it re-reads the rows and does nothing when
a row vanished or no longer says what the e-mail would tell (a "you are registered" for a
registration that was cancelled meanwhile, an "event changed" for a change that a later
publication superseded).

`events.services` asks for e-mails through `registration_notify_on_commit` and
`event_change_notify_on_commit`: the task is enqueued only when the transaction commits, so
nothing leaves for a change that was rolled back. A change to an event with many registrants
enqueues ONE task (`event_change_notify`) which fans out one e-mail task per registrant when
it runs: the organiser's publish request writes one task row, whatever the number of people,
and one bad address or a mail-server hiccup fails one person's task, not everyone's.

`notifications_silenced()` is the switch for data that is not a real sign-up (the demo).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import router, transaction
from django.utils import translation
from django_tasks import task
from django_tasks.base import Task
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from network.db_retry import db_retry
from network.mail import mail_language

from . import emails
from .models import ACTIVE_STATES, SEAT_STATES, EventPage, Registration, RegistrationState
from .rows import row_insert

logger = logging.getLogger(__name__)

FAN_OUT_PRIORITY = -10

#: kind of e-mail -> the registration states in which it is still true when the task runs
KIND_STATES: dict[str, tuple[str, ...]] = {
    "confirmed": tuple(SEAT_STATES),
    "promoted": tuple(SEAT_STATES),
    "waitlisted": (RegistrationState.WAITLISTED,),
    "cancelled": (RegistrationState.CANCELLED,),
    "payment_failed": (RegistrationState.CANCELLED,),
    "event_changed": tuple(ACTIVE_STATES),
    "event_cancelled": tuple(ACTIVE_STATES),
    "ticket_reissued": tuple(SEAT_STATES),
    # Sent by events.reminders under the registration's lock, never through these tasks.
    "reminder": (RegistrationState.CONFIRMED,),
}

_silenced: ContextVar[bool] = ContextVar("events_notifications_silenced", default=False)


@contextmanager
def notifications_silenced() -> Iterator[None]:
    """Inside this block the services enqueue no e-mail to registered people (demo data,
    benchmarks). The switch is read when a service asks to notify, not at commit, so it
    also covers an outer transaction that commits after the block ends. It is a ContextVar:
    only the current thread (or asyncio task) is silenced, never a request served meanwhile.
    """
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def notifications_are_silenced() -> bool:
    return _silenced.get()


def _language() -> str:
    # The e-mail is written in the language the person (or organiser) was using.
    return translation.get_language() or settings.LANGUAGE_CODE


def queued_in_this_transaction(task_: Task) -> bool:
    """Whether `task_` is stored by the database backend (django-tasks-db) in the database
    the current transaction writes to: enqueued now, its row commits or rolls back with the
    change it tells about, so an e-mail is never lost once the change is committed, nor
    sent for a change that was rolled back (the worker sees the row only after the commit)."""
    connection = transaction.get_connection()
    return (isinstance(task_.get_backend(), DatabaseBackend) and connection.in_atomic_block
            and router.db_for_write(DBTaskResult) == connection.alias)


def database_task_row(task_: Task, *args) -> DBTaskResult:
    """The row `task_.enqueue(*args)` stores with django-tasks-db's backend (the same row,
    which its `db_worker` runs), unsaved: `database_enqueue` writes it, or a caller writes
    it in the round trip of its own INSERT (`events.rows.rows_insert`). The task was
    checked by its backend when it was declared; the backend's `task_enqueued` signal is
    not sent (django-tasks only logs it, at DEBUG level).
    tests/events/test_registration_queries.py compares the row with the backend's own."""
    backend = task_.get_backend()
    return DBTaskResult(
        id=backend._get_id(), args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task_.priority, task_path=task_.module_path, queue_name=task_.queue_name,
        run_after=task_.run_after or get_date_max(), backend_name=backend.alias)


def database_enqueue(task_: Task, *args) -> None:
    """Store what `task_.enqueue(*args)` stores with django-tasks-db's backend
    (`queued_in_this_transaction(task_)` must hold), written by one fixed INSERT
    (`events.rows.row_insert`) in the current transaction: the ORM's create and the
    TaskResult built from it were most of a registration's Python time after the lock."""
    row_insert(database_task_row(task_, *args))


def registration_notify_row(kind: str, registration: Registration) -> DBTaskResult | None:
    """`registration_notify_on_commit`, except that the task row to write in the current
    transaction (production's database queue) is returned, unsaved, for the caller to
    INSERT with its own rows; None when there is nothing to write (silenced, or another
    backend: then enqueued when the transaction commits). `registration` must have its id.
    Raises ValueError for an unknown kind."""
    if kind not in KIND_STATES:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    if notifications_are_silenced():
        return None
    registration_pk, language = registration.pk, _language()
    if queued_in_this_transaction(registration_notify):
        return database_task_row(registration_notify, kind, registration_pk, language)

    def enqueue() -> None:  # a named function: Django logs a robust callback by its name
        registration_notify.enqueue(kind, registration_pk, language)

    transaction.on_commit(enqueue, robust=True)
    return None


def registration_notify_on_commit(kind: str, registration: Registration) -> None:
    """Enqueue the `kind` e-mail for `registration` with the current transaction: in it,
    when the queue is a table of the same database (production's django-tasks-db: the task
    row commits with the registration, one INSERT, see `queued_in_this_transaction`), else
    when it commits. Raises ValueError for an unknown kind (at once, not in the worker).
    With another backend, a failure to enqueue after the commit is logged and never turns
    the committed change into an error page (`robust=True`)."""
    task_row = registration_notify_row(kind, registration)
    if task_row is not None:
        row_insert(task_row)


def event_change_notify_on_commit(event: EventPage) -> None:
    """When the current transaction commits, enqueue the fan-out of the "event changed" (or
    "event cancelled") e-mails for `event` at its current SEQUENCE."""
    if notifications_are_silenced():
        return
    event_pk, sequence, language = event.pk, event.sequence, _language()

    def enqueue() -> None:
        event_change_notify.enqueue(event_pk, sequence, language)

    transaction.on_commit(enqueue, robust=True)


def registration_notify_prepared_on_commit(kind: str, registration: Registration) -> None:
    """Build the `kind` e-mail for `registration` NOW and send it by a task once the current
    transaction commits: for news whose subject is about to vanish (an event being deleted),
    which a task could no longer re-read."""
    if kind not in KIND_STATES:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    if notifications_are_silenced():
        return
    data = emails.registration_email_prepare(kind, registration)
    if data is None:
        return

    def enqueue() -> None:
        prepared_email_send.enqueue(data)

    transaction.on_commit(enqueue, robust=True)


@task()
def prepared_email_send(data: dict) -> None:
    """Send an e-mail built beforehand by `emails.registration_email_prepare`."""
    emails.prepared_email_send(data)


@task()
def registration_notify(kind: str, registration_pk: int, language: str,
                        sequence: int | None = None) -> bool:
    """Send the `kind` e-mail for one registration, re-read now. Returns whether it was sent:
    not when the registration is gone, its state no longer matches the kind, or (for event
    changes, `sequence` given) the event has been changed again since. Raises ValueError
    for an unknown kind; a mail-server error fails the task (nothing to undo: the change it
    reports is committed)."""
    if kind not in KIND_STATES:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    registration = (Registration.objects.select_related("event", "user")
                    .filter(pk=registration_pk).first())
    if registration is None:
        logger.info("%s e-mail not sent: registration %s is gone", kind, registration_pk)
        return False
    if registration.state not in KIND_STATES[kind]:
        logger.info("%s e-mail not sent: registration %s is now %s", kind, registration_pk,
                    registration.state)
        return False
    if sequence is not None and registration.event.sequence != sequence:
        logger.info("%s e-mail not sent: event %s changed again", kind, registration.event_id)
        return False
    # The member's chosen e-mail language wins over the one they were browsing in.
    user = registration.user if registration.user_id else None
    with translation.override(mail_language(user, language)):
        return emails.registration_email_send(kind, registration)


@task()
def event_change_notify(event_pk: int, sequence: int, language: str) -> int:
    """Fan out: enqueue one `registration_notify` per active registration of the event,
    "event_cancelled" when it is cancelled now, "event_changed" otherwise. Nothing when the
    event is gone or its SEQUENCE moved on (the later change has its own fan-out, which tells
    the latest state once). Returns the number of e-mail tasks enqueued."""
    event = EventPage.objects.filter(pk=event_pk).only("sequence", "status").first()
    if event is None or event.sequence != sequence:
        return 0
    kind = "event_cancelled" if event.is_cancelled else "event_changed"
    registrations = list(Registration.objects.filter(event_id=event_pk, state__in=ACTIVE_STATES)
                         .order_by("pk").values_list("pk", flat=True))
    # Below the default priority: a confirmation for someone registering now does not
    # wait behind the e-mails of a large event's change.
    notify = registration_notify.using(priority=FAN_OUT_PRIORITY)
    for registration_pk in registrations:
        notify.enqueue(kind, registration_pk, language, sequence)
    return len(registrations)


@task()
@db_retry
def event_settle_started_periodic() -> int:
    """The periodic job (see `manage.py enqueue_periodic_tasks`): post the credit holds of
    paid events that started. Idempotent (so `db_retry` may run it again after a deadlock).
    Returns the number of holds posted."""
    # Imported here because events.services imports this module to enqueue e-mails.
    from .services import event_settle_started

    return event_settle_started()
