"""Pages in two languages (network.translations, home.models.HomePage.route): each page is
served under its language's prefix; a page without a translation is shown in its original
language under the visitor's prefix with a note (never a 404); lists show each event once,
in the visitor's language when it has a translation; old addresses redirect; the switcher
goes to the same page's translation; the page cache never gives one language's page to the
other's visitor."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from events.models import EventPage
from events.services import registration_create
from home.demo import load_home_demo
from home.demo_translations import EVENT_TEXTS_IT, demo_event_slugs, load_translations_demo
from network.models import SpacePage
from network.translations import page_languages, page_url_in_language
from tests.events.registration_factories import (
    UserFactory,
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)

pytestmark = pytest.mark.django_db

NOTE = "original-language-note"


def translate(page, language: str = "it", **texts):
    """`page` translated as the admin's "Translate" does (copy_for_translation), published."""
    locale = Locale.objects.get(language_code=language)
    copy = page.specific.copy_for_translation(locale).specific
    for name, value in texts.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    return type(copy).objects.get(pk=copy.pk)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(site_tree):
    """An Italian home and events section, a space translated, one event translated
    ('Colazione di lavoro') and one not ('Laser induction')."""
    home_it = translate(site_tree.home, intro="<p>Benvenuti</p>")
    events_it = translate(site_tree.events, title="Eventi")
    translate(site_tree.spaces, title="Spazi")
    space = space_in(site_tree, "Cowo Roma")
    space_it = translate(space)
    translated = publish_event(space, title="Working breakfast", summary="Coffee first",
                               capacity=5)
    translated_it = translate(translated, title="Colazione di lavoro",
                              summary="Prima il caffè")
    untranslated = publish_event(space, title="Laser induction", starts_in_days=8)
    return {"home_it": home_it, "events_it": events_it, "space": space, "space_it": space_it,
            "event": translated, "event_it": translated_it, "untranslated": untranslated,
            "tree": site_tree}


def test_each_language_has_its_address(client, world):
    assert world["event"].url.startswith("/en/spaces/cowo-roma/")
    assert world["event_it"].url.startswith("/it/spaces/cowo-roma/")
    english = client.get(world["event"].url).content.decode()
    italian = client.get(world["event_it"].url).content.decode()
    assert '<html lang="en"' in english and "Working breakfast" in english
    assert '<html lang="it"' in italian and "Colazione di lavoro" in italian
    assert "Working breakfast</h1>" not in italian
    assert NOTE not in english and NOTE not in italian


def test_an_untranslated_page_is_shown_in_its_language_with_a_note(client, world):
    url = page_url_in_language(world["untranslated"], "it")
    assert url == world["untranslated"].url.replace("/en/", "/it/", 1)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it"' in html  # the interface stays Italian
    assert "Laser induction" in html
    assert f'class="{NOTE}"' in html
    # Canonical: the original's own address; no hreflang for a language it does not have.
    assert f'<link rel="canonical" href="http://testserver{world["untranslated"].url}">' in html
    assert 'hreflang="it"' not in html


def test_a_page_missing_in_every_tree_is_a_404(client, world):
    assert client.get("/it/spaces/cowo-roma/no-such-event/").status_code == 404
    assert client.get("/en/no-such-page/").status_code == 404


