"""A bounded retry of a whole transaction that PostgreSQL aborted to break a deadlock or a
serialization conflict.

Used at the edges that call services (views, admin actions, management commands, tasks),
never inside a service: a transaction that the database aborted can only be run again as a
whole, from its start. It is safe there because nothing of the aborted attempt was kept (the
database rolled it back, e-mails wait for the commit) and every credit movement carries an
idempotency key, so an attempt that did commit is never recorded twice.

The services take their row locks in one global order (see credits.services.ledger), so a
deadlock between them should not happen at all; this retry is the second line of defence
for what the order does not cover (e.g. a future service that forgets it, a lock taken by
Wagtail or by an administrator's SQL session).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

logger = logging.getLogger(__name__)

#: SQLSTATEs worth running the transaction again for: deadlock_detected, serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
BACKOFF_SECONDS = 0.05

P = ParamSpec("P")
R = TypeVar("R")


def db_error_sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of the driver error behind a Django database error, if there is one."""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def is_retryable_db_error(exc: BaseException) -> bool:
    """Whether `exc` is PostgreSQL aborting the transaction for a deadlock or a
    serialization failure (the only errors that running the same transaction again fixes)."""
    return isinstance(exc, OperationalError) and db_error_sqlstate(exc) in RETRYABLE_SQLSTATES


def db_retry(func: Callable[P, R] | None = None, *, attempts: int = ATTEMPTS,
             backoff: float = BACKOFF_SECONDS, using: str = DEFAULT_DB_ALIAS):
    """Decorate an edge (a view, an admin action, a command's handle, a task) so that a
    deadlock or serialization failure runs it again, at most `attempts` times in all.

    Guarantees: each retry is logged (warning, logger ``network.db_retry``) with the
    function, the attempt and the SQLSTATE; between attempts it sleeps a random time up to
    ``backoff * 2**attempt`` seconds, so two victims do not collide again in step; after the
    last attempt the error is raised as it came. Any other exception passes through at
    once. When called inside an open transaction (``atomic`` block on `using`) it runs the
    function once and retries nothing: only whoever opened the transaction can rerun it.

    Usable bare (``@db_retry``) or with arguments (``@db_retry(attempts=5)``).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        name = (f"{getattr(function, '__module__', '?')}."
                f"{getattr(function, '__qualname__', type(function).__qualname__)}")

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if connections[using].in_atomic_block:
                return function(*args, **kwargs)
            for attempt in range(1, attempts):
                try:
                    return function(*args, **kwargs)
                except OperationalError as exc:
                    if not is_retryable_db_error(exc):
                        raise
                    logger.warning("%s: database error %s on attempt %d of %d; retrying",
                                   name, db_error_sqlstate(exc), attempt, attempts)
                    time.sleep(random.uniform(0, backoff * 2 ** attempt))
            return function(*args, **kwargs)

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
