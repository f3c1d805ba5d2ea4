"""Reads behind the pages: statements with a running balance, holds, passes, transparency."""

import datetime

import pytest

from credits.models import DayPass
from credits.selectors import (
    account_holds_open,
    day_pass_counts,
    day_passes_of,
    member_label,
    statement_lines_oldest_first,
    statement_page,
    transparency_figures,
)
from credits.services import (
    account_for_member,
    account_for_space,
    daypass_buy,
    daypass_cancel,
    hold_place,
    hold_post,
    topup_sell,
)
from credits.services.daypass import space_today
from tests.credits.features_factories import member_with_credits, space_with_organiser, token
from tests.network.factories import MemberProfileFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def roma(site_tree):
    return space_with_organiser(site_tree.spaces, "Cowo Roma", day_pass_price=3)


def test_every_page_of_the_statement_carries_the_right_running_balance(roma):
    space, _organiser = roma
    anna = member_with_credits(100)
    for offset in range(7):
        daypass_buy(anna, space, space_today(space) + offset * DAY)
    account = account_for_member(anna)
    account.refresh_from_db()
    balances = []
    for number in (1, 2, 3):
        _page, lines = statement_page(account, number, per_page=3)
        balances += [line.balance_after for line in lines]
    assert balances == [79, 82, 85, 88, 91, 94, 97, 100]
    assert [line.signed for line in statement_page(account, 3, per_page=3)[1]] == [-3, 100]


def test_a_page_number_out_of_range_shows_the_last_page(roma):
    anna = member_with_credits(10)
    page, lines = statement_page(account_for_member(anna), "999")
    assert (page.number, [line.balance_after for line in lines]) == (1, [10])
    page, lines = statement_page(account_for_member(anna), "<script>")
    assert page.number == 1


def test_an_empty_statement_has_no_lines(roma):
    page, lines = statement_page(account_for_member(member_with_credits(0)), 1)
    assert (page.paginator.count, lines) == (0, [])


def test_the_export_runs_oldest_first_to_the_stored_balance(roma):
    space, _organiser = roma
    anna = member_with_credits(20)
    daypass_buy(anna, space, space_today(space))
    lines = list(statement_lines_oldest_first(account_for_member(anna)))
    assert [(line.signed, line.balance_after, line.counterparty) for line in lines] == [
        (20, 20, "Network issuance"), (-3, 17, "Cowo Roma")]


def test_holds_show_apart_until_posted(roma):
    space, _organiser = roma
    anna = member_with_credits(20)
    account = account_for_member(anna)
    hold = hold_place(debit=account, credit=account_for_space(space), amount=5,
                      code="spend_event", idempotency_key=token(), memo="Workshop")
    assert list(account_holds_open(account)) == [hold]
    assert [line.signed for line in statement_page(account, 1)[1]] == [20]
    hold_post(hold, idempotency_key=token())
    assert list(account_holds_open(account)) == []
    assert [line.balance_after for line in statement_page(account, 1)[1]] == [15, 20]


def test_passes_split_into_upcoming_and_the_rest(roma):
    space, _organiser = roma
    anna = member_with_credits(50)
    today = space_today(space)
    later = daypass_buy(anna, space, today + 2 * DAY)
    soon = daypass_buy(anna, space, today + DAY)
    cancelled = daypass_buy(anna, space, today + 3 * DAY)
    daypass_cancel(cancelled, anna)
    expired = DayPass.objects.create(user=anna, space=space, date=today - DAY, price=3,
                                     code="EXPI-RED0-0001")
    upcoming, past = day_passes_of(anna, today)
    assert upcoming == [soon, later]
    assert past == [cancelled, expired]
    assert [p.expired for p in past] == [False, True]
    assert day_pass_counts(space) == {"valid": 3, "used": 0, "refunded": 1}


def test_members_are_named_by_their_directory_name_never_their_email(roma):
    profile = MemberProfileFactory(display_name="Anna B.", user__email="anna@example.org")
    assert member_label(profile.user) == "Anna B."
    bare = member_with_credits(0, first_name="", last_name="", username="bruno",
                               email="bruno@example.org")
    assert member_label(bare) == "bruno"


def test_transparency_counts_issued_redeemed_and_outstanding_per_space(roma, site_tree):
    space, organiser = roma
    milano, _milano_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano",
                                                     day_pass_price=4)
    anna = member_with_credits(0, space=space)
    topup_sell(space, anna, 30, "R1", organiser)
    daypass_buy(anna, milano, space_today(milano))
    daypass_buy(anna, space, space_today(space))
    figures = transparency_figures()
    rows = {row["name"]: row for row in figures["spaces"]}
    assert rows["Cowo Roma"] == {"name": "Cowo Roma", "issued": 30, "redeemed": 3,
                                 "outstanding": 23, "day_passes": 1}
    assert rows["Cowo Milano"] == {"name": "Cowo Milano", "issued": 0, "redeemed": 4,
                                   "outstanding": 0, "day_passes": 1}
    assert figures["totals"]["issued"] == 30
    assert figures["totals"]["redeemed"] == 7
    assert figures["totals"]["held_by_members"] == 23
    assert figures["totals"]["outstanding"] == 23
