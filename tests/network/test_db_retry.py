"""network.db_retry: which errors are retried, how often, what is logged (no database
needed except for the open-transaction case; the real deadlock is in
tests/credits/test_deadlocks.py)."""

import logging

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, transaction

from network.db_retry import db_error_sqlstate, db_retry, is_retryable_db_error


def django_error(driver_error: Exception, cls=OperationalError) -> Exception:
    """What Django raises: its own class, with the driver's error as the cause."""
    try:
        try:
            raise driver_error
        except Exception as exc:
            raise cls(str(exc)) from exc
    except Exception as wrapped:
        return wrapped


def deadlock() -> Exception:
    return django_error(psycopg.errors.DeadlockDetected("deadlock detected"))


def serialization_failure() -> Exception:
    return django_error(psycopg.errors.SerializationFailure("could not serialize access"))


class Flaky:
    """Raises the given errors on the first calls, then returns the call count."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return (self.calls, args, kwargs)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr("network.db_retry.time.sleep", slept.append)
    return slept


def test_the_sqlstate_comes_from_the_driver_error():
    assert db_error_sqlstate(deadlock()) == "40P01"
    assert db_error_sqlstate(serialization_failure()) == "40001"
    assert db_error_sqlstate(OperationalError("no cause")) is None


def test_only_deadlocks_and_serialization_failures_are_retryable():
    assert is_retryable_db_error(deadlock())
    assert is_retryable_db_error(serialization_failure())
    assert not is_retryable_db_error(django_error(psycopg.errors.QueryCanceled("timeout")))
    assert not is_retryable_db_error(OperationalError("server closed the connection"))
    # The same SQLSTATE under another Django class is not what the decorator catches.
    assert not is_retryable_db_error(
        django_error(psycopg.errors.DeadlockDetected("x"), cls=IntegrityError))


def test_a_deadlock_on_the_first_attempt_succeeds_on_the_second(caplog, no_sleep):
    flaky = Flaky(deadlock())
    with caplog.at_level(logging.WARNING, logger="network.db_retry"):
        result = db_retry(flaky)("a", key="b")
    assert result == (2, ("a",), {"key": "b"})
    assert flaky.calls == 2
    assert len(no_sleep) == 1 and 0 <= no_sleep[0] <= 0.1
    assert [r.getMessage() for r in caplog.records] == [
        "tests.network.test_db_retry.Flaky: database error 40P01 on attempt 1 of 3; retrying"]


def test_after_the_last_attempt_the_error_is_raised_as_it_came(caplog):
    errors = [deadlock(), serialization_failure(), deadlock()]
    flaky = Flaky(*errors)
    with caplog.at_level(logging.WARNING, logger="network.db_retry"), \
            pytest.raises(OperationalError) as raised:
        db_retry(flaky)()
    assert raised.value is errors[2]
    assert flaky.calls == 3
    assert [r.getMessage() for r in caplog.records] == [
        "tests.network.test_db_retry.Flaky: database error 40P01 on attempt 1 of 3; retrying",
        "tests.network.test_db_retry.Flaky: database error 40001 on attempt 2 of 3; retrying"]


def test_the_number_of_attempts_is_bounded_by_the_argument():
    flaky = Flaky(deadlock(), deadlock(), deadlock(), deadlock())
    assert db_retry(attempts=5)(flaky)()[0] == 5
    with pytest.raises(ValueError):
        db_retry(attempts=0)


def test_other_errors_are_not_retried(caplog):
    for error in (OperationalError("server closed the connection"), ValueError("bad input"),
                  django_error(psycopg.errors.UniqueViolation("dup"), cls=IntegrityError)):
        flaky = Flaky(error)
        with pytest.raises(type(error)):
            db_retry(flaky)()
        assert flaky.calls == 1
    assert caplog.records == []


@pytest.mark.django_db
def test_inside_an_open_transaction_nothing_is_retried():
    """Only whoever opened the transaction can run it again: the aborted transaction
    cannot go on, so a retry in the middle of it would only fail again."""
    flaky = Flaky(deadlock())
    with transaction.atomic(), pytest.raises(OperationalError):
        db_retry(flaky)()
    assert flaky.calls == 1
