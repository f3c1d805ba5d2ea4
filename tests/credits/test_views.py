"""The credits pages over HTTP: who sees what, forms refusing bad input, replays."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from credits.models import DayPass, Transfer
from credits.services import daypass_buy
from credits.services.daypass import space_today
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


def definitions(html: str) -> list[tuple[str, str]]:
    """The (term, definition) pairs of a page's <dl>, as plain text on one line."""
    def text(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())
    return [(text(term), text(value)) for term, value in
            re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)]


@pytest.fixture
def two_spaces(site_tree):
    roma, roma_organiser = space_with_organiser(site_tree.spaces, "Cowo Roma", day_pass_price=12)
    milano, milano_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano",
                                                    day_pass_price=8)
    return roma, roma_organiser, milano, milano_organiser


# --- the member's own page ------------------------------------------------------------------


def test_statement_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("credits:statement"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_member_sees_their_balance_and_only_their_own_movements(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50, first_name="Anna", last_name="Bianchi")
    bruno = member_with_credits(70, first_name="Bruno", last_name="Verdi")
    daypass_buy(bruno, roma, space_today(roma))
    client.force_login(anna)
    response = client.get(reverse("credits:statement"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["balance"].available == 50
    assert len(response.context["lines"]) == 1
    assert "Cowo Roma" not in body.split("<main", 1)[1].split("statement-heading")[1]
    assert "Bruno" not in body


def test_the_statement_csv_has_the_running_balance_and_defuses_formulas(client, two_spaces):
    roma, organiser, *_rest = two_spaces
    anna = member_with_credits(50, space=roma)
    from credits.services import topup_sell

    topup_sell(roma, anna, 30, "=HYPERLINK(\"http://evil\")", organiser)
    daypass_buy(anna, roma, space_today(roma))
    client.force_login(anna)
    response = client.get(reverse("credits:statement_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("date,time,type,description,counterparty,credits,balance")
    assert [row.split(",")[2] for row in rows[1:]] == ["grant", "purchase", "spend_daypass"]
    assert [int(row.split(",")[6]) for row in rows[1:]] == [50, 80, 68]
    assert "'=HYPERLINK" in rows[2]


def test_a_member_sees_their_pass_with_a_qr_code_and_nobody_else_does(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    day_pass = daypass_buy(anna, roma, space_today(roma))
    client.force_login(anna)
    response = client.get(reverse("credits:daypass_detail", args=[day_pass.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and day_pass.code in body
    client.force_login(member_with_credits(0))
    assert client.get(reverse("credits:daypass_detail", args=[day_pass.pk])).status_code == 404


def test_a_member_cancels_their_pass_before_the_day_over_http(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    day_pass = daypass_buy(anna, roma, space_today(roma) + DAY)
    client.force_login(anna)
    response = client.post(reverse("credits:daypass_cancel", args=[day_pass.pk]))
    assert response.status_code == 302
    day_pass.refresh_from_db()
    assert (day_pass.state, balance(anna)) == ("refunded", 50)


def test_cancel_needs_post(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    day_pass = daypass_buy(anna, roma, space_today(roma) + DAY)
    client.force_login(anna)
    assert client.get(reverse("credits:daypass_cancel", args=[day_pass.pk])).status_code == 405


# --- buying a day pass over HTTP -------------------------------------------------------------


def buy(client, space, date, request=None):
    """The two steps of a purchase: the form shows the confirmation page (nothing bought),
    its POST buys."""
    data = {"date": date.isoformat(), "token": request or token()}
    url = reverse("credits:daypass_buy", args=[space.pk])
    passes = DayPass.objects.count()
    shown = client.post(url, data)
    assert shown.status_code == 200
    assert DayPass.objects.count() == passes
    return confirm(client, space, date, data["token"])


def confirm(client, space, date, request=None):
    """The confirmation page's POST alone."""
    return client.post(reverse("credits:daypass_buy", args=[space.pk]),
                       {"date": date.isoformat(), "token": request or token(), "confirm": "1",
                        "price": str(space.day_pass_price)})


def test_buying_redirects_to_the_new_pass(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    client.force_login(anna)
    response = buy(client, roma, space_today(roma))
    day_pass = DayPass.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("credits:daypass_detail", args=[day_pass.pk])
    assert balance(anna) == 38


def test_a_replayed_buy_post_buys_one_pass(client, two_spaces):
    roma, *_rest = two_spaces
    anna, request = member_with_credits(50), token()
    client.force_login(anna)
    first = buy(client, roma, space_today(roma), request)
    second = buy(client, roma, space_today(roma), request)
    assert first["Location"] == second["Location"]
    assert DayPass.objects.count() == 1
    assert Transfer.objects.filter(code="spend_daypass").count() == 1


def test_the_day_pass_form_asks_for_confirmation_and_charges_nothing(client, two_spaces):
    """Issue 10: a day pass was bought in one click. The form's POST now shows the price, the
    balance after and the cancellation terms; nothing moves until the confirmation."""
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    client.force_login(anna)
    day = space_today(roma) + 3 * DAY
    response = client.post(reverse("credits:daypass_buy", args=[roma.pk]),
                           {"date": day.isoformat(), "token": token()})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "credits/daypass_confirm.html"
    figures = definitions(html)
    assert figures[:3] == [("Price", "12 credits"), ("Available now", "50 credits"),
                           ("Available after", "38 credits")]
    until = (day - DAY)
    assert figures[3][0] == "Cancellation"
    assert f"until {until.strftime('%A')} {until.day}" in figures[3][1]
    assert 'name="confirm" value="1"' in html
    assert (DayPass.objects.count(), balance(anna)) == (0, 50)


def test_a_pass_for_today_says_it_cannot_be_refunded(client, two_spaces):
    roma, *_rest = two_spaces
    client.force_login(member_with_credits(50))
    response = client.post(reverse("credits:daypass_buy", args=[roma.pk]),
                           {"date": space_today(roma).isoformat(), "token": token()})
    assert "A pass for today cannot be cancelled or refunded." in response.content.decode()


def test_a_replayed_confirmation_buys_one_pass_and_charges_once(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    client.force_login(anna)
    data = {"date": space_today(roma).isoformat(), "token": token(), "confirm": "1",
            "price": "12"}
    url = reverse("credits:daypass_buy", args=[roma.pk])
    first, second = client.post(url, data), client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    assert (DayPass.objects.count(), balance(anna)) == (1, 38)


def test_a_confirmation_of_an_old_price_shows_the_new_one_and_buys_nothing(client, two_spaces):
    roma, *_rest = two_spaces
    anna = member_with_credits(50)
    client.force_login(anna)
    response = client.post(reverse("credits:daypass_buy", args=[roma.pk]),
                           {"date": space_today(roma).isoformat(), "token": token(),
                            "confirm": "1", "price": "8"})
    assert response.status_code == 200
    assert response.templates[0].name == "credits/daypass_confirm.html"
    assert "12 credits" in response.content.decode()
    assert (DayPass.objects.count(), balance(anna)) == (0, 50)


def test_a_past_date_gets_a_form_error(client, two_spaces):
    roma, *_rest = two_spaces
    client.force_login(member_with_credits(50))
    response = confirm(client, roma, space_today(roma) - DAY)
    assert response.status_code == 400
    assert "Choose today or a later day." in response.content.decode()
    assert DayPass.objects.count() == 0


@pytest.mark.parametrize("date", ["", "yesterday", "2024-02-30", "<script>", "9999-99-99"])
def test_a_nonsense_date_gets_a_form_error(client, two_spaces, date):
    roma, *_rest = two_spaces
    client.force_login(member_with_credits(50))
    response = client.post(reverse("credits:daypass_buy", args=[roma.pk]),
                           {"date": date, "token": token()})
    assert response.status_code == 400
    assert DayPass.objects.count() == 0


def test_without_enough_credits_the_buy_page_says_so(client, two_spaces):
    roma, *_rest = two_spaces
    client.force_login(member_with_credits(5))
    url = reverse("credits:daypass_buy", args=[roma.pk])
    data = {"date": space_today(roma).isoformat(), "token": token()}
    shown = client.post(url, data)
    assert "You do not have enough credits: 7 more are needed." in shown.content.decode()
    assert 'name="confirm"' not in shown.content.decode()
    # A confirmation forced past the page is refused by the service all the same.
    response = client.post(url, {**data, "confirm": "1", "price": "12"})
    assert response.status_code == 400
    assert "Not enough credits" in response.content.decode()
    assert DayPass.objects.count() == 0


def test_an_anonymous_buyer_is_sent_to_log_in(client, two_spaces):
    roma, *_rest = two_spaces
    response = confirm(client, roma, space_today(roma))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert DayPass.objects.count() == 0


def test_the_buy_form_of_an_unknown_space_is_404(client, two_spaces):
    client.force_login(member_with_credits(50))
    assert client.get(reverse("credits:daypass_buy", args=[999999])).status_code == 404


# --- the space's page --------------------------------------------------------------------


def test_an_organiser_sees_their_space_account_and_passes(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    anna = member_with_credits(50, first_name="Anna", last_name="Bianchi")
    daypass_buy(anna, roma, space_today(roma))
    client.force_login(roma_organiser)
    response = client.get(reverse("credits:space", args=[roma.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Anna Bianchi" in body
    assert response.context["balance"].posted == 12
    assert "anna" not in body.lower().replace("anna bianchi", "")


def test_an_organiser_sees_nothing_of_another_space(client, two_spaces):
    _roma, roma_organiser, milano, _milano_organiser = two_spaces
    client.force_login(roma_organiser)
    for name in ("credits:space", "credits:space_validate", "credits:space_topup"):
        assert client.get(reverse(name, args=[milano.pk])).status_code == 403


def test_the_space_page_lists_no_member_of_another_space(client, two_spaces):
    roma, roma_organiser, milano, _milano_organiser = two_spaces
    daypass_buy(member_with_credits(50, first_name="Carla", last_name="Neri"), milano,
                space_today(milano))
    client.force_login(roma_organiser)
    assert "Carla" not in client.get(reverse("credits:space", args=[roma.pk])).content.decode()


def test_a_plain_member_cannot_open_a_space_page(client, two_spaces):
    roma, *_rest = two_spaces
    client.force_login(member_with_credits(50, space=roma))
    assert client.get(reverse("credits:space", args=[roma.pk])).status_code == 403


def test_a_coordinator_opens_any_space_page(client, two_spaces):
    _roma, _o, milano, _mo = two_spaces
    client.force_login(coordinator())
    assert client.get(reverse("credits:space", args=[milano.pk])).status_code == 200


def test_validating_over_http_marks_the_pass_used(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    day_pass = daypass_buy(member_with_credits(50, first_name="Anna"), roma, space_today(roma))
    client.force_login(roma_organiser)
    url = reverse("credits:space_validate", args=[roma.pk])
    prefilled = client.get(url, {"code": day_pass.code})
    assert day_pass.code in prefilled.content.decode()
    response = client.post(url, {"code": day_pass.code.lower()})
    assert response.status_code == 200
    assert "now used" in response.content.decode()
    again = client.post(url, {"code": day_pass.code})
    assert again.status_code == 400
    assert "already used" in again.content.decode()


def test_validating_a_pass_of_another_space_shows_the_reason(client, two_spaces):
    roma, _o, milano, milano_organiser = two_spaces
    day_pass = daypass_buy(member_with_credits(50), roma, space_today(roma))
    client.force_login(milano_organiser)
    response = client.post(reverse("credits:space_validate", args=[milano.pk]),
                           {"code": day_pass.code})
    assert response.status_code == 400
    assert "is for Cowo Roma, not for Cowo Milano" in response.content.decode()
    day_pass.refresh_from_db()
    assert day_pass.state == "valid"


# --- top-ups -------------------------------------------------------------------------------


def sell(client, space, **data):
    fields = {"email": "", "amount": "", "external_reference": "Receipt 42", "token": token()}
    fields.update(data)
    return client.post(reverse("credits:space_topup", args=[space.pk]), fields)


def test_an_organiser_sells_credits_to_a_member_of_the_space(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    anna = member_with_credits(0, space=roma, email="Anna@Example.org")
    client.force_login(roma_organiser)
    response = sell(client, roma, email="anna@example.ORG", amount="40",
                    external_reference="Ricevuta nº 12 — contanti €40 ✓")
    assert response.status_code == 302
    transfer = Transfer.objects.get(code="purchase")
    assert (transfer.amount, transfer.external_reference, transfer.created_by) == (
        40, "Ricevuta nº 12 — contanti €40 ✓", roma_organiser)
    assert (balance(anna), balance(roma)) == (40, -40)


@pytest.mark.parametrize("amount", ["0", "-5", "1.5", "1e3", "abc", "", "100001",
                                    "99999999999999999999999", "10 credits", "0x10"])
def test_bad_amounts_are_refused_with_a_form_error(client, two_spaces, amount):
    roma, roma_organiser, *_rest = two_spaces
    member_with_credits(0, space=roma, email="anna@example.org")
    client.force_login(roma_organiser)
    response = sell(client, roma, email="anna@example.org", amount=amount)
    assert response.status_code == 400
    assert response.context["form"].errors["amount"]
    assert not Transfer.objects.filter(code="purchase").exists()


def test_an_unknown_email_is_refused(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    client.force_login(roma_organiser)
    response = sell(client, roma, email="nobody@example.org", amount="10")
    assert response.status_code == 400
    assert "No member of Cowo Roma has this e-mail address." in response.content.decode()


def test_a_member_of_another_space_cannot_be_sold_credits_here(client, two_spaces):
    roma, roma_organiser, milano, _mo = two_spaces
    member_with_credits(0, space=milano, email="carla@example.org")
    client.force_login(roma_organiser)
    response = sell(client, roma, email="carla@example.org", amount="10")
    assert response.status_code == 400
    assert not Transfer.objects.filter(code="purchase").exists()


@pytest.mark.parametrize("reference", ["", "   ", "line\nbreak", "x" * 201])
def test_a_missing_or_bad_payment_reference_is_refused(client, two_spaces, reference):
    roma, roma_organiser, *_rest = two_spaces
    member_with_credits(0, space=roma, email="anna@example.org")
    client.force_login(roma_organiser)
    response = sell(client, roma, email="anna@example.org", amount="10",
                    external_reference=reference)
    assert response.status_code == 400
    assert response.context["form"].errors["external_reference"]
    assert not Transfer.objects.filter(code="purchase").exists()


def test_a_replayed_sale_sells_once_and_a_tampered_replay_is_refused(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    anna = member_with_credits(0, space=roma, email="anna@example.org")
    client.force_login(roma_organiser)
    request = token()
    assert sell(client, roma, email="anna@example.org", amount="10",
                token=request).status_code == 302
    assert sell(client, roma, email="anna@example.org", amount="10",
                token=request).status_code == 302
    tampered = sell(client, roma, email="anna@example.org", amount="99", token=request)
    assert tampered.status_code == 400
    assert "already submitted" in tampered.content.decode()
    assert balance(anna) == 10


def test_a_sale_beyond_the_spaces_issuance_limit_is_refused(client, two_spaces, settings):
    roma, roma_organiser, *_rest = two_spaces
    settings.CREDITS_SPACE_ISSUANCE_LIMIT = 50
    member_with_credits(0, space=roma, email="anna@example.org")
    client.force_login(roma_organiser)
    response = sell(client, roma, email="anna@example.org", amount="51")
    assert response.status_code == 400
    assert "issuance limit" in response.content.decode()


def test_the_html_in_a_reference_is_shown_as_text(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    member_with_credits(0, space=roma, email="anna@example.org")
    client.force_login(roma_organiser)
    sell(client, roma, email="anna@example.org", amount="10",
         external_reference="<b>bold</b> שלום")
    body = client.get(reverse("credits:space", args=[roma.pk])).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt; שלום" in body
    assert "<b>bold</b>" not in body


# --- grants, clearing, transparency -------------------------------------------------------------


def test_a_coordinator_grants_credits_to_any_member(client, two_spaces):
    anna = member_with_credits(0, email="anna@example.org")
    client.force_login(coordinator())
    response = client.post(reverse("credits:grant"), {
        "email": "anna@example.org", "amount": "25", "memo": "Volunteering at Espresso 2026",
        "token": token()})
    assert response.status_code == 302
    assert balance(anna) == 25


@pytest.mark.parametrize("amount", ["0", "-1", "2.5", "100001"])
def test_a_grant_refuses_bad_amounts(client, two_spaces, amount):
    member_with_credits(0, email="anna@example.org")
    client.force_login(coordinator())
    response = client.post(reverse("credits:grant"), {
        "email": "anna@example.org", "amount": amount, "memo": "Thanks", "token": token()})
    assert response.status_code == 400
    assert not Transfer.objects.filter(code="grant", memo="Thanks").exists()


def test_organisers_and_members_cannot_grant(client, two_spaces):
    _roma, roma_organiser, *_rest = two_spaces
    for user in (roma_organiser, member_with_credits(0)):
        client.force_login(user)
        assert client.get(reverse("credits:grant")).status_code == 403


def test_only_coordinators_see_clearing(client, two_spaces):
    _roma, roma_organiser, *_rest = two_spaces
    for user in (roma_organiser, member_with_credits(0)):
        client.force_login(user)
        assert client.get(reverse("credits:clearing")).status_code == 403
        assert client.get(reverse("credits:clearing_csv")).status_code == 403
    client.force_login(coordinator())
    assert client.get(reverse("credits:clearing")).status_code == 200


def test_clearing_refuses_a_reversed_or_nonsense_period(client, two_spaces):
    client.force_login(coordinator())
    response = client.get(reverse("credits:clearing"), {"start": "2026-05-01",
                                                         "end": "2026-04-01"})
    assert response.status_code == 400
    assert "must start before it ends" in response.content.decode()
    csv_response = client.get(reverse("credits:clearing_csv"), {"start": "tomorrow"})
    assert csv_response.status_code == 400


def test_clearing_page_and_csv_show_the_settlement(client, two_spaces):
    roma, roma_organiser, milano, _mo = two_spaces
    from credits.services import topup_sell

    anna = member_with_credits(0, space=roma)
    topup_sell(roma, anna, 40, "R1", roma_organiser)
    daypass_buy(anna, milano, space_today(milano))
    client.force_login(coordinator())
    today = space_today(roma).isoformat()
    page = client.get(reverse("credits:clearing"), {"start": today, "end": today})
    assert page.status_code == 200
    assert [(p.debtor, p.creditor, p.amount) for p in page.context["clearing"].payments] == [
        (roma.pk, milano.pk, 8)]
    csv_text = b"".join(client.get(reverse("credits:clearing_csv"),
                                   {"start": today, "end": today}).streaming_content).decode()
    assert "Cowo Roma,Cowo Milano,8" in csv_text


def test_the_transparency_page_is_public_and_anonymous(client, two_spaces):
    roma, roma_organiser, *_rest = two_spaces
    from credits.services import topup_sell

    anna = member_with_credits(0, space=roma, first_name="Anna", last_name="Bianchi",
                               email="anna@example.org")
    topup_sell(roma, anna, 40, "R1", roma_organiser)
    daypass_buy(anna, roma, space_today(roma))
    response = client.get(reverse("credits:transparency"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cowo Roma" in body
    assert "Anna" not in body and "anna@example.org" not in body
    row = next(r for r in response.context["spaces"] if r["name"] == "Cowo Roma")
    assert (row["issued"], row["redeemed"], row["outstanding"]) == (40, 12, 28)


# --- the SpacePage include ------------------------------------------------------------------


def render_offer(space, user):
    request = RequestFactory().get("/spaces/x/")
    request.user = user
    return Template("{% load credit_tags %}{% space_day_pass space %}").render(
        Context({"space": space, "request": request, "user": user}))


def test_the_offer_shows_a_log_in_link_to_anonymous_visitors(two_spaces):
    from django.contrib.auth.models import AnonymousUser

    roma, *_rest = two_spaces
    html = render_offer(roma, AnonymousUser())
    assert "12 credits per day" in html
    assert "Log in to buy a day pass" in html
    assert "<form" not in html


def test_the_offer_gives_members_a_date_picker_and_their_balance(two_spaces):
    roma, *_rest = two_spaces
    html = render_offer(roma, member_with_credits(33))
    assert 'type="date"' in html
    assert reverse("credits:daypass_buy", args=[roma.pk]) in html
    assert "You have 33 credits available." in html


def test_no_offer_for_a_space_without_day_passes(site_tree):
    space, _organiser = space_with_organiser(site_tree.spaces, "Free", day_pass_price=0)
    assert "Day pass" not in render_offer(space, UserFactory())
