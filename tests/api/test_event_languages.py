"""Events in the reader's language (docs/api.md, "Languages"): the API and the JSON feed show
a translated event's texts in the requested language (`?lang=`, else Accept-Language), and a
translation's id answers its event; every fact stays the original's."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.api.helpers import assert_matches_schema, get
from tests.events.registration_factories import publish_event, space_in
from tests.events.test_translations import translate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pair(site_tree):
    space = space_in(site_tree, "Cowo Roma")
    original = publish_event(space, title="Working breakfast", summary="Coffee and croissants",
                             capacity=5)
    assert original.locale.language_code == "en"
    italian = translate(original, "it", title="Colazione di lavoro «è»",
                        summary="Caffè e cornetti ☕")
    plain = publish_event(space, title="Only in English", summary="No translation")
    return original, italian, plain


def by_pk(response) -> dict:
    return {item["pk"]: item for item in response.json()["results"]}


def test_the_list_follows_accept_language_and_keeps_the_originals_facts(client, pair):
    original, italian, plain = pair
    items = by_pk(client.get(reverse("api:events"), HTTP_ACCEPT_LANGUAGE="it"))
    assert set(items) == {original.pk, plain.pk}  # the event once, under its one id
    item = items[original.pk]
    assert (item["title"], item["summary"]) == ("Colazione di lavoro «è»", "Caffè e cornetti ☕")
    assert item["url"].endswith(italian.url)
    assert item["id"] == original.ical_uid and item["capacity"] == 5
    assert items[plain.pk]["title"] == "Only in English"
    assert_matches_schema(item, "Event")
    english = by_pk(client.get(reverse("api:events"), HTTP_ACCEPT_LANGUAGE="en"))
    assert english[original.pk]["title"] == "Working breakfast"
    assert english[original.pk]["summary"] == "Coffee and croissants"


def test_lang_wins_over_accept_language(client, pair):
    original, _italian, _plain = pair
    items = by_pk(client.get(reverse("api:events"), {"lang": "it-CH"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert items[original.pk]["title"] == "Colazione di lavoro «è»"
    items = by_pk(client.get(reverse("api:events"), {"lang": "EN"}, HTTP_ACCEPT_LANGUAGE="it"))
    assert items[original.pk]["title"] == "Working breakfast"


def test_an_unknown_lang_is_a_400_naming_it(client, pair):
    for value in ["fr", "<script>", "it\n", " it", "x" * 300, "i t", "it-", "it-ch-ch"]:
        response = client.get(reverse("api:events"), {"lang": value})
        assert response.status_code == 400, value
        assert list(response.json()) == ["lang"]
        assert "en, it" in response.json()["lang"][0]


def test_a_translations_id_answers_its_event_in_the_translations_language(client, pair):
    original, italian, _plain = pair
    response = client.get(reverse("api:event", args=[italian.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert (data["pk"], data["id"]) == (original.pk, original.ical_uid)
    assert data["title"] == "Colazione di lavoro «è»"
    assert_matches_schema(data, "Event")
    assert get(client, "event", pk=italian.pk, params={"lang": "en"}).json()["title"] == \
        "Working breakfast"
    assert client.get(reverse("api:event", args=[original.pk]),
                      HTTP_ACCEPT_LANGUAGE="it").json()["title"] == "Colazione di lavoro «è»"
    assert get(client, "event_sessions", pk=italian.pk).status_code == 200


def test_an_unpublished_translations_id_is_a_404_and_its_texts_are_not_shown(client, pair):
    original, italian, _plain = pair
    italian.unpublish()
    assert get(client, "event", pk=italian.pk).status_code == 404
    data = get(client, "event", pk=original.pk, params={"lang": "it"}).json()
    assert data["title"] == "Working breakfast"


def test_the_json_feed_follows_the_language_too(client, pair):
    original, _italian, _plain = pair
    url = reverse("events:feed_json")
    italian = client.get(url, HTTP_ACCEPT_LANGUAGE="it").json()["items"]
    english = client.get(url, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="it").json()["items"]
    assert [i["title"] for i in italian if i["id"] == original.ical_uid] == [
        "Colazione di lavoro «è»"]
    assert [i["title"] for i in english if i["id"] == original.ical_uid] == ["Working breakfast"]
    bad = client.get(url, {"lang": "de"})
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["lang"]


def test_publishing_a_translation_changes_the_json_feeds_etag(client, pair):
    _original, italian, _plain = pair
    url = reverse("events:feed_json")
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="it")
    cache.clear()  # the page cache; the ETag alone must tell the change
    italian.title = "Colazione del lunedì"
    italian.save_revision().publish()
    second = client.get(url, HTTP_ACCEPT_LANGUAGE="it", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert "Colazione del lunedì" in second.content.decode()
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="it",
                      HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
