"""Deterministic lock interleavings on PostgreSQL for the deadlock tests.

Instead of hoping that threads meet in the wrong order, a test stages them: a `Holder`
thread keeps some rows locked so that a service stops exactly where the test wants it (in
the middle of its transaction, its earlier locks held); `wait_until_blocked` watches
pg_stat_activity until a thread waits on a lock; then the holder lets go and the
transactions meet in the order the test chose. Each thread uses (and closes) its own
database connection.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connection, transaction

from network.db_retry import db_error_sqlstate

TIMEOUT = 30.0


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def set_deadlock_timeout(value: str) -> None:
    """How long this session waits on a lock before it looks for a deadlock (superuser
    only, as the test cluster's user is). Of two transactions in a cycle, the one whose
    check runs first once the cycle exists is the one PostgreSQL aborts: giving one side a
    long timeout makes the other the victim."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('deadlock_timeout', %s, false)", [value])


class Worker(threading.Thread):
    """Runs `work()` in its own thread and connection; keeps its result or its error."""

    def __init__(self, work: Callable[[], Any], name: str, *,
                 deadlock_timeout: str | None = None) -> None:
        super().__init__(name=name, daemon=True)
        self.work = work
        self.deadlock_timeout = deadlock_timeout
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            if self.deadlock_timeout:
                set_deadlock_timeout(self.deadlock_timeout)
            self.pid = _backend_pid()
            self.connected.set()
            self.result = self.work()
        except Exception as exc:  # asserted on by the test
            self.error = exc
        finally:
            self.connected.set()
            connection.close()

    def finish(self) -> None:
        self.join(TIMEOUT)
        assert not self.is_alive(), f"{self.name} did not finish within {TIMEOUT} s"


class Holder(threading.Thread):
    """Holds `FOR UPDATE` locks on rows (`sql` selecting them, with `params`) until
    `release()`; then ends its transaction without changing anything."""

    def __init__(self, sql: str, params: list) -> None:
        super().__init__(name="holder", daemon=True)
        self.sql, self.params = sql, params
        self.locked, self.released = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(self.sql, self.params)
                cursor.fetchall()
                self.locked.set()
                self.released.wait(TIMEOUT)
        except Exception as exc:
            self.error = exc
        finally:
            self.locked.set()
            connection.close()

    def __enter__(self) -> Holder:
        self.start()
        self.locked.wait(TIMEOUT)
        assert self.error is None, self.error
        return self

    def release(self) -> None:
        self.released.set()
        self.join(TIMEOUT)

    def __exit__(self, *exc_info) -> None:
        self.release()


def registration_rows_held(*registrations) -> Holder:
    """A holder of the rows of these registrations (a promotion that reaches one stops)."""
    return Holder("SELECT id FROM events_registration WHERE id = ANY(%s) FOR UPDATE",
                  [[r.pk for r in registrations]])


def account_rows_held(*accounts) -> Holder:
    return Holder("SELECT id FROM credits_account WHERE id = ANY(%s) FOR UPDATE",
                  [[a.pk for a in accounts]])


def waiting_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def start_until_blocked(worker: Worker) -> Worker:
    """Start `worker` and return once its transaction waits on a row lock."""
    worker.start()
    worker.connected.wait(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if not worker.is_alive():
            raise AssertionError(f"{worker.name} finished instead of waiting on a lock: "
                                 f"{worker.error!r}")
        if waiting_on_lock(worker.pid):
            return worker
        time.sleep(0.01)
    raise AssertionError(f"{worker.name} never waited on a lock")


def is_deadlock(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError) and db_error_sqlstate(exc) == "40P01"


def deadlock_once(monkeypatch, module, name: str) -> list[int]:
    """Make `module.name` raise a deadlock error on its first call only (the driver's
    DeadlockDetected wrapped by Django, as PostgreSQL's would come), then behave as
    usual. Returns the list of calls, to count them."""
    import psycopg.errors

    real, calls = getattr(module, name), []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            try:
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            except psycopg.errors.DeadlockDetected as exc:
                raise OperationalError("deadlock detected") from exc
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


LOCK_CLAUSE = re.compile(r' FOR (?:NO KEY )?UPDATE(?: OF (?P<of>.+?))?(?: NOWAIT| SKIP LOCKED)?$')
FROM_TABLE = re.compile(r' FROM "(?P<table>\w+)"')
#: Rows that the services lock before any account, never after one.
BEFORE_ACCOUNTS = ("events_eventpage", "credits_daypass")
#: events.services.common.lock_event_for_registration(member=...): the member's user row,
#: locked by a sub-select of the statement that locks the event (its id is the first
#: parameter).
MEMBER_SUBSELECT = '(SELECT 1 FROM "auth_user" WHERE id = %s AND is_active FOR NO KEY UPDATE)'


class LockOrderRecorder:
    """Records, for the transactions run inside `with connection.execute_wrapper(recorder)`,
    the order in which rows are locked, and says where the rule of credits.services.ledger
    ("Lock order") is broken: an account row locked after an account row with a higher id,
    or an event or day-pass row locked after an account row. Row ids are read from the
    statements' integer parameters (the services lock by primary key)."""

    def __init__(self) -> None:
        self.held: dict[str, set[int]] = {}
        self.violations: list[str] = []
        self.account_order: list[int] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        # One execute may send several statements (a registration's lock and its tally,
        # events.services.common.lock_event_for_registration): each with its parameters.
        params = list(params or [])
        for statement in sql.split("; "):
            count = statement.count("%s")
            self.record(statement, params[:count])
            params = params[count:]
        return result

    def record(self, sql: str, params: list) -> None:
        ids = [p for p in params if isinstance(p, int) and not isinstance(p, bool)]
        if sql.startswith('UPDATE "credits_account"'):
            self.lock("credits_account", ids[-1:])
            return
        match = LOCK_CLAUSE.search(sql)
        if not sql.startswith("SELECT") or match is None:
            return
        if MEMBER_SUBSELECT in sql:
            self.lock("auth_user", ids[:1])
            ids = ids[1:]
        if match.group("of"):
            tables = re.findall(r'"(\w+)"', match.group("of"))
        else:
            tables = [FROM_TABLE.search(sql).group("table")]
        for table in tables:
            self.lock(table, ids)

    def lock(self, table: str, ids: list[int]) -> None:
        held = self.held.setdefault(table, set())
        new = sorted(set(ids) - held)
        accounts = self.held.get("credits_account", set())
        if table == "credits_account":
            for pk in new:
                if accounts and pk < max(accounts):
                    self.violations.append(
                        f"account {pk} locked after account {max(accounts)}")
                self.account_order.append(pk)
                accounts.add(pk)
        elif table in BEFORE_ACCOUNTS and new and accounts:
            self.violations.append(f"{table} {new} locked after accounts {sorted(accounts)}")
        held.update(new)


def lock_order_of(work: Callable[[], Any]) -> LockOrderRecorder:
    """Run `work` (one service call: one transaction) and record its lock order."""
    recorder = LockOrderRecorder()
    with connection.execute_wrapper(recorder):
        work()
    return recorder
