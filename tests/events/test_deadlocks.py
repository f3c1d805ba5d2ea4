"""No deadlocks between services that move credits (issue 15), on PostgreSQL.

The crossing pairs are staged deterministically (tests/credits/locks.py): a holder keeps
one waiting person's registration row locked, so a cancellation stops in the middle of its
promotion chain with its first payment's account locks held; the other transaction is
started and watched until it waits on a lock; then the holder lets go. With the old order
(each ledger call locking its own accounts, one call after the other: the control runs,
`CREDITS_DISABLE_ACCOUNT_LOCK`) PostgreSQL finds a deadlock every time and aborts one of
them. With every account locked up front in one order, both succeed.
"""

import datetime
import io
import random
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse

from credits import services as credits
from credits.models import Account, DayPass, DayPassState
from credits.selectors import account_balance
from credits.services.daypass import space_today
from events import exceptions, services
from events.models import ACTIVE_STATES, EventPage, EventStatus, Registration, RegistrationState
from tests.credits.features_factories import member_with_credits
from tests.credits.ledger_factories import assert_ledger_sound
from tests.credits.locks import (
    Worker,
    deadlock_once,
    is_deadlock,
    lock_order_of,
    registration_rows_held,
    start_until_blocked,
)
from tests.events.registration_factories import (
    make_organiser,
    publish_event,
    republish,
    space_in,
)
from tests.events.test_concurrency_paid import assert_seats_match_payments

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PRICE = 10
PASS_PRICE = 7
ROUNDS = 3


def account_of(user) -> Account:
    return Account.objects.get(user=user)


def space_account(space) -> Account:
    return credits.account_for_space(space)


def paid_event(space, *, late: bool = False, **fields):
    """A paid event with one seat and a waiting list; with `late`, cancelling it now is
    after the free-cancellation deadline (the hold is posted, not voided)."""
    return publish_event(space, capacity=1, price_credits=PRICE, cancellation_deadline_hours=24,
                         starts_in_days=0.5 if late else 7, **fields)


def day_pass_tomorrow(user, space) -> DayPass:
    return credits.daypass_buy(user, space, space_today(space) + datetime.timedelta(days=1))


def run_staged(held: list[Registration], first, others) -> list[Worker]:
    """Stage the crossing: `first` stops at a held registration row of its promotion chain;
    each of `others` is started once the one before waits on a lock; then the rows are let
    go. Returns the workers, finished."""
    with registration_rows_held(*held):
        workers = [start_until_blocked(Worker(first, "first"))]
        for index, work in enumerate(others):
            workers.append(start_until_blocked(Worker(work, f"other-{index}")))
    for worker in workers:
        worker.finish()
    return workers


def outcome(workers: list[Worker]) -> list[str]:
    """'ok', 'deadlock' or the error's class name, per worker."""
    return ["ok" if w.error is None else "deadlock" if is_deadlock(w.error)
            else type(w.error).__name__ for w in workers]


# --- late cancellation with promotion vs. the promoted person's day-pass refund ----------


def late_cancel_vs_refund(site_tree, title: str):
    """A cancels late (A's hold is posted to the space: A's and the space's accounts locked),
    which promotes B (B's hold placed: B's account) while B refunds a day pass at the same
    space (B's and the space's accounts). B's account comes before the space's."""
    space = space_in(site_tree, title=title, day_pass_price=PASS_PRICE)
    b = member_with_credits(100)
    a = member_with_credits(100)
    event = paid_event(space, late=True)
    seat_a = services.registration_create(event, user=a)
    waiting_b = services.registration_create(event, user=b)
    pass_b = day_pass_tomorrow(b, space)
    assert account_of(b).pk < space_account(space).pk
    assert (seat_a.state, waiting_b.state) == (RegistrationState.CONFIRMED,
                                               RegistrationState.WAITLISTED)
    workers = run_staged(
        [waiting_b],
        lambda: services.registration_cancel(seat_a, actor=a),
        [lambda: credits.daypass_cancel(pass_b, b)])
    return workers, (a, b, space, event, seat_a, waiting_b, pass_b)


