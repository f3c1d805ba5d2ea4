"""Day passes: buying, validating once, cancelling with a refund, and every bad input."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied

from credits.models import DayPass, Transfer
from credits.services import (
    DayPassError,
    InsufficientCredits,
    daypass_buy,
    daypass_cancel,
    daypass_validate,
)
from credits.services.daypass import daypass_code_normalise, space_today
from tests.credits.features_factories import (
    balance,
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.credits.ledger_factories import assert_ledger_sound
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


# --- buying ---------------------------------------------------------------------------


def test_buying_a_pass_moves_the_price_from_member_to_space(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space))
    assert (day_pass.state, day_pass.price, day_pass.user, day_pass.space) == (
        "valid", 12, member, space)
    assert (balance(member), balance(space)) == (38, 12)
    assert_ledger_sound()


def test_the_payment_references_the_pass_with_code_spend_daypass(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    transfer = Transfer.objects.get(reference=f"credits.daypass:{day_pass.pk}")
    assert (transfer.code, transfer.amount, transfer.state) == ("spend_daypass", 12, "posted")


def test_pass_codes_are_unguessable_and_readable(roma):
    space, _organiser = roma
    member = member_with_credits(500)
    codes = {daypass_buy(member, space, space_today(space) + n * DAY).code for n in range(20)}
    assert len(codes) == 20
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", c)
               for c in codes)


def test_a_replayed_buy_request_buys_one_pass(roma):
    space, _organiser = roma
    member, request = member_with_credits(50), token()
    first = daypass_buy(member, space, space_today(space), request_token=request)
    second = daypass_buy(member, space, space_today(space), request_token=request)
    assert first.pk == second.pk
    assert DayPass.objects.count() == 1
    assert balance(member) == 38


def test_a_request_token_reused_for_another_date_is_refused(roma):
    space, _organiser = roma
    member, request = member_with_credits(50), token()
    daypass_buy(member, space, space_today(space), request_token=request)
    with pytest.raises(DayPassError, match="already used for another pass"):
        daypass_buy(member, space, space_today(space) + DAY, request_token=request)
    assert DayPass.objects.count() == 1
    assert balance(member) == 38


def test_the_same_token_of_another_member_buys_their_own_pass(roma):
    space, _organiser = roma
    anna, bruno, request = member_with_credits(50), member_with_credits(50), token()
    daypass_buy(anna, space, space_today(space), request_token=request)
    daypass_buy(bruno, space, space_today(space), request_token=request)
    assert (balance(anna), balance(bruno), DayPass.objects.count()) == (38, 38, 2)


@pytest.mark.parametrize("bad", ["", "short", "a" * 65, "new\nline", "<b>x</b>!!", "😀" * 10])
def test_a_malformed_request_token_is_refused(roma, bad):
    space, _organiser = roma
    member = member_with_credits(50)
    with pytest.raises(DayPassError, match="malformed"):
        daypass_buy(member, space, space_today(space), request_token=bad)
    assert DayPass.objects.count() == 0


def test_without_enough_credits_nothing_is_bought(roma):
    space, _organiser = roma
    member = member_with_credits(11)
    with pytest.raises(InsufficientCredits):
        daypass_buy(member, space, space_today(space))
    assert DayPass.objects.count() == 0
    assert balance(member) == 11
    assert_ledger_sound()


def test_a_pass_for_a_past_date_is_refused(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    with pytest.raises(DayPassError, match="past date"):
        daypass_buy(member, space, space_today(space) - DAY)
    assert DayPass.objects.count() == 0


def test_a_pass_may_be_bought_one_year_ahead_but_not_more(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    daypass_buy(member, space, space_today(space) + 365 * DAY)
    with pytest.raises(DayPassError, match="one year ahead"):
        daypass_buy(member, space, space_today(space) + 366 * DAY)
    assert DayPass.objects.count() == 1


def test_today_is_the_spaces_own_date(site_tree):
    """UTC+14 and UTC-11 are always on different dates: Pago Pago's today is Kiritimati's
    past."""
    behind, _o = space_with_organiser(site_tree.spaces, "Pago", time_zone="Pacific/Pago_Pago")
    ahead, _o = space_with_organiser(site_tree.spaces, "Kiri", time_zone="Pacific/Kiritimati")
    assert space_today(ahead) > space_today(behind)
    member = member_with_credits(50)
    daypass_buy(member, behind, space_today(behind))
    with pytest.raises(DayPassError, match="past date"):
        daypass_buy(member, ahead, space_today(behind))


def test_an_inactive_space_sells_no_passes(site_tree):
    space, _organiser = space_with_organiser(site_tree.spaces, "Closed", active=False)
    with pytest.raises(DayPassError, match="at the moment"):
        daypass_buy(member_with_credits(50), space, space_today(space))
    assert DayPass.objects.count() == 0


def test_a_space_with_price_zero_sells_no_passes(site_tree):
    space, _organiser = space_with_organiser(site_tree.spaces, "Free", day_pass_price=0)
    with pytest.raises(DayPassError, match="does not sell day passes"):
        daypass_buy(member_with_credits(50), space, space_today(space))


def test_a_second_pass_for_the_same_day_and_space_is_refused(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    daypass_buy(member, space, space_today(space))
    with pytest.raises(DayPassError, match="already have a day pass"):
        daypass_buy(member, space, space_today(space))
    assert balance(member) == 38


def test_an_anonymous_visitor_cannot_buy(roma):
    from django.contrib.auth.models import AnonymousUser

    space, _organiser = roma
    with pytest.raises(DayPassError, match="Log in"):
        daypass_buy(AnonymousUser(), space, space_today(space))


def test_a_datetime_is_not_a_date(roma):
    space, _organiser = roma
    with pytest.raises(DayPassError, match="Choose a date"):
        daypass_buy(member_with_credits(50), space, datetime.datetime(2030, 1, 1, 10, 0))


# --- validating -------------------------------------------------------------------------


def test_an_organiser_validates_todays_pass_once(roma):
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    validated = daypass_validate(day_pass.code, space, organiser)
    day_pass.refresh_from_db()
    assert (validated.state, day_pass.state, day_pass.validated_by) == ("used", "used", organiser)
    assert day_pass.used_at is not None


def test_validating_an_already_used_pass_is_refused(roma):
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    daypass_validate(day_pass.code, space, organiser)
    with pytest.raises(DayPassError, match="already used"):
        daypass_validate(day_pass.code, space, organiser)


def test_a_typed_code_is_accepted_in_any_case_and_spacing(roma):
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    typed = " " + day_pass.code.replace("-", " ").lower() + " "
    assert daypass_code_normalise(typed) == day_pass.code
    assert daypass_validate(typed, space, organiser).state == "used"


def test_a_pass_of_another_space_is_refused_and_stays_valid(roma, milano):
    (space, _organiser), (other, other_organiser) = roma, milano
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    with pytest.raises(DayPassError, match="is for Cowo Roma, not for Cowo Milano"):
        daypass_validate(day_pass.code, other, other_organiser)
    day_pass.refresh_from_db()
    assert day_pass.state == "valid"


def test_a_pass_for_a_later_day_is_refused_today(roma):
    space, organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space) + DAY)
    with pytest.raises(DayPassError, match="not for today"):
        daypass_validate(day_pass.code, space, organiser)


def test_an_expired_pass_is_refused(roma):
    space, organiser = roma
    member = member_with_credits(50)
    day_pass = DayPass.objects.create(user=member, space=space, price=12, code="AAAA-BBBB-CCCC",
                                      date=space_today(space) - DAY)
    with pytest.raises(DayPassError, match="expired"):
        daypass_validate(day_pass.code, space, organiser)
    day_pass.refresh_from_db()
    assert day_pass.state == "valid"


@pytest.mark.parametrize("code", ["", "ZZZZ-ZZZZ-ZZZZ", "<script>", "' OR 1=1 --", "😀"])
def test_an_unknown_code_is_refused(roma, code):
    space, organiser = roma
    with pytest.raises(DayPassError, match="No day pass has the code"):
        daypass_validate(code, space, organiser)


def test_only_organisers_of_the_space_validate(roma, milano):
    (space, _organiser), (_other, other_organiser) = roma, milano
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    for stranger in (other_organiser, day_pass.user, UserFactory()):
        with pytest.raises(PermissionDenied):
            daypass_validate(day_pass.code, space, stranger)
    day_pass.refresh_from_db()
    assert day_pass.state == "valid"


def test_a_coordinator_may_validate_any_space(roma):
    space, _organiser = roma
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    assert daypass_validate(day_pass.code, space, coordinator()).state == "used"


# --- cancelling -------------------------------------------------------------------------


def test_cancelling_before_the_day_refunds_the_price(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    cancelled = daypass_cancel(day_pass, member)
    day_pass.refresh_from_db()
    assert (cancelled.state, day_pass.state) == ("refunded", "refunded")
    assert (balance(member), balance(space)) == (50, 0)
    refund = Transfer.objects.get(code="reversal")
    assert (refund.amount, refund.reference, refund.reverses.code) == (
        12, f"credits.daypass:{day_pass.pk}", "spend_daypass")
    assert_ledger_sound()


def test_cancelling_twice_refunds_once(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    daypass_cancel(day_pass, member)
    with pytest.raises(DayPassError, match="already refunded"):
        daypass_cancel(day_pass, member)
    assert Transfer.objects.filter(code="reversal").count() == 1
    assert balance(member) == 50


def test_a_pass_cannot_be_cancelled_on_its_day(roma):
    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space))
    with pytest.raises(DayPassError, match="only before its day"):
        daypass_cancel(day_pass, member)
    assert balance(member) == 38


def test_a_used_pass_cannot_be_cancelled(roma):
    space, organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space))
    daypass_validate(day_pass.code, space, organiser)
    with pytest.raises(DayPassError, match="already used"):
        daypass_cancel(day_pass, member)


def test_a_refunded_pass_cannot_be_validated(roma):
    space, organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    daypass_cancel(day_pass, organiser)
    DayPass.objects.filter(pk=day_pass.pk).update(date=space_today(space))
    with pytest.raises(DayPassError, match="refunded"):
        daypass_validate(day_pass.code, space, organiser)


def test_only_the_holder_or_the_spaces_organisers_cancel(roma, milano):
    (space, _organiser), (_other, other_organiser) = roma, milano
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    for stranger in (other_organiser, member_with_credits(0)):
        with pytest.raises(PermissionDenied):
            daypass_cancel(day_pass, stranger)
    assert balance(member) == 38


def test_a_refund_the_space_cannot_pay_changes_nothing(roma, settings):
    """The space spent the credits beyond its limit: the refund fails, the pass stays valid."""
    from credits.models import Account

    space, _organiser = roma
    member = member_with_credits(50)
    day_pass = daypass_buy(member, space, space_today(space) + DAY)
    Account.objects.filter(space=space).update(limit=0)
    from credits.services import account_for_member, account_for_space, transfer_post

    transfer_post(debit=account_for_space(space), credit=account_for_member(UserFactory()),
                  amount=12, code="purchase", idempotency_key=token())
    with pytest.raises(InsufficientCredits):
        daypass_cancel(day_pass, member)
    day_pass.refresh_from_db()
    assert (day_pass.state, balance(member)) == ("valid", 38)
    assert_ledger_sound()
