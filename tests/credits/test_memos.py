"""Ledger descriptions in the reader's language (issue 10: Italian members read "Day pass
2026-12-03" and "Credits bought at Cowo Roma"). The stored memo stays the same in every
language; the statement renders it through the catalogue."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from credits.memos import CREDITS_BOUGHT, DAY_PASS, DAY_PASS_REFUND, memo_display
from credits.models import Transfer
from credits.services import daypass_buy, daypass_cancel, grant_create, topup_sell
from credits.services.daypass import space_today
from tests.credits.features_factories import (
    coordinator,
    member_with_credits,
    token,
)
from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 3)


def _statement(user, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/me/credits/")
    assert response.status_code == 200
    return response.content.decode()


def test_stored_memos_are_the_same_english_source_in_any_language():
    with translation.override("it"):
        assert DAY_PASS.text(date=DAY) == "Day pass 2026-12-03"
        assert CREDITS_BOUGHT.text(space="Cowo Roma") == "Credits bought at Cowo Roma"
        assert DAY_PASS_REFUND.text(date=DAY) == "Refund: day pass 2026-12-03 cancelled"


@pytest.mark.usefixtures("italian_catalog")
@pytest.mark.parametrize(("memo", "code", "italian", "english"), [
    ("Day pass 2026-12-03", "spend_daypass", "Pass giornaliero 3 dicembre 2026",
     "Day pass 3 December 2026"),
    ("Refund: day pass 2026-12-03 cancelled", "reversal",
     "Rimborso: pass giornaliero del 3 dicembre 2026 annullato",
     "Refund: day pass 3 December 2026 cancelled"),
    ("Credits bought at Cowo Roma <b>&</b>", "purchase",
     "Crediti acquistati presso Cowo Roma <b>&</b>", "Credits bought at Cowo Roma <b>&</b>"),
    # What a person wrote, or a system memo under another code, is shown as written.
    ("Day pass 2026-12-03", "grant", "Day pass 2026-12-03", "Day pass 2026-12-03"),
    ("Helped at the welcome desk", "earn_volunteer", "Helped at the welcome desk",
     "Helped at the welcome desk"),
    ("Day pass 2026-13-45", "spend_daypass", "Pass giornaliero 2026-13-45",
     "Day pass 2026-13-45"),
    ("", "spend_event", "", ""),
])
def test_memo_display(memo, code, italian, english):
    with translation.override("it"):
        assert memo_display(memo, code) == italian
    with translation.override("en"):
        assert memo_display(memo, code) == english


@pytest.mark.usefixtures("italian_catalog")
def test_italian_statement_describes_day_passes_and_purchases_in_italian(roma):
    space, organiser = roma
    member = member_with_credits(50, space=space)
    topup_sell(space, member, 20, "receipt 7", organiser, request_token=token())
    day_pass = daypass_buy(member, space, space_today(space) + datetime.timedelta(days=40))
    daypass_cancel(day_pass, member)
    when = day_pass.date
    stored = set(Transfer.objects.exclude(memo="").values_list("memo", flat=True))
    assert stored == {"Credits bought at Cowo Roma", f"Day pass {when.isoformat()}",
                      f"Refund: day pass {when.isoformat()} cancelled"}
    html = _statement(member, "it")
    months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
              "agosto", "settembre", "ottobre", "novembre", "dicembre"]
    italian_day = f"{when.day} {months[when.month - 1]} {when.year}"
    assert f"Pass giornaliero {italian_day}" in html
    assert f"Rimborso: pass giornaliero del {italian_day} annullato" in html
    assert "Crediti acquistati presso Cowo Roma" in html
    assert "Day pass" not in html and "Credits bought" not in html
    # The network's account is named in Italian too (its stored name is English).
    assert "Emissione della rete" in html and "Network issuance" not in html
    english = _statement(member, "en")
    assert f"Day pass {when.day} {when.strftime('%B')} {when.year}" in english
    assert "Network issuance" in english


@pytest.mark.usefixtures("italian_catalog")
def test_a_coordinators_reason_is_shown_as_written(site_tree):
    member = member_with_credits(0)
    grant_create(member, 10, "Ha tradotto il formato", coordinator(), request_token=token())
    html = _statement(member, "it")
    assert "Ha tradotto il formato" in html