def test_late_cancel_with_promotion_and_the_promoted_persons_refund_both_succeed(site_tree):
    events = []
    for n in range(ROUNDS):
        workers, (a, b, space, event, seat_a, waiting_b, pass_b) = late_cancel_vs_refund(
            site_tree, f"Cowo Late {n}")

        assert outcome(workers) == ["ok", "ok"]
        seat_a.refresh_from_db()
        waiting_b.refresh_from_db()
        pass_b.refresh_from_db()
        assert seat_a.state == RegistrationState.CANCELLED
        assert waiting_b.state == RegistrationState.CONFIRMED
        assert pass_b.state == DayPassState.REFUNDED
        assert account_balance(account_of(a)).available == 100 - PRICE
        b_balance = account_balance(account_of(b))
        assert (b_balance.available, b_balance.on_hold) == (100 - PRICE, PRICE)
        assert space_account(space).balance == PRICE
        events.append(event)
    assert_seats_match_payments(events)
    assert_ledger_sound()


def test_control_with_the_old_order_late_cancel_and_refund_deadlock(site_tree, settings):
    """Proves the test above can fail: each ledger call locking its own accounts, one after
    the other, PostgreSQL aborts one of the two every time."""
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    for n in range(ROUNDS):
        workers, _objects = late_cancel_vs_refund(site_tree, f"Cowo Late {n}")
        assert sorted(outcome(workers)) == ["deadlock", "ok"]
    assert_ledger_sound()


# --- void + promote vs. void + promote, crossing between two members ----------------------


def crossing_cancellations(site_tree, title: str):
    """Two events: at the first A has the seat and B waits, at the second the other way
    round. A and B cancel in time at once: each voids their own hold (their account) and
    promotes the other (the other's account)."""
    space = space_in(site_tree, title=title)
    a, b = member_with_credits(100), member_with_credits(100)
    first, second = paid_event(space), paid_event(space)
    a_first = services.registration_create(first, user=a)
    b_waits_first = services.registration_create(first, user=b)
    b_second = services.registration_create(second, user=b)
    a_waits_second = services.registration_create(second, user=a)
    workers = run_staged(
        [b_waits_first, a_waits_second],
        lambda: services.registration_cancel(a_first, actor=a),
        [lambda: services.registration_cancel(b_second, actor=b)])
    return workers, (a, b, first, second, b_waits_first, a_waits_second)


def test_two_cancellations_promoting_each_other_both_succeed(site_tree):
    events = []
    for n in range(ROUNDS):
        workers, (a, b, first, second, b_waits_first, a_waits_second) = (
            crossing_cancellations(site_tree, f"Cowo Cross {n}"))

        assert outcome(workers) == ["ok", "ok"]
        b_waits_first.refresh_from_db()
        a_waits_second.refresh_from_db()
        assert b_waits_first.state == RegistrationState.CONFIRMED
        assert a_waits_second.state == RegistrationState.CONFIRMED
        for member in (a, b):
            balance = account_balance(account_of(member))
            assert (balance.available, balance.on_hold) == (100 - PRICE, PRICE)
        events += [first, second]
    assert_seats_match_payments(events)
    assert_ledger_sound()


def test_control_with_the_old_order_crossing_cancellations_deadlock(site_tree, settings):
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    for n in range(ROUNDS):
        workers, _objects = crossing_cancellations(site_tree, f"Cowo Cross {n}")
        assert sorted(outcome(workers)) == ["deadlock", "ok"]
    assert_ledger_sound()


# --- void + promote vs. another member's refund (a cycle of three) ------------------------


def void_promote_refund_cycle(site_tree, title: str):
    """A cancels in time at one event (A's hold voided: A's account) and promotes B (B's
    account); B refunds a day pass at the space (B's account, then the space's); C cancels
    late at an event of that space (C's and the space's accounts) and promotes A (A's)."""
    space = space_in(site_tree, title=title, day_pass_price=PASS_PRICE)
    b = member_with_credits(100)
    a, c = member_with_credits(100), member_with_credits(100)
    early, late = paid_event(space), paid_event(space, late=True)
    a_early = services.registration_create(early, user=a)
    b_waits_early = services.registration_create(early, user=b)
    c_late = services.registration_create(late, user=c)
    a_waits_late = services.registration_create(late, user=a)
    pass_b = day_pass_tomorrow(b, space)
    assert account_of(b).pk < space_account(space).pk
    workers = run_staged(
        [b_waits_early, a_waits_late],
        lambda: services.registration_cancel(a_early, actor=a),
        [lambda: services.registration_cancel(c_late, actor=c),
         lambda: credits.daypass_cancel(pass_b, b)])
    return workers, (a, b, c, space, early, late, pass_b)


