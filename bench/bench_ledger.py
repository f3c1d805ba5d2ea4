"""Ledger throughput: transfers per second through `credits.services.transfer_post` with 8
concurrent threads on PostgreSQL, (a) spread over 1,000 accounts and (b) all touching one
hot account; and the same work as raw SQL through psycopg (INSERT the transfer, then the
two F()-style UPDATEs in ascending account id order, in one transaction) as the baseline.

Each scenario runs for SECONDS seconds; the figure is transfers committed per second.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable

THREADS = 8
ACCOUNTS = 1000
SECONDS = 6.0


def _accounts(run: str) -> list[int]:
    """1,000 member accounts with a large overdraft limit, so no transfer is refused."""
    from django.contrib.auth import get_user_model

    from credits.models import Account

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-{run}-{i}", email=f"bench-{run}-{i}@example.org")
         for i in range(ACCOUNTS)])
    accounts = Account.objects.bulk_create(
        [Account(kind="member", user=user, name=user.username, limit=10**11) for user in users])
    return [a.pk for a in accounts]


def _threads(work: Callable[[random.Random, float], int]) -> float:
    """Run `work(rng, deadline)` in THREADS threads released together; transfers per second."""
    barrier = threading.Barrier(THREADS + 1)
    counts = [0] * THREADS

    def worker(index: int) -> None:
        rng = random.Random(index)
        barrier.wait()
        counts[index] = work(rng, deadline[0])

    deadline = [0.0]
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + SECONDS
    start = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def _pairs(accounts: list[int], hot: int | None) -> Callable[[random.Random], tuple[int, int]]:
    def pick(rng: random.Random) -> tuple[int, int]:
        if hot is not None:
            other = rng.choice(accounts)
            return (other, hot) if rng.random() < 0.5 else (hot, other)
        debit, credit = rng.sample(accounts, 2)
        return debit, credit

    return pick


def _service_work(accounts: list[int], hot: int | None):
    from django.db import connection

    from credits.models import Account
    from credits.services import transfer_post

    by_pk = {a.pk: a for a in Account.objects.filter(pk__in=[*accounts, *([hot] if hot else [])])}
    pick = _pairs(accounts, hot)

    def work(rng: random.Random, deadline: float) -> int:
        done = 0
        try:
            while time.perf_counter() < deadline:
                debit, credit = pick(rng)
                transfer_post(debit=by_pk[debit], credit=by_pk[credit], amount=1,
                              code="spend_event", idempotency_key=f"bench:{uuid.uuid4()}")
                done += 1
        finally:
            connection.close()
        return done

    return work


def _raw_work(accounts: list[int], hot: int | None):
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    pick = _pairs(accounts, hot)

    def work(rng: random.Random, deadline: float) -> int:
        done = 0
        with psycopg.connect(**params) as conn:
            while time.perf_counter() < deadline:
                debit, credit = pick(rng)
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        "INSERT INTO credits_transfer (id, idempotency_key, request_hash,"
                        " debit_account_id, credit_account_id, amount, code, state, memo,"
                        " created_at, reference, external_reference)"
                        " VALUES (%s, %s, %s, %s, %s, 1, 'spend_event', 'posted', '', now(),"
                        " '', '')",
                        (uuid.uuid4(), f"raw:{uuid.uuid4()}", "0" * 64, debit, credit))
                    for pk, column in sorted([(debit, "debits_posted"),
                                              (credit, "credits_posted")]):
                        cur.execute(f"UPDATE credits_account SET {column} = {column} + 1"
                                    " WHERE id = %s", (pk,))
                done += 1
        return done

    return work


def run() -> list[dict]:
    from django.db import connection

    from bench.figures import at_least, figure
    from credits.services import account_network

    if connection.vendor != "postgresql":
        return [{"name": "ledger transfers", "note": "needs PostgreSQL: run `make bench`"}]
    run_id = uuid.uuid4().hex[:8]
    accounts = _accounts(run_id)
    hot = account_network("issuance").pk
    rows = []
    for label, hot_account in (("1,000 accounts", None), ("one hot account", hot)):
        service = _threads(_service_work(accounts, hot_account))
        raw = _threads(_raw_work(accounts, hot_account))
        note = f"{THREADS} threads, {SECONDS:.0f}s each; service/raw = {service / raw:.2f}"
        rows.append({"name": f"ledger service, {label}", "per_second": round(service),
                     "note": note})
        rows.append({"name": f"ledger raw psycopg, {label}", "per_second": round(raw)})
        goal, met = at_least(service / raw, 0.5)
        rows.append(figure(f"ledger transfers, {label}, per s", f"{service:.0f}/s",
                           ratio=service / raw, baseline=f"raw psycopg {raw:.0f}/s", goal=goal,
                           met=met))
    connection.close()
    return rows