def test_translated_pages_announce_each_other_with_hreflang(client, world):
    html = client.get(world["event_it"].url).content.decode()
    links = dict(re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">', html))
    assert links == {"en": "http://testserver" + world["event"].url,
                     "it": "http://testserver" + world["event_it"].url,
                     "x-default": "http://testserver" + world["event"].url}


def test_old_addresses_without_a_language_redirect(client, world):
    old = world["event"].url.removeprefix("/en")
    english = client.get(old, HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english["Location"]) == (302, world["event"].url)
    italian = client.get(old, HTTP_ACCEPT_LANGUAGE="it")
    # The Italian address of the original's path: the Italian tree has the same slugs here.
    assert (italian.status_code, italian["Location"]) == (302, "/it" + old)
    assert client.get("/it" + old).status_code == 200
    # Feeds, calendars, the API and the admin keep their addresses (no redirect).
    for name in ("events:calendar_network", "events:feed_json"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get("/api/v1/events/").status_code == 200


def test_the_switcher_goes_to_the_same_pages_translation(client, world):
    html = client.get(world["event"].url).content.decode()
    actions = dict(re.findall(r'value="([a-z]{2})" formaction="([^"]+)"', html))
    assert actions["it"].endswith("next=" + world["event_it"].url.replace("/", "%2F"))
    response = client.post(actions["it"].replace("&amp;", "&"), {"language": "it"})
    assert (response.status_code, response["Location"]) == (302, world["event_it"].url)
    assert client.cookies["django_language"].value == "it"


def test_the_switcher_on_an_untranslated_page_keeps_its_address(client, world):
    languages = {lang.code: lang for lang in page_languages(world["untranslated"])}
    assert languages["it"].translated is False
    assert languages["it"].url == world["untranslated"].url.replace("/en/", "/it/", 1)
    assert languages["en"].translated is True


def test_listings_show_each_event_once_in_the_visitors_language(client, world):
    italian = client.get(world["events_it"].url).content.decode()
    assert italian.count("Colazione di lavoro") == 1
    assert "Working breakfast" not in italian
    assert f'href="{world["event_it"].url}"' in italian
    # The untranslated one once, linked under the Italian prefix.
    assert italian.count("Laser induction") == 1
    assert f'href="{world["untranslated"].url.replace("/en/", "/it/", 1)}"' in italian
    english = client.get(world["tree"].events.url).content.decode()
    assert english.count("Working breakfast") == 1
    assert "Colazione di lavoro" not in english


def test_the_italian_home_lists_spaces_and_events_once(client, world):
    html = client.get("/it/").content.decode()
    assert "Benvenuti" in html
    assert html.count(">Cowo Roma</a>") == 1
    assert "Colazione di lavoro" in html and "Working breakfast" not in html


def test_the_italian_space_page_shows_the_originals_events(client, world):
    html = client.get(world["space_it"].url).content.decode()
    assert "Colazione di lavoro" in html
    assert "Laser induction" in html


def test_a_translated_spaces_calendar_has_each_event_once(client, world):
    response = client.get(reverse("events:calendar_space", args=["cowo-roma"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 2
    assert "Working breakfast" in body and "Colazione di lavoro" not in body


def test_the_italian_directory_lists_each_space_once(client, world):
    other = space_in(world["tree"], "FabLab Bari")
    english = client.get(world["tree"].spaces.url).content.decode()
    italian = client.get(world["tree"].spaces.url.replace("/en/", "/it/", 1)).content.decode()
    for html in (english, italian):
        assert html.count(">Cowo Roma</a>") == 1
        assert html.count(f">{other.title}</a>") == 1
    assert f'href="{world["space_it"].url}"' in italian


def test_the_italian_page_shows_the_originals_seats(client, world):
    registration_create(world["event"], user=UserFactory())
    translation = EventPage.objects.get(pk=world["event_it"].pk)
    assert (translation.seats_left, world["event"].seats_left) == (4, 4)
    html = client.get(world["event_it"].url).content.decode()
    assert "4 posti disponibili / 5" in html


def test_coordinators_and_organisers_may_translate_pages(client, site_tree):
    space = space_in(site_tree, "Cowo Roma")
    organiser, coordinator = make_organiser(space), make_coordinator()
    assert organiser.has_perm("simple_translation.submit_translation")
    assert coordinator.has_perm("simple_translation.submit_translation")
    event = publish_event(space, title="Laser induction")
    client.force_login(coordinator)
    url = reverse("simple_translation:submit_page_translation", args=[event.pk])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("first, then", [("en", "it"), ("it", "en")])
def test_the_page_cache_never_gives_one_languages_page_to_the_other(settings, world,
                                                                     first, then):
    settings.PAGE_CACHE = True
    urls = {"en": world["event"].url, "it": world["event_it"].url}
    fallback = {"en": world["untranslated"].url,
                "it": world["untranslated"].url.replace("/en/", "/it/", 1)}
    for language in (first, then):
        visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
        for url in (urls[language], fallback[language], "/search/?q=cowo"):
            for attempt in ("miss", "hit"):
                response = visitor.get(url)
                assert response.status_code == 200
                assert response["X-Page-Cache"] == attempt, (language, url)
                assert f'<html lang="{language}"' in response.content.decode(), (language, url)
        # An address without a language: each visitor to their own language's page.
        assert visitor.get("/")["Location"] == f"/{language}/"


def test_the_demo_has_the_home_the_format_and_events_in_italian(client, site_tree):
    tree = load_home_demo()
    space = space_in(site_tree, "Cowo Demo")
    chosen = demo_event_slugs()
    assert len(chosen) == 3
    start = timezone.now() + dt.timedelta(days=3)
    for slug, title in chosen:
        event = EventPage(title=title, slug=slug, starts_at=start, language="en",
                          ends_at=start + dt.timedelta(hours=2))
        space.add_child(instance=event)
        event.save_revision().publish()
    load_translations_demo(tree)
    load_translations_demo(tree)  # twice: nothing new
    italian = EventPage.objects.filter(locale__language_code="it")
    assert sorted(italian.values_list("title", flat=True)) == sorted(
        EVENT_TEXTS_IT[title][0] for _slug, title in chosen)
    assert SpacePage.objects.filter(locale__language_code="it").count() == 1
    home = client.get("/it/").content.decode()
    assert "è una rete di coworking" in home
    format_html = client.get("/it/format/").content.decode()
    assert "Il cerchio di apertura" in format_html and NOTE not in format_html
    assert "The opening circle" in client.get("/en/format/").content.decode()