def test_void_and_promote_with_another_members_refund_all_succeed(site_tree):
    events = []
    for n in range(ROUNDS):
        workers, (a, b, c, space, early, late, pass_b) = void_promote_refund_cycle(
            site_tree, f"Cowo Cycle {n}")

        assert outcome(workers) == ["ok", "ok", "ok"]
        pass_b.refresh_from_db()
        assert pass_b.state == DayPassState.REFUNDED
        assert Registration.objects.get(event=early, user=b).state == RegistrationState.CONFIRMED
        assert Registration.objects.get(event=late, user=a).state == RegistrationState.CONFIRMED
        assert account_balance(account_of(c)).available == 100 - PRICE
        assert space_account(space).balance == PRICE
        events += [early, late]
    assert_seats_match_payments(events)
    assert_ledger_sound()


def test_control_with_the_old_order_void_promote_and_refund_deadlock(site_tree, settings):
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    for n in range(ROUNDS):
        workers, _objects = void_promote_refund_cycle(site_tree, f"Cowo Cycle {n}")
        assert sorted(outcome(workers)) == ["deadlock", "ok", "ok"]
    assert_ledger_sound()


# --- a storm of mixed operations -------------------------------------------------------------


def storm(site_tree, *, threads: int = 10, steps: int = 12, seed: int = 15) -> dict[str, int]:
    """Members registering, cancelling (in time and late), leaving waiting lists, buying and
    refunding day passes, all at once at one space. Returns how many operations ended
    'ok', were refused by a service (a business rule) or failed with a deadlock."""
    space = space_in(site_tree, title="Cowo Storm", day_pass_price=PASS_PRICE)
    members = [member_with_credits(300) for _ in range(threads)]
    events = [publish_event(space, capacity=3, price_credits=PRICE, starts_in_days=days,
                            cancellation_deadline_hours=24) for days in (0.5, 0.5, 7, 7)]
    today = space_today(space)
    for member in members:
        for event in events:
            services.registration_create(event, user=member)
    counts = {"ok": 0, "refused": 0, "deadlock": 0}
    count_lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def step(member, rng: random.Random) -> None:
        kind = rng.choice(["cancel", "register", "buy", "refund"])
        if kind in ("cancel", "register"):
            event = rng.choice(events)
            active = Registration.objects.filter(event=event, user=member,
                                                 state__in=ACTIVE_STATES).first()
            if active is not None:
                services.registration_cancel(active, actor=member)
            else:
                services.registration_create(event, user=member)
        elif kind == "buy":
            credits.daypass_buy(member, space, today + datetime.timedelta(days=rng.randint(1, 3)),
                                request_token=uuid.uuid4().hex)
        else:
            day_pass = DayPass.objects.filter(user=member, state=DayPassState.VALID).first()
            if day_pass is not None:
                credits.daypass_cancel(day_pass, member)

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        try:
            barrier.wait()
            for _step in range(steps):
                try:
                    step(members[index], rng)
                    result = "ok"
                except (exceptions.EventError, credits.CreditsError):
                    result = "refused"
                except OperationalError as exc:
                    if not is_deadlock(exc):
                        raise
                    result = "deadlock"
                with count_lock:
                    counts[result] += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert sum(counts.values()) == threads * steps
    assert_ledger_sound()
    assert_seats_match_payments(events)
    return counts


def test_a_storm_of_mixed_operations_has_no_deadlock(site_tree):
    counts = storm(site_tree)
    assert counts["deadlock"] == 0
    assert counts["ok"] > 0


# --- every events edge that moves credits retries -----------------------------------------


