"""Figures count a translated space and a translated event once (docs/translations.md): the
reports and their downloads, the credits pages, the organisers' lists of spaces, the member
directory's space filter and the page explorer read the original (the page that holds the
registrations, the account and the passes) and name it in the reader's language
(`network.translations.titles_in_language`)."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from credits.models import Account, DayPass
from credits.selectors import transparency_figures
from credits.services import daypass_buy
from credits.services.daypass import space_today
from events import services
from events.filters import event_filter_choices
from events.following.models import Follow
from network.filters import MemberFilter
from network.models import MemberProfile
from network.permissions import spaces_organised_by, user_organises_space
from network.translations import titles_in_language
from network.wagtail_hooks import MembershipCreateForm
from reports.network_report import network_report
from reports.periods import period_parse
from tests.credits.features_factories import member_with_credits, token
from tests.events.registration_factories import (
    UserFactory,
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.events.test_page_explorer import _cells

pytestmark = pytest.mark.django_db


def translate(page, **texts):
    """`page` translated into Italian as the admin's "Translate" does, published."""
    copy = page.specific.copy_for_translation(Locale.objects.get(language_code="it")).specific
    for name, value in texts.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    return type(copy).objects.get(pk=copy.pk)


@pytest.fixture
def bilingual(site_tree):
    """A space and its event, both translated into Italian, with one seat taken (and one
    untranslated event of the same space, still to come)."""
    translate(site_tree.home)
    translate(site_tree.spaces, title="Spazi")
    space = space_in(site_tree, "Cowo Roma", day_pass_price=7)
    organiser = make_organiser(space)
    space_it = translate(space, title="Spazio Roma", tagline="Il coworking di Roma")
    event = publish_event(space, title="Working breakfast", capacity=5)
    event_it = translate(event, title="Colazione di lavoro")
    services.registration_create(event, user=UserFactory())
    untranslated = publish_event(space, title="Laser induction", starts_in_days=8)
    period = period_parse(str(event.local_starts_at.year))
    return {"space": space, "space_it": space_it, "event": event, "event_it": event_it,
            "untranslated": untranslated, "organiser": organiser, "period": period}


def test_titles_in_language_name_each_page_in_the_readers_language(bilingual):
    b = bilingual
    pks = [b["space"].pk, b["event"].pk, b["untranslated"].pk]
    with CaptureQueriesContext(connection) as queries:
        italian = titles_in_language(pks, "it")
    assert len(queries) == 1
    assert italian == {b["space"].pk: "Spazio Roma", b["event"].pk: "Colazione di lavoro",
                       b["untranslated"].pk: "Laser induction"}
    assert titles_in_language(pks, "en") == {b["space"].pk: "Cowo Roma",
                                             b["event"].pk: "Working breakfast",
                                             b["untranslated"].pk: "Laser induction"}
    # A translation's id reads like its original's; a regional code is its language.
    assert titles_in_language([b["event_it"].pk], "en") == {b["event_it"].pk: "Working breakfast"}
    assert titles_in_language([b["space"].pk], "it-CH") == {b["space"].pk: "Spazio Roma"}
    assert titles_in_language([]) == {}


def test_a_draft_translation_does_not_name_the_page(bilingual):
    b = bilingual
    b["event_it"].unpublish()
    assert titles_in_language([b["event"].pk], "it") == {b["event"].pk: "Working breakfast"}


def test_the_network_report_counts_a_translated_space_and_event_once(bilingual):
    b = bilingual
    with translation.override("it"):
        report = network_report(b["period"])
    assert [(s.space_id, s.title) for s in report.spaces] == [(b["space"].pk, "Spazio Roma")]
    figures = report.spaces[0]
    assert (figures.events, figures.seats, figures.participants) == (2, 1, 1)
    assert [line.title for line in figures.event_lines] == ["Colazione di lavoro",
                                                            "Laser induction"]
    assert sum(events for _month, events, _seats, _in in report.months) == 2
    assert report.totals()[:3] == [2, 0, 1]


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(("language", "space_title", "other_title"),
                         [("it", "Spazio Roma", "Cowo Roma"), ("en", "Cowo Roma", "Spazio Roma")])
