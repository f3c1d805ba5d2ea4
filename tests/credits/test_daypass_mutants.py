"""credits.services.daypass exactly (issue 14, the mutation run): every refusal's sentence,
the ledger rows a purchase and a refund write (key, reference, memo, author), which earlier
passes block a purchase, what the services return, a double submit that loses the key's
race, and on PostgreSQL the locks as the database receives them."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credits.models import Account, DayPass, Transfer
from credits.services import (
    DayPassError,
    IdempotencyMismatch,
    account_for_member,
    account_network,
    daypass_buy,
    daypass_cancel,
    daypass_validate,
    transfer_post,
)
from credits.services import daypass as daypass_module
from credits.services.daypass import (
    daypass_code_new,
    daypass_code_normalise,
    daypass_reference,
    space_today,
)
from tests.credits.features_factories import (
    balance,
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def refused(message: str):
    """The refusal with exactly this sentence (not a fragment)."""
    return pytest.raises(DayPassError, match=f"^{re.escape(message)}$")


# --- codes, references, the space's day --------------------------------------------------


def test_a_new_code_is_three_groups_of_four_symbols_of_the_alphabet():
    code = daypass_code_new()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code), code


def test_every_symbol_of_a_code_is_drawn_at_random():
    """Each of the twelve positions varies from code to code (a fixed filler symbol, which
    the alphabet may contain, would still read as a valid code)."""
    codes = [daypass_code_new().replace("-", "") for _i in range(60)]
    assert all(len(code) == 12 for code in codes)
    assert all(len({code[i] for code in codes}) > 1 for i in range(12)), codes


def test_a_typed_code_is_grouped_by_four_whatever_its_length():
    assert daypass_code_normalise("ab-cd ef\tgh-\njk") == "ABCD-EFGH-JK"
    assert daypass_code_normalise("  ") == ""
    assert daypass_code_normalise(123456) == "1234-56"


def test_the_reference_names_the_pass_by_its_id(roma):
    space, _organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    assert daypass_reference(day_pass) == f"credits.daypass:{day_pass.pk}"


@pytest.mark.parametrize("zone", ["Not/AZone", "", "../etc"])
def test_a_space_with_a_broken_time_zone_counts_days_in_the_sites_zone(roma, monkeypatch,
                                                                         zone):
    """22:30 UTC on 1 June is already 2 June in Rome (the site's zone, UTC+2 in summer)."""
    space, _organiser = roma
    space.time_zone = zone
    moment = datetime.datetime(2030, 6, 1, 22, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert space_today(space) == datetime.date(2030, 6, 2)


# --- buying: what is written ----------------------------------------------------------------


def test_a_purchase_writes_one_transfer_with_its_exact_key_reference_memo_and_author(roma):
    space, _organiser = roma
    member, request = member_with_credits(50), token()
    day = space_today(space) + 3 * DAY
    day_pass = daypass_buy(member, space, day, request_token=request)
    stored = DayPass.objects.get()
    assert (stored.pk, stored.user, stored.space, stored.date, stored.price, stored.state,
            stored.code, stored.used_at, stored.validated_by) == (
        day_pass.pk, member, space, day, 12, "valid", day_pass.code, None, None)
    transfer = Transfer.objects.get(code="spend_daypass")
    assert (transfer.debit_account, transfer.credit_account, transfer.amount,
            transfer.idempotency_key, transfer.reference, transfer.memo,
            transfer.created_by) == (
        Account.objects.get(user=member), Account.objects.get(space=space), 12,
        f"credits.daypass.buy:{member.pk}:{request}", f"credits.daypass:{day_pass.pk}",
        f"Day pass {day.isoformat()}", member)
    assert (balance(member), balance(space)) == (38, 12)


def test_a_purchase_without_a_token_gets_a_fresh_random_key(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    daypass_buy(member, space, space_today(space))
    daypass_buy(member, space, space_today(space) + DAY)
    keys = list(Transfer.objects.filter(code="spend_daypass").values_list("idempotency_key",
                                                                          flat=True))
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(re.fullmatch(rf"credits\.daypass\.buy:{member.pk}:[0-9a-f]{{32}}", k)
               for k in keys), keys


def test_the_price_is_the_spaces_at_the_moment_of_purchase(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    space.day_pass_price = 15
    day_pass = daypass_buy(member, space, space_today(space))
    assert (day_pass.price, DayPass.objects.get().price, balance(member)) == (15, 15, 35)


@pytest.mark.parametrize("bad", [12345678, b"abcdefgh", ["abcdefgh"]])
def test_a_request_token_that_is_not_text_is_refused_as_malformed(roma, bad):
    space, _organiser = roma
    member = member_with_credits(50)
    with refused("The purchase request is malformed; reload the page and retry."):
        daypass_buy(member, space, space_today(space), request_token=bad)
    assert (DayPass.objects.count(), balance(member)) == (0, 50)


# --- buying: which earlier passes count ----------------------------------------------------


def test_a_pass_elsewhere_another_day_a_refunded_one_or_someone_elses_does_not_block(
        roma, milano):
    (space, _organiser), (other, _other_organiser) = roma, milano
    member, someone = member_with_credits(100), member_with_credits(50)
    day = space_today(space) + DAY
    daypass_buy(someone, space, day)
    daypass_buy(member, other, day)
    daypass_buy(member, space, day + DAY)
    daypass_cancel(daypass_buy(member, space, day), member)
    again = daypass_buy(member, space, day)
    assert (again.state, again.date, again.space) == ("valid", day, space)
    assert balance(member) == 100 - 8 - 12 - 12


def test_a_second_pass_for_the_day_is_refused_with_the_space_and_date(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day = space_today(space) + DAY
    daypass_buy(member, space, day)
    with refused(f"You already have a day pass for Cowo Roma on {day.isoformat()}."):
        daypass_buy(member, space, day)
    assert (DayPass.objects.count(), balance(member)) == (1, 38)


def test_a_token_reused_at_another_space_on_the_same_day_is_refused(roma, milano):
    (space, _organiser), (other, _other_organiser) = roma, milano
    member, request = member_with_credits(50), token()
    day = space_today(space)
    daypass_buy(member, space, day, request_token=request)
    with refused("This purchase request was already used for another pass; "
                 "reload the page and retry."):
        daypass_buy(member, other, day, request_token=request)
    assert (DayPass.objects.count(), balance(member)) == (1, 38)


def test_a_replay_returns_the_first_pass_itself(roma):
    space, _organiser = roma
    member, request = member_with_credits(50), token()
    first = daypass_buy(member, space, space_today(space), request_token=request)
    replay = daypass_buy(member, space, space_today(space), request_token=request)
    assert (replay.pk, replay.code, replay.state, replay.price) == (
        first.pk, first.code, "valid", 12)


def test_a_key_whose_transfer_names_no_pass_is_refused(roma):
    """A transfer under the purchase's key whose reference does not end in an id, or in
    the id of no pass, is another request's."""
    space, _organiser = roma
    member = member_with_credits(50)
    for reference in ("credits.daypass:x", "credits.daypass:", "credits.daypass:987654"):
        request = token()
        transfer_post(debit=account_network("issuance"), credit=account_for_member(member),
                      amount=1, code="grant", reference=reference,
                      idempotency_key=f"credits.daypass.buy:{member.pk}:{request}")
        with refused("This purchase request was already used for another pass; "
                     "reload the page and retry."):
            daypass_buy(member, space, space_today(space), request_token=request)
    assert (DayPass.objects.count(), balance(member)) == (0, 53)


# --- buying: a double submit that loses the key's race --------------------------------------


def first_lookup_misses(monkeypatch) -> list:
    """Stage the lost race: the check under the lock finds nothing (the other submit had
    not committed), so the ledger meets the key; every later lookup is the real one."""
    real, calls = daypass_module._pass_bought_with, []

    def lookup(key, space, date):
        calls.append(key)
        return None if len(calls) == 1 else real(key, space, date)

    monkeypatch.setattr(daypass_module, "_pass_bought_with", lookup)
    return calls


def test_a_double_submit_that_loses_the_keys_race_returns_the_winners_pass(roma,
                                                                           monkeypatch):
    """The winner's pass is already used, so nothing but the ledger's key stops the
    loser: its pass and payment roll back, and it returns the winner's pass."""
    space, organiser = roma
    member, request = member_with_credits(50), token()
    first = daypass_buy(member, space, space_today(space), request_token=request)
    daypass_validate(first.code, space, organiser)
    calls = first_lookup_misses(monkeypatch)
    second = daypass_buy(member, space, space_today(space), request_token=request)
    assert (second.pk, second.code, second.state) == (first.pk, first.code, "used")
    assert calls == [f"credits.daypass.buy:{member.pk}:{request}"] * 2
    assert (DayPass.objects.count(), Transfer.objects.filter(code="spend_daypass").count(),
            balance(member)) == (1, 1, 38)


def test_a_key_mismatch_with_no_earlier_pass_is_passed_on(roma, monkeypatch):
    space, _organiser = roma
    member = member_with_credits(50)
    mismatch = IdempotencyMismatch("another request")

    def ledger_refuses(**_kwargs):
        raise mismatch

    monkeypatch.setattr(daypass_module, "transfer_post", ledger_refuses)
    with pytest.raises(IdempotencyMismatch) as raised:
        daypass_buy(member, space, space_today(space), request_token=token())
    assert raised.value is mismatch
    assert (DayPass.objects.count(), balance(member)) == (0, 50)


# --- buying: refusals, word for word --------------------------------------------------------


def test_an_anonymous_visitor_or_an_unsaved_user_is_asked_to_log_in(roma):
    space, _organiser = roma
    for who in (AnonymousUser(), UserFactory.build()):
        with refused("Log in to buy a day pass."):
            daypass_buy(who, space, space_today(space))
    assert DayPass.objects.count() == 0


@pytest.mark.parametrize("day", [None, "2030-01-01", datetime.datetime(2030, 1, 1, 10, 0)])
def test_anything_but_a_date_is_refused(roma, day):
    space, _organiser = roma
    with refused("Choose a date for the day pass."):
        daypass_buy(member_with_credits(50), space, day)


def test_an_inactive_or_unpublished_space_sells_no_passes_at_the_moment(site_tree):
    closed, _o = space_with_organiser(site_tree.spaces, "Closed", active=False,
                                      day_pass_price=5)
    hidden, _o = space_with_organiser(site_tree.spaces, "Hidden", day_pass_price=5)
    hidden.unpublish()
    hidden.refresh_from_db()
    member = member_with_credits(50)
    for space in (closed, hidden):
        with refused(f"{space.title} does not sell day passes at the moment."):
            daypass_buy(member, space, space_today(space))
    assert (DayPass.objects.count(), balance(member)) == (0, 50)


def test_a_space_without_a_price_says_it_sells_no_passes(site_tree):
    space, _organiser = space_with_organiser(site_tree.spaces, "Free", day_pass_price=0)
    with refused("Free does not sell day passes."):
        daypass_buy(member_with_credits(50), space, space_today(space))


def test_the_date_refusals_name_the_date_and_the_limit(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    yesterday = space_today(space) - DAY
    with refused(f"A day pass cannot be bought for a past date ({yesterday.isoformat()})."):
        daypass_buy(member, space, yesterday)
    with refused("A day pass can be bought at most one year ahead."):
        daypass_buy(member, space, space_today(space) + 366 * DAY)
    assert (DayPass.objects.count(), balance(member)) == (0, 50)


# --- validating -------------------------------------------------------------------------


def test_a_validation_returns_the_pass_as_stored(roma):
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    validated = daypass_validate(day_pass.code, space, organiser)
    stored = DayPass.objects.get(pk=day_pass.pk)
    assert (validated.pk, validated.state, validated.used_at, validated.validated_by) == (
        stored.pk, "used", stored.used_at, organiser)
    assert stored.validated_by == organiser
    assert abs(timezone.now() - stored.used_at) < datetime.timedelta(seconds=10)


def test_the_validation_refusals_word_for_word(roma, milano):
    (space, organiser), (other, other_organiser) = roma, milano
    member = member_with_credits(100)
    with pytest.raises(PermissionDenied,
                       match=r"^Only the organisers of this space can validate its passes\.$"):
        daypass_validate("AAAA-BBBB-CCCC", space, member)
    with refused("No day pass has the code —."):
        daypass_validate(" - ", space, organiser)
    with refused("No day pass has the code ZZZZ-ZZZZ-ZZZZ."):
        daypass_validate("zzzz zzzz zzzz", space, organiser)
    here = daypass_buy(member, space, space_today(space))
    with refused("This pass is for Cowo Roma, not for Cowo Milano."):
        daypass_validate(here.code, other, other_organiser)
    later = daypass_buy(member, space, space_today(space) + 2 * DAY)
    with refused(f"This pass is for {later.date.isoformat()}, not for today."):
        daypass_validate(later.code, space, organiser)
    old = DayPass.objects.create(user=member, space=space, price=12, code="2222-3333-4444",
                                 date=space_today(space) - 2 * DAY)
    with refused(f"This pass has expired: it was for {old.date.isoformat()}."):
        daypass_validate(old.code, space, organiser)
    moment = datetime.datetime(2030, 6, 1, 22, 30, tzinfo=datetime.UTC)  # 00:30 in Rome
    DayPass.objects.filter(pk=here.pk).update(state="used", used_at=moment)
    with refused("This pass was already used on 2030-06-02 00:30."):
        daypass_validate(here.code, space, organiser)
    assert [p.state for p in DayPass.objects.order_by("pk")] == ["used", "valid", "valid"]


def test_validating_one_pass_leaves_the_others_of_the_day_valid(roma):
    space, organiser = roma
    mine = daypass_buy(member_with_credits(50), space, space_today(space))
    theirs = daypass_buy(member_with_credits(50), space, space_today(space))
    daypass_validate(mine.code, space, organiser)
    assert [(p.pk, p.state, p.used_at is None, p.validated_by) for p in
            DayPass.objects.order_by("pk")] == [
        (mine.pk, "used", False, organiser), (theirs.pk, "valid", True, None)]


def test_a_refunded_pass_is_refused_at_the_door_word_for_word(roma):
    space, organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    daypass_cancel(day_pass, member)
    DayPass.objects.filter(pk=day_pass.pk).update(date=space_today(space))
    with refused("This pass was cancelled and refunded."):
        daypass_validate(day_pass.code, space, organiser)
    assert DayPass.objects.get().state == "refunded"


def test_a_pass_used_meanwhile_is_refused_by_the_conditional_update(roma, monkeypatch):
    """The state read says valid, but the row changed before the update (what the row lock
    prevents): the update finds no valid row, the validation is refused, and its
    transaction (the change staged inside it too) is rolled back."""
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    real_today = daypass_module.space_today

    def today_after_a_change(where):
        DayPass.objects.filter(pk=day_pass.pk).update(state="used")
        return real_today(where)

    monkeypatch.setattr(daypass_module, "space_today", today_after_a_change)
    with refused("This pass was already used."):
        daypass_validate(day_pass.code, space, organiser)
    stored = DayPass.objects.get(pk=day_pass.pk)
    assert (stored.state, stored.used_at, stored.validated_by) == ("valid", None, None)


# --- cancelling -------------------------------------------------------------------------


def test_a_refund_writes_the_reversal_with_its_key_memo_and_author(roma):
    space, organiser = roma
    member = member_with_credits(50)
    day = space_today(space) + DAY
    day_pass = daypass_buy(member, space, day)
    cancelled = daypass_cancel(day_pass, organiser)
    purchase = Transfer.objects.get(code="spend_daypass")
    refund = Transfer.objects.get(code="reversal")
    assert (refund.debit_account, refund.credit_account, refund.amount, refund.reverses,
            refund.idempotency_key, refund.memo, refund.created_by) == (
        Account.objects.get(space=space), Account.objects.get(user=member), 12, purchase,
        f"credits.daypass:{day_pass.pk}:refund", f"Refund: day pass {day.isoformat()} cancelled",
        organiser)
    assert (cancelled.pk, cancelled.state, cancelled.date) == (day_pass.pk, "refunded", day)
    assert DayPass.objects.get().state == "refunded"
    assert (balance(member), balance(space)) == (50, 0)


def test_a_coordinator_may_cancel_any_pass(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    assert daypass_cancel(day_pass, coordinator()).state == "refunded"
    assert balance(member) == 50


def test_the_cancel_refusals_word_for_word(roma, milano):
    (space, organiser), (_other, other_organiser) = roma, milano
    member = member_with_credits(100)
    tomorrow = daypass_buy(member, space, space_today(space) + DAY)
    for stranger in (other_organiser, AnonymousUser(), None):
        with pytest.raises(PermissionDenied, match=r"^Only the holder or the space's "
                                                   r"organisers can cancel a pass\.$"):
            daypass_cancel(tomorrow, stranger)
    today = daypass_buy(member, space, space_today(space))
    with refused("A pass can be cancelled only before its day."):
        daypass_cancel(today, member)
    daypass_validate(today.code, space, organiser)
    with refused("This pass was already used and cannot be refunded."):
        daypass_cancel(today, member)
    daypass_cancel(tomorrow, member)
    with refused("This pass was already refunded."):
        daypass_cancel(tomorrow, member)
    assert Transfer.objects.filter(code="reversal").count() == 1
    assert balance(member) == 100 - 12


def test_a_pass_without_its_payment_is_not_refunded_and_stays_valid(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = DayPass.objects.create(user=member, space=space, price=12, code="2222-3333-4444",
                                      date=space_today(space) + DAY)
    with refused("No payment was found for this pass."):
        daypass_cancel(day_pass, member)
    assert (DayPass.objects.get().state, balance(member)) == ("valid", 50)
    assert not Transfer.objects.filter(code="reversal").exists()


def test_the_refund_reverses_this_passs_purchase_only(roma):
    """Three passes, and grants that carry the middle pass's reference, one older and one
    newer than its purchase: cancelling the middle pass reverses its own purchase, whichever
    way the transfers are ordered (newest first, by default)."""
    space, _organiser = roma
    member = member_with_credits(50)

    def grant_referencing(pk):
        transfer_post(debit=account_network("issuance"), credit=account_for_member(member),
                      amount=5, code="grant", idempotency_key=token(),
                      reference=f"credits.daypass:{pk}")

    first = daypass_buy(member, space, space_today(space) + DAY)
    grant_referencing(first.pk + 1)
    middle = daypass_buy(member, space, space_today(space) + 2 * DAY)
    assert middle.pk == first.pk + 1
    last = daypass_buy(member, space, space_today(space) + 3 * DAY)
    grant_referencing(middle.pk)
    daypass_cancel(middle, member)
    refund = Transfer.objects.get(code="reversal")
    assert (refund.reverses.code, refund.reverses.reference, refund.amount) == (
        "spend_daypass", f"credits.daypass:{middle.pk}", 12)
    assert [p.state for p in DayPass.objects.filter(pk__in=[first.pk, last.pk])] == [
        "valid", "valid"]
    assert balance(member) == 50 + 5 + 5 - 3 * 12 + 12


def test_a_pass_changed_meanwhile_is_not_refunded(roma, monkeypatch):
    """The state read says valid, but the row changed before the update (what the row lock
    prevents): nothing is refunded, and the staged change is rolled back with the rest."""
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    real_today = daypass_module.space_today

    def today_after_a_change(where):
        DayPass.objects.filter(pk=day_pass.pk).update(state="used")
        return real_today(where)

    monkeypatch.setattr(daypass_module, "space_today", today_after_a_change)
    with refused("This pass changed meanwhile; reload the page."):
        daypass_cancel(day_pass, member)
    assert (DayPass.objects.get().state, balance(member)) == ("valid", 38)
    assert not Transfer.objects.filter(code="reversal").exists()


# --- the locks, as PostgreSQL receives them -------------------------------------------------


def lock_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if " FOR " in q["sql"]]


@pytest.mark.postgres
def test_a_purchase_locks_both_accounts_in_one_statement_before_reading_anything(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    accounts = sorted([Account.objects.get(user=member).pk,
                       daypass_module.account_for_space(space).pk])
    with CaptureQueriesContext(connection) as queries:
        daypass_buy(member, space, space_today(space), request_token=token())
    sqls = [q["sql"] for q in queries.captured_queries]
    locks = lock_statements(queries)
    assert locks[0].endswith("FOR NO KEY UPDATE"), locks
    assert re.search(rf'IN \({accounts[0]}, {accounts[1]}\)', locks[0]), locks[0]
    first_read = next(i for i, sql in enumerate(sqls) if '"credits_daypass"' in sql
                      or "idempotency_key" in sql)
    assert sqls.index(locks[0]) < first_read


@pytest.mark.postgres
def test_validation_and_cancellation_lock_the_pass_row_only(roma):
    space, organiser = roma
    member = member_with_credits(50)
    today = daypass_buy(member, space, space_today(space))
    tomorrow = daypass_buy(member, space, space_today(space) + DAY)
    with CaptureQueriesContext(connection) as queries:
        daypass_validate(today.code, space, organiser)
    [lock] = lock_statements(queries)
    assert lock.endswith('FOR UPDATE OF "credits_daypass"'), lock
    accounts = sorted([Account.objects.get(user=member).pk,
                       daypass_module.account_for_space(space).pk])
    with CaptureQueriesContext(connection) as queries:
        daypass_cancel(tomorrow, member)
    locks = lock_statements(queries)
    assert locks[0].endswith('FOR UPDATE OF "credits_daypass"'), locks
    assert locks[1].endswith("FOR NO KEY UPDATE"), locks
    assert re.search(rf'IN \({accounts[0]}, {accounts[1]}\)', locks[1]), locks[1]