def test_every_events_edge_answers_after_a_deadlock(site_tree, client, monkeypatch, caplog):
    """Each view, admin action, command and task that calls a registration service runs
    it again after a deadlock: the person sees the result, not an error page."""
    from events import tasks
    from events.management.commands import events_settle_started

    space = space_in(site_tree, title="Cowo Edges")
    organiser = make_organiser(space)
    event = publish_event(space, capacity=1, guests_allowed=True)
    member, other = member_with_credits(0), member_with_credits(0)

    def retried(name: str, module=services) -> list[int]:
        return deadlock_once(monkeypatch, module, name)

    client.force_login(member)
    calls = retried("registration_create")
    response = client.post(reverse("events:register", args=[event.pk]))
    mine = Registration.objects.get(event=event, user=member)
    assert (response.status_code, len(calls), mine.state) == (302, 2, "confirmed")

    calls = retried("registration_create")
    response = client.post(reverse("events:register_guest", args=[event.pk]),
                           {"name": "Zoë", "email": "zoe@example.org"})
    guest = Registration.objects.get(event=event, guest_email="zoe@example.org")
    assert (response.status_code, len(calls), guest.state) == (302, 2, "waitlisted")

    calls = retried("registration_cancel")
    response = client.post(reverse("events:registration_cancel", args=[mine.pk]))
    mine.refresh_from_db()
    assert (response.status_code, len(calls), mine.state) == (302, 2, "cancelled")
    guest.refresh_from_db()
    assert guest.state == "confirmed"  # promoted by the cancellation

    client.force_login(other)
    services.registration_create(event, user=other)
    waiting = Registration.objects.get(event=event, user=other)
    calls = retried("registration_leave_waitlist")
    response = client.post(reverse("events:registration_leave_waitlist", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert (response.status_code, len(calls), waiting.state) == (302, 2, "cancelled")

    calls = retried("registration_cancel")
    response = client.post(reverse("events:registration_cancel_secret", args=[guest.secret]))
    guest.refresh_from_db()
    assert (response.status_code, len(calls), guest.state) == (200, 2, "cancelled")

    client.force_login(organiser)
    calls = retried("registration_create")
    response = client.post(reverse("event_registrations:add"),
                           {"event": event.pk, "member_email": member.email,
                            "role": "speaker"})
    added = Registration.objects.get(event=event, user=member, state="confirmed")
    assert (response.status_code, len(calls), added.role) == (302, 2, "speaker")

    calls = retried("registration_mark_attended")
    response = client.post(reverse("event_registrations:edit", args=[added.pk]),
                           {"action": "attended"})
    added.refresh_from_db()
    assert (response.status_code, len(calls), added.state) == (302, 2, "attended")

    calls = deadlock_once(monkeypatch, events_settle_started, "event_settle_started")
    out = io.StringIO()
    call_command("events_settle_started", stdout=out)
    assert (len(calls), out.getvalue()) == (2, "Posted 0 hold(s).\n")

    calls = retried("event_settle_started")
    assert tasks.event_settle_started_periodic.call() == 0
    assert len(calls) == 2

    retries = [r for r in caplog.records if r.name == "network.db_retry"]
    assert len(retries) == 9


# --- one lock order per transaction, service by service ------------------------------------
#
# Each scenario gives the people whose accounts a transaction reaches last the LOWEST account
# ids, so that locking account by account (the old order) breaks the ascending order. The
# recorder (tests/credits/locks.py) reads the statements of one service call and lists
# every account locked after a higher one, and every event or day-pass row locked after an
# account.


def late_cancel_with_a_chain(site_tree):
    """C cancels late (C's hold posted to the space), the seat goes to W1, who cannot pay,
    then to W2, who can."""
    space = space_in(site_tree, title="Cowo Chain")
    w1, w2 = member_with_credits(0), member_with_credits(100)
    c = member_with_credits(100)
    event = paid_event(space, late=True)
    seat = services.registration_create(event, user=c)
    for member in (w1, w2):
        services.registration_create(event, user=member)
    return lambda: services.registration_cancel(seat, actor=c), (w1, w2, c, space, event)


def timely_cancel_with_a_chain(site_tree):
    space = space_in(site_tree, title="Cowo Timely")
    w1, w2 = member_with_credits(0), member_with_credits(100)
    c = member_with_credits(100)
    event = paid_event(space)
    seat = services.registration_create(event, user=c)
    for member in (w1, w2):
        services.registration_create(event, user=member)
    return lambda: services.registration_cancel(seat, actor=c), (w1, w2, c, space, event)


def event_cancelled_with_holds(site_tree):
    """Three seats taken in the order opposite to their account ids; the event is then
    published as cancelled, which voids every hold."""
    space = space_in(site_tree, title="Cowo Cancelled")
    members = [member_with_credits(100) for _ in range(3)]
    event = publish_event(space, capacity=3, price_credits=PRICE)
    for member in reversed(members):
        services.registration_create(event, user=member)
    return (lambda: republish(event, status=EventStatus.CANCELLED, status_reason="Flooded"),
            (members, event))


def started_event_to_settle(site_tree):
    space = space_in(site_tree, title="Cowo Started")
    members = [member_with_credits(100) for _ in range(3)]
    event = publish_event(space, capacity=3, price_credits=PRICE)
    for member in reversed(members):
        services.registration_create(event, user=member)
    EventPage.objects.filter(pk=event.pk).update(
        starts_at=event.starts_at - datetime.timedelta(days=8))
    return lambda: services.event_settle_started(), (members, event)


def registration_after_a_silent_capacity_raise(site_tree):
    """Seats freed without a promotion: the newcomer N finds W waiting and promotes W
    before taking a seat; N's account comes before W's."""
    space = space_in(site_tree, title="Cowo Raise")
    n = member_with_credits(100)
    w, a = member_with_credits(100), member_with_credits(100)
    event = publish_event(space, capacity=1, price_credits=PRICE)
    services.registration_create(event, user=a)
    services.registration_create(event, user=w)
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    event = EventPage.objects.get(pk=event.pk)
    return lambda: services.registration_create(event, user=n), (n, w, event)


def erasure_with_waiting_lists_and_a_pass(site_tree):
    """M, with seats at two paid events where others wait and a day pass for tomorrow,
    erases their account: two cancellations, two promotions and a refund in one
    transaction."""
    from home.privacy import member_erase

    space = space_in(site_tree, title="Cowo Erase", day_pass_price=PASS_PRICE)
    waiting = [member_with_credits(100) for _ in range(2)]
    m = member_with_credits(100)
    events = [paid_event(space) for _ in range(2)]
    for event, other in zip(events, waiting, strict=True):
        services.registration_create(event, user=m)
        services.registration_create(event, user=other)
    day_pass = day_pass_tomorrow(m, space)
    return lambda: member_erase(m, by=m), (m, waiting, events, day_pass)


def walk_in_at_a_paid_event(site_tree):
    """A member walks in: a hold placed and, at check-in, posted in one transaction. The
    space's account comes before the member's."""
    from events.checkin import checkin_walk_in

    space = space_in(site_tree, title="Cowo Door")
    organiser = make_organiser(space)
    space_account(space)
    m = member_with_credits(100)
    event = publish_event(space, capacity=5, price_credits=PRICE, starts_in_days=1 / 24,
                          checkin_opens_hours_before=2)
    return (lambda: checkin_walk_in(event, name="Mia", email=m.email, actor=organiser),
            (m, event))


def hosts_rewarded_after_the_unconference(site_tree):
    """Two people who attended hosted sessions; the organiser makes them hosts, which pays
    each the host reward from the space's account, in one transaction."""
    from events.programme import services as programme
    from events.programme.models import Programme
    from tests.events.programme.factories import make_unconference

    u = make_unconference(site_tree, people=2)
    for person in u.people:
        credits.account_for_member(person)
    EventPage.objects.filter(pk=u.event.pk).update(reward_host=5)
    Registration.objects.filter(event=u.event).update(state=RegistrationState.ATTENDED)
    for index, person in enumerate(u.people):
        proposal = u.propose(person, f"Session {index}")
        programme.session_place(proposal, room=u.rooms[index], slot=u.slots[0],
                                actor=u.organiser)
    fresh = Programme.objects.select_related("event").get(pk=u.programme.pk)
    return lambda: programme.hosts_make_registration_hosts(fresh, actor=u.organiser), (u,)


SCENARIOS = [late_cancel_with_a_chain, timely_cancel_with_a_chain, event_cancelled_with_holds,
             started_event_to_settle, registration_after_a_silent_capacity_raise,
             erasure_with_waiting_lists_and_a_pass, walk_in_at_a_paid_event,
             hosts_rewarded_after_the_unconference]


def test_a_late_cancellation_locks_its_whole_chain_at_once_in_ascending_order(site_tree):
    work, (w1, w2, c, space, event) = late_cancel_with_a_chain(site_tree)
    recorder = lock_order_of(work)
    assert recorder.violations == []
    assert recorder.account_order == sorted(
        [account_of(w1).pk, account_of(w2).pk, account_of(c).pk, space_account(space).pk])
    states = dict(Registration.objects.filter(event=event).values_list("user_id", "state"))
    assert states == {c.pk: "cancelled", w1.pk: "cancelled", w2.pk: "confirmed"}
    assert_seats_match_payments([event])


@pytest.mark.parametrize("scenario", SCENARIOS[1:], ids=lambda f: f.__name__)
def test_every_multi_payment_service_keeps_one_lock_order(site_tree, scenario):
    work, _objects = scenario(site_tree)
    recorder = lock_order_of(work)
    assert recorder.violations == []
    assert recorder.account_order == sorted(recorder.account_order)
    assert len(recorder.account_order) >= 2
    assert_ledger_sound()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_control_locking_account_by_account_breaks_the_order(site_tree, settings, scenario):
    """Proves the two tests above can fail: with the up-front lock turned off, each
    scenario locks an account after a higher one (or a day pass after an account)."""
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    work, _objects = scenario(site_tree)
    assert lock_order_of(work).violations != []
