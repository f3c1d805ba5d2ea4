"""The anonymous page cache (network.pagecache): served from the cache while nothing changed,
changed at once when what a page shows changes, never shared with a signed-in member, never
carrying someone else's CSRF token, and right across several nodes sharing one database."""

import pickle
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.admin.models import EditingSession

from events.services import registration_cancel, registration_create
from events.tasks import registration_notify
from network.pagecache import triggers
from network.pagecache.middleware import CSRF_PLACEHOLDER
from network.pagecache.triggers import triggers_install, watched_tables
from network.pagecache.versions import content_version
from network.services import profile_ensure
from tests.events.registration_factories import publish_event, republish, space_in
from tests.network.factories import MemberProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, db):
    settings.PAGE_CACHE = True
    if connection.vendor == "postgresql":
        # PostgreSQL bumps the version at COMMIT (a deferred trigger); a test's transaction
        # never commits, so fire the deferred triggers at each statement instead.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _get(client: Client, url: str, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response


@pytest.fixture
def event(site_tree):
    space = space_in(site_tree, title="Cowo Lecce")
    return publish_event(space, title="Open coffee", capacity=3)


def test_second_anonymous_view_comes_from_the_cache(client, event):
    first = _get(client, event.url)
    second = _get(client, event.url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert TOKEN.sub("", first.content.decode()) == TOKEN.sub("", second.content.decode())


def test_a_published_edit_shows_at_once(client, event):
    _get(client, event.url)
    republish(event, title="Open coffee — moved to the terrace")
    response = _get(client, event.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Open coffee — moved to the terrace" in response.content.decode()


def test_an_unpublished_event_is_gone_at_once(client, event, site_tree):
    assert "Open coffee" in _get(client, site_tree.events.url).content.decode()
    event.unpublish()
    assert client.get(event.url).status_code == 404
    assert "Open coffee" not in _get(client, site_tree.events.url).content.decode()


def test_a_registration_changes_the_seats_left_at_once(client, event, site_tree):
    assert "3 places left" in _get(client, event.url).content.decode()
    _get(client, site_tree.events.url)
    registration = registration_create(event, user=UserFactory())
    assert "2 places left" in _get(client, event.url).content.decode()
    registration_cancel(registration)
    assert "3 places left" in _get(client, event.url).content.decode()


def test_a_hidden_profile_leaves_directory_and_profile_page_at_once(client, site_tree):
    profile = MemberProfileFactory(display_name="Zoë Ferrante")
    assert "Zoë Ferrante" in _get(client, site_tree.members.url).content.decode()
    assert _get(client, profile.get_absolute_url())["X-Page-Cache"] == "miss"
    assert _get(client, profile.get_absolute_url())["X-Page-Cache"] == "hit"
    profile_ensure(profile.user, visibility="hidden")
    assert "Zoë Ferrante" not in _get(client, site_tree.members.url).content.decode()
    assert client.get(profile.get_absolute_url()).status_code == 404


def test_each_language_has_its_own_page(client, event):
    english = _get(client, event.url)
    italian_url = event.url.replace("/en/", "/it/", 1)  # no translation: the original shown
    client.cookies["django_language"] = "it"
    italian = _get(client, italian_url)
    assert italian["X-Page-Cache"] == "miss"
    assert 'lang="it"' in italian.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert _get(client, italian_url, headers={"accept-language": "it"})["X-Page-Cache"] == "hit"


def test_a_signed_in_member_never_gets_or_leaves_a_cached_page(client, event):
    user = UserFactory()
    _get(client, event.url)  # an anonymous page is now cached
    member = Client()
    member.force_login(user)
    response = _get(member, event.url)
    assert "X-Page-Cache" not in response
    assert "Sign out" in response.content.decode()
    anonymous = _get(client, event.url)
    assert anonymous["X-Page-Cache"] == "hit"
    assert "Sign out" not in anonymous.content.decode()


def test_a_cached_page_carries_the_visitors_own_working_csrf_token(event):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    _get(first, event.url)
    stored = pickle.loads(cache._cache[_page_keys()[0]])  # noqa: S301 (our own test cache)
    assert CSRF_PLACEHOLDER in stored.body
    assert not TOKEN.search(stored.body.decode(errors="replace"))
    response = _get(second, event.url)
    assert response["X-Page-Cache"] == "hit"
    token = TOKEN.search(response.content.decode()).group(1)
    assert "csrftoken" in response.cookies
    switched = second.post("/i18n/setlang/", {"language": "it", "next": "/",
                                              "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert second.cookies["django_language"].value == "it"


def test_a_request_with_messages_or_a_session_bypasses_the_cache(client, event):
    _get(client, event.url)
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in _get(client, event.url)
    del client.cookies["messages"]
    client.cookies["sessionid"] = "not-a-session"
    assert "X-Page-Cache" not in _get(client, event.url)


def test_a_response_that_sets_a_cookie_or_is_private_is_not_stored(client, site_tree):
    # The personal-data page of the privacy app is private, no-store; account pages set
    # cookies: none of them is marked public, and none is ever stored.
    for url in ("/accounts/login/", "/me/data/"):
        client.get(url)
    assert _page_keys() == []


def test_a_page_rendered_in_a_rolled_back_transaction_is_never_served(client, event):
    with transaction.atomic():
        republish(event, title="A title that never was")
        assert "A title that never was" in _get(client, event.url).content.decode()
        transaction.set_rollback(True)
    response = _get(client, event.url)
    assert "A title that never was" not in response.content.decode()
    assert "Open coffee" in response.content.decode()


def test_every_change_bumps_the_version_in_its_own_transaction(event):
    before = content_version()
    with transaction.atomic():
        registration_create(event, user=UserFactory())
        inside = content_version()
        transaction.set_rollback(True)
    assert inside != before
    assert content_version() == before


def test_a_sign_in_alone_leaves_cached_pages_valid(client, event):
    user = UserFactory()
    before = content_version()
    Client().force_login(user)  # updates last_login
    assert content_version() == before
    user.email = "new-address@example.org"
    user.save()
    assert content_version() != before


def test_watched_tables_cover_pages_registrations_and_profiles_not_the_ledger():
    tables = watched_tables(connection)
    for table in ("wagtailcore_page", "events_eventpage", "events_registration",
                  "network_memberprofile", "network_spacepage", "auth_user"):
        assert table in tables
    assert not [t for t in tables if t.startswith(("credits_", "django_session"))]


def test_the_task_queue_leaves_cached_pages_valid(event):
    """A registration's e-mail task row, a worker claiming and finishing it: no page shows
    the queue, so none of it empties the cache (nor costs the registration's COMMIT a
    second bump)."""
    assert "django_tasks_database_dbtaskresult" not in watched_tables(connection)
    before = content_version()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = registration_notify.enqueue("confirmed", 1, "en")
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING")
    DBTaskResult.objects.filter(pk=result.id).delete()
    assert content_version() == before


def test_an_editor_keeping_a_page_open_leaves_cached_pages_valid(event):
    """The admin pings an editing session every few seconds while a page is open in the
    editor: nothing any page shows, so it must not empty the cache each time."""
    assert "wagtailadmin_editingsession" not in watched_tables(connection)
    editor = UserFactory()
    before = content_version()
    session = EditingSession.objects.create(
        user=editor, content_type=ContentType.objects.get_for_model(event),
        object_id=str(event.pk), last_seen_at=timezone.now())
    EditingSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now(),
                                                        is_editing=True)
    session.delete()
    assert content_version() == before
    republish(event)
    assert content_version() != before


def test_installing_drops_the_triggers_of_a_table_no_longer_watched(event, monkeypatch):
    """A table added to UNWATCHED loses its trigger at the next migrate (which installs)."""
    table = "events_registration"
    triggers_install(connection)
    monkeypatch.setattr(triggers, "UNWATCHED", (*triggers.UNWATCHED, table))
    first, second = UserFactory(), UserFactory()
    triggers_install(connection)
    before = content_version()
    registration_create(event, user=first)
    assert content_version() == before
    monkeypatch.undo()
    triggers_install(connection)
    registration_create(event, user=second)
    assert content_version() != before


NODE = "django.core.cache.backends.locmem.LocMemCache"


def test_two_nodes_with_their_own_caches_see_an_edit_at_once(client, event):
    """Two app nodes that share the database but not a cache (the worst case): each serves
    its cached page until the edit, then both show the edit on the very next request."""
    nodes = [{"default": {"BACKEND": NODE, "LOCATION": f"node-{n}"}} for n in "ab"]
    for caches in nodes:
        with override_settings(CACHES=caches):
            _get(client, event.url)
            assert _get(client, event.url)["X-Page-Cache"] == "hit"
    republish(event, title="Open coffee, second edition")
    for caches in nodes:
        with override_settings(CACHES=caches):
            response = _get(client, event.url)
            assert response["X-Page-Cache"] == "miss"
            assert "Open coffee, second edition" in response.content.decode()


def _page_keys() -> list[str]:
    return [key for key in cache._cache if ":espresso:page:" in key]  # locmem's own dict


def test_signed_in_pages_reuse_fragments_but_show_changes_at_once(event, site_tree):
    member = Client()
    member.force_login(UserFactory())
    assert "3 seats left" in _get(member, event.url).content.decode()
    assert "Open coffee" in _get(member, site_tree.events.url).content.decode()
    assert [k for k in cache._cache if ":espresso:fragment:" in k]
    registration_create(event, user=UserFactory())
    assert "2 seats left" in _get(member, event.url).content.decode()
    republish(event, title="Open coffee, renamed")
    assert "Open coffee, renamed" in _get(member, site_tree.events.url).content.decode()


def test_each_member_sees_their_own_registration_on_a_shared_fragment(event):
    registered, other = UserFactory(), UserFactory()
    registration_create(event, user=registered)
    first, second = Client(), Client()
    first.force_login(registered)
    second.force_login(other)
    assert "You are registered" in _get(first, event.url).content.decode()
    page = _get(second, event.url).content.decode()
    assert "You are registered" not in page
    assert "2 seats left" in page


def test_a_cached_page_is_not_served_after_the_next_change_by_the_clock(client, site_tree):
    """No write happens when an event ends; the listing must drop it all the same."""
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    space = space_in(site_tree, title="Cowo Bari")
    publish_event(space, title="Evening jam", starts_in_days=0.1, hours=1)
    assert "Evening jam" in _get(client, site_tree.events.url).content.decode()
    assert _get(client, site_tree.events.url)["X-Page-Cache"] == "hit"
    later = timezone.now() + dt.timedelta(hours=4)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = _get(client, site_tree.events.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Evening jam" not in response.content.decode()
