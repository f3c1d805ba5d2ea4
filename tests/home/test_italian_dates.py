"""Italian writes month and day names in lower case inside dates ("giovedì 3 dicembre 2026",
"gio 3 dic"); Django's Italian catalogue capitalises them (issue 10). English is unchanged."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from tests.events.registration_factories import publish_event, space_in

pytestmark = pytest.mark.usefixtures("italian_catalog")

THURSDAY = dt.datetime(2026, 12, 3, 17, 30, tzinfo=ZoneInfo("Europe/Rome"))
FORMATS = '{{ d|date:"l j F Y" }}|{{ d|date:"D j M Y, H:i" }}|{{ d|date:"j N" }}|{{ d|date:"E" }}'


def _render(language: str, moment: dt.datetime = THURSDAY) -> str:
    with translation.override(language):
        return Template("{% load tz %}{% timezone 'Europe/Rome' %}" + FORMATS
                        + "{% endtimezone %}").render(Context({"d": moment}))


def test_italian_dates_have_lower_case_names():
    assert _render("it") == "giovedì 3 dicembre 2026|gio 3 dic 2026, 17:30|3 dic.|dicembre"


@pytest.mark.parametrize("month", range(1, 13))
def test_every_italian_month_and_day_is_lower_case(month):
    moment = THURSDAY.replace(month=month, day=7)
    text = _render("it", moment).replace("|", " ")
    assert text == text.lower(), text


def test_english_dates_keep_their_capitals():
    assert _render("en") == "Thursday 3 December 2026|Thu 3 Dec 2026, 17:30|3 Dec.|December"


@pytest.mark.django_db
def test_italian_event_page_shows_its_date_in_lower_case(client, site_tree):
    event = publish_event(space_in(site_tree, "Cowo Roma"), title="Laboratorio",
                          starts_at=THURSDAY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    # The Italian address of the page (it has no translation: the original, in Italian).
    html = client.get(event.url.replace("/en/", "/it/", 1)).content.decode()
    assert "giovedì 3 dicembre 2026" in html
    assert "Giovedì" not in html and "Dicembre" not in html