def test_the_network_csv_has_one_row_per_space_in_the_readers_language(
        client, bilingual, language, space_title, other_title):
    client.force_login(make_coordinator())
    response = client.get(reverse("reports:network_export", args=["csv"]),
                          {"period": bilingual["period"].label},
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    rows = _csv_rows(response.content)
    assert sum(1 for row in rows if row and row[0] == space_title) == 1
    assert not any(other_title in cell for row in rows for cell in row)


def test_a_translations_space_report_is_the_originals_for_its_organiser(client, bilingual):
    b = bilingual
    client.force_login(b["organiser"])
    response = client.get(reverse("reports:space", args=[b["space_it"].pk]),
                          {"period": b["period"].label}, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    report = response.context["report"]
    assert report.space.pk == b["space"].pk
    assert (report.figures.events, report.figures.seats) == (2, 1)
    body = response.content.decode()
    assert "<bdi>Spazio Roma</bdi>" in body
    assert body.count("<bdi>Colazione di lavoro</bdi>") == 1 and "Working breakfast" not in body
    csv_response = client.get(reverse("reports:space_export", args=[b["space_it"].pk, "csv"]),
                              {"period": b["period"].label}, HTTP_ACCEPT_LANGUAGE="it")
    rows = _csv_rows(csv_response.content)
    assert sum(1 for row in rows if "Colazione di lavoro" in row) == 1


def test_the_event_report_names_the_event_and_space_in_the_readers_language(client, bilingual):
    b = bilingual
    client.force_login(b["organiser"])
    response = client.get(reverse("reports:event", args=[b["event_it"].pk]),
                          HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    assert response.context["report"].event.pk == b["event"].pk
    assert (response.context["report"].title, response.context["report"].space_title) == (
        "Colazione di lavoro", "Spazio Roma")
    assert response.context["report"].with_seat == 1


def test_a_day_pass_bought_on_the_italian_page_belongs_to_the_original_space(client, bilingual):
    b = bilingual
    buyer = member_with_credits(30)
    client.force_login(buyer)
    day = space_today(b["space"])
    response = client.post(reverse("credits:daypass_buy", args=[b["space_it"].pk]),
                           {"date": day.isoformat(), "token": token(), "confirm": "1",
                            "price": "7"})
    day_pass = DayPass.objects.get(user=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("credits:daypass_detail", args=[day_pass.pk])
    assert day_pass.space_id == b["space"].pk
    assert not Account.objects.filter(space=b["space_it"]).exists()
    assert Account.objects.get(space=b["space"]).credits_posted == 7
    with translation.override("it"):
        rows = transparency_figures()["spaces"]
    assert [(row["name"], row["redeemed"], row["day_passes"]) for row in rows] == [
        ("Spazio Roma", 7, 1)]


def test_organisers_organise_the_translation_of_their_space_and_nothing_else(bilingual,
                                                                             site_tree):
    b = bilingual
    other = make_organiser(space_in(site_tree, "Cowo Milano"))
    assert user_organises_space(b["organiser"], b["space_it"]) is True
    assert user_organises_space(b["organiser"], b["space_it"].pk) is True
    assert user_organises_space(other, b["space_it"]) is False
    assert list(spaces_organised_by(b["organiser"])) == [b["space"]]
    titles = [space.title for space in spaces_organised_by(make_coordinator())]
    assert titles == ["Cowo Milano", "Cowo Roma"]


def test_the_statement_links_each_organised_space_once_in_the_readers_language(client,
                                                                               bilingual):
    client.force_login(make_coordinator())
    response = client.get(reverse("credits:statement"), HTTP_ACCEPT_LANGUAGE="it")
    spaces = response.context["organised_spaces"]
    assert [(s.pk, s.display_title) for s in spaces] == [(bilingual["space"].pk, "Spazio Roma")]
    link = reverse("credits:space", args=[bilingual["space"].pk])
    assert response.content.decode().count(f'href="{link}"') == 1


def test_the_member_directory_offers_a_translated_space_once(bilingual):
    choices = list(MemberFilter().filters["space"].queryset)
    assert choices == [bilingual["space"]]


def test_the_explorer_shows_the_originals_counts_on_a_translated_event(client, bilingual):
    b = bilingual
    client.force_login(make_coordinator(is_superuser=True))
    original = client.get(reverse("wagtailadmin_explore", args=[b["space"].pk]))
    italian = client.get(reverse("wagtailadmin_explore", args=[b["space_it"].pk]))
    assert original.status_code == italian.status_code == 200
    # Confirmed, waiting, capacity, checked in of the translated event: the original's.
    assert sorted(cells[1:5] for cells in _cells(original.content.decode())) == [
        ("0", "0", "No limit", "0"), ("1", "0", "5", "0")]
    assert [cells[1:5] for cells in _cells(italian.content.decode())] == [("1", "0", "5", "0")]


def test_following_a_space_from_its_italian_page_follows_the_space_once(client, bilingual):
    b = bilingual
    user = UserFactory()
    client.force_login(user)
    italian = client.get(b["space_it"].url).content.decode()
    assert f'name="target" value="{b["space"].pk}"' in italian  # the original's id
    assert "Segui" in italian and "Spazio Roma" in italian
    for page in (b["space_it"], b["space"]):  # an old form posting the translation's id too
        client.post(reverse("following:toggle"), {"kind": "space", "target": str(page.pk),
                                                  "action": "follow", "next": page.url})
    assert [f.space_id for f in Follow.objects.filter(user=user)] == [b["space"].pk]
    assert 'aria-pressed="true"' in client.get(b["space_it"].url).content.decode()
    assert 'aria-pressed="true"' in client.get(b["space"].url).content.decode()


# --- space names in the reader's language (filters, admin form, a space's credits pages) ---


def test_the_listing_and_directory_space_filters_name_spaces_in_the_readers_language(
        bilingual, site_tree):
    space_in(site_tree, "Anagnina Hub")  # untranslated: its own name, sorted by the name shown
    with translation.override("it"):
        listing = event_filter_choices()["space"]
        directory = [str(label) for _value, label in MemberFilter().form.fields["space"].choices]
    assert listing == [("anagnina-hub", "Anagnina Hub"), ("cowo-roma", "Spazio Roma")]
    assert directory == ["Qualsiasi spazio", "Anagnina Hub", "Spazio Roma"]
    with translation.override("en"):
        assert event_filter_choices()["space"] == [("anagnina-hub", "Anagnina Hub"),
                                                   ("cowo-roma", "Cowo Roma")]
        directory = [str(label) for _value, label in MemberFilter().form.fields["space"].choices]
    assert directory == ["Any space", "Anagnina Hub", "Cowo Roma"]
    # The value stays the original's id: filtering by it works as before.
    member_filter = MemberFilter({"space": str(bilingual["space"].pk)},
                                 queryset=MemberProfile.objects.all())
    assert member_filter.is_valid()


def test_the_membership_form_names_the_organisers_spaces_in_the_readers_language(bilingual):
    with translation.override("it"):
        form = MembershipCreateForm(for_user=bilingual["organiser"])
        choices = [(str(value), label) for value, label in form.fields["space"].choices]
    assert choices == [("", "---------"), (str(bilingual["space"].pk), "Spazio Roma")]


def test_a_spaces_credits_and_day_pass_pages_name_it_in_the_readers_language(client, bilingual):
    b = bilingual
    client.force_login(b["organiser"])
    page = client.get(reverse("credits:space", args=[b["space"].pk]), HTTP_ACCEPT_LANGUAGE="it")
    assert "<h1>Spazio Roma</h1>" in page.content.decode()
    assert "Cowo Roma" not in page.content.decode()
    buyer = member_with_credits(30)
    client.force_login(buyer)
    buy_page = client.get(reverse("credits:daypass_buy", args=[b["space_it"].pk]),
                          HTTP_ACCEPT_LANGUAGE="it")
    assert "Una giornata a Spazio Roma" in buy_page.content.decode()
    english = client.get(reverse("credits:daypass_buy", args=[b["space"].pk]),
                         HTTP_ACCEPT_LANGUAGE="en")
    assert "A day at Cowo Roma" in english.content.decode()
    day_pass = daypass_buy(buyer, b["space"], space_today(b["space"]) + dt.timedelta(days=1))
    detail = client.get(reverse("credits:daypass_detail", args=[day_pass.pk]),
                        HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "<h1>Spazio Roma</h1>" in detail and "Cowo Roma" not in detail
    statement = client.get(reverse("credits:statement"), HTTP_ACCEPT_LANGUAGE="it")
    assert "Spazio Roma</a>" in statement.content.decode()
