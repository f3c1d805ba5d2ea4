"""The redirect of an address without a language (`/`, an old page address) to the
visitor's language is kept under the content version (home.middleware.PageLocaleMiddleware):
the next request for it costs one query, and it still changes at once when a page or a
Wagtail redirect changes (issue 11)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.contrib.redirects.models import Redirect

from events.models import EventPage
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, db):
    settings.PAGE_CACHE = True
    cache.clear()
    if connection.vendor == "postgresql":
        # The version is bumped at COMMIT (a deferred trigger); a test never commits.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cache.clear()


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree, title="Cowo Lecce"), title="Open coffee")


def _redirect(client: Client, url: str, **headers) -> tuple[int, str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response.status_code, response.get("Location", ""), len(queries)


@pytest.mark.parametrize("member", [False, True])
def test_the_sites_address_redirects_to_the_visitors_language_in_one_query(site_tree, member):
    client = Client()
    if member:
        client.force_login(UserFactory())
    status, location, _first = _redirect(client, "/")
    assert (status, location) == (302, "/en/")
    assert _redirect(client, "/") == (302, "/en/", 1)  # the content version only
    response = client.get("/")
    assert response["Vary"] == "Accept-Language, Cookie"
    assert "Content-Language" not in response  # as LocaleMiddleware's own redirect
    # Another language, another entry; the query string goes along.
    assert _redirect(client, "/", accept_language="it")[:2] == (302, "/it/")
    assert _redirect(client, "/", accept_language="it") == (302, "/it/", 1)
    assert _redirect(client, "/?utm=caff%C3%A8")[:2] == (302, "/en/?utm=caff%C3%A8")


def test_an_old_address_follows_its_page_at_once(client, event):
    old = event.url.removeprefix("/en")
    assert _redirect(client, old)[:2] == (302, event.url)
    assert _redirect(client, old) == (302, event.url, 1)
    EventPage.objects.get(pk=event.pk).unpublish()
    status, _location, _queries = _redirect(client, old)
    assert status == 404
    assert client.get(old).status_code == 404


def test_a_wagtail_redirect_added_for_an_old_address_wins_at_once(client, event, site_tree):
    old = event.url.removeprefix("/en")
    assert _redirect(client, old)[:2] == (302, event.url)
    assert _redirect(client, old)[2] == 1
    Redirect.objects.create(old_path=old.rstrip("/"), redirect_page=site_tree.events)
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, site_tree.events.url)


def test_an_address_a_view_answers_is_never_kept(client, event):
    """A view may answer 404 for one visitor and not for another: only addresses no URL
    pattern matches are kept."""
    assert client.get("/search/?q=coffee").status_code == 200
    assert client.get("/search/?q=coffee").status_code == 200
    assert not [key for key in cache._cache if "language-redirect" in key]
