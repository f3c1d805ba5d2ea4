"""What signed-in pages keep under the content version (issue 11): Wagtail's routing, the
header's sections and admin link, the event page's follow targets, organiser link, seats
and programme, the listing's filter choices. A member's page costs a handful of queries,
and still changes on the very next request when what it shows changes."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag
from wagtail.models import PageViewRestriction

from events.following.services import follow_add
from events.models import EventPage
from events.programme import services as programme_services
from events.programme.models import Phase, Programme
from events.services import registration_create
from network.models import MembershipRole
from network.services import membership_set
from tests.events.registration_factories import publish_event, republish, space_in
from tests.events.test_translations import translate
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


@pytest.fixture
def event(site_tree):
    space = space_in(site_tree, title="Cowo Lecce")
    return publish_event(space, title="Open coffee", capacity=3)


@pytest.fixture
def member():
    client = Client()
    client.user = UserFactory()
    client.force_login(client.user)
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_members_event_page_and_listing_cost_a_handful_of_queries(member, event,
                                                                     site_tree):
    """Session, user and version; the event page adds the member's registration (read
    fresh each time). The page, Wagtail's two view-restriction reads, the page's languages
    and what the member follows (under their id) come from the cache under the version (it
    was 33 queries, the listing 21, then 9 and 7, then 5 and 3)."""
    for url in (event.url, site_tree.events.url):
        _page(member, url)
        _page(member, url)  # the second request is routed from the cache, and reads the rest
    assert _queries(member, site_tree.events.url) == 3
    assert _queries(member, event.url) == 4


def test_a_moved_page_is_served_at_its_new_address_at_once(member, event):
    old_url = event.url
    _page(member, old_url)
    republish(event, slug="open-coffee-moved")
    assert member.get(old_url).status_code == 404
    assert "Open coffee" in _page(member, EventPage.objects.get(pk=event.pk).url)


def test_an_unpublished_page_is_gone_at_once_for_members_too(member, event):
    _page(member, event.url)
    EventPage.objects.get(pk=event.pk).unpublish()
    assert member.get(event.url).status_code == 404


def test_a_page_made_private_asks_for_sign_in_at_once(client, event):
    assert client.get(event.url).status_code == 200
    assert client.get(event.url).status_code == 200  # routed from the cache
    PageViewRestriction.objects.create(page=event, restriction_type="login")
    response = client.get(event.url)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?next={event.url}")


def test_a_renamed_section_shows_in_the_header_at_once(member, site_tree):
    assert ">Events</a>" in _page(member, site_tree.home.url)
    site_tree.events.title = "Agenda"
    site_tree.events.save_revision().publish()
    page = _page(member, site_tree.home.url)
    assert ">Agenda</a>" in page
    assert ">Events</a>" not in page


def test_the_admin_link_shows_at_once_when_a_member_gets_admin_access(member, event):
    assert ">Admin</a>" not in _page(member, event.url)
    group = Group.objects.create(name="Editors of the test")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin",
                                                 codename="access_admin"))
    member.user.groups.add(group)
    assert ">Admin</a>" in _page(member, event.url)
    member.user.groups.remove(group)
    assert ">Admin</a>" not in _page(member, event.url)


def test_the_manage_link_shows_at_once_when_a_member_becomes_an_organiser(member, event):
    assert "Manage this event" not in _page(member, event.url)
    membership_set(member.user, event.space, MembershipRole.ORGANISER)
    assert "Manage this event" in _page(member, event.url)


def test_follow_buttons_show_a_new_topic_and_the_members_own_follows_at_once(member, event):
    page = _page(member, event.url)
    assert "Follow <bdi>Cowo Lecce</bdi>" in page
    assert "risotto" not in page
    page = EventPage.objects.get(pk=event.pk)
    page.topics.add("risotto")
    page.save_revision().publish()
    assert "Follow <bdi>risotto</bdi>" in _page(member, event.url)
    follow_add(member.user, "topic", Tag.objects.get(name="risotto"))
    page = _page(member, event.url)
    assert "Following <bdi>risotto</bdi> · stop" in page
    assert "Follow <bdi>Cowo Lecce</bdi>" in page


def test_the_seats_left_and_the_programme_change_at_once(member, event):
    assert "3 places left" in _page(member, event.url)
    registration_create(event, user=UserFactory())
    page = _page(member, event.url)
    assert "2 places left" in page
    assert "Unconference programme" not in page
    programme = programme_services.programme_ensure(event)
    Programme.objects.filter(pk=programme.pk).update(phase=Phase.PROPOSALS)
    assert "Unconference programme" in _page(member, event.url)


def test_a_new_space_is_a_filter_choice_of_the_listing_at_once(member, site_tree):
    assert "Cowo Otranto" not in _page(member, site_tree.events.url)
    space_in(site_tree, title="Cowo Otranto")
    assert "Cowo Otranto" in _page(member, site_tree.events.url)


def test_a_restriction_removed_opens_the_page_at_once(client, event):
    restriction = PageViewRestriction.objects.create(page=event, restriction_type="login")
    assert client.get(event.url).status_code == 302
    assert client.get(event.url).status_code == 302  # routed, restrictions read, from the cache
    restriction.delete()
    assert client.get(event.url).status_code == 200


def test_a_restriction_on_a_parent_closes_its_pages_at_once(member, client, event):
    """Wagtail checks the page's ancestors too: a space made private hides its events."""
    assert client.get(event.url).status_code == 200
    assert client.get(event.url).status_code == 200
    group = Group.objects.create(name="Insiders")
    restriction = PageViewRestriction.objects.create(page=event.space,
                                                     restriction_type="groups")
    restriction.groups.add(group)
    assert client.get(event.url).status_code == 302
    assert member.get(event.url).status_code == 302  # Wagtail: sign in as someone allowed
    member.user.groups.add(group)
    assert "Open coffee" in _page(member, event.url)


def test_a_new_translation_shows_in_the_language_switch_at_once(member, event):
    page = _page(member, event.url)
    _page(member, event.url)
    assert 'hreflang="it"' not in page
    translation = translate(EventPage.objects.get(pk=event.pk), "it", title="Caffè aperto")
    page = _page(member, event.url)
    assert f'hreflang="it" href="http://testserver{translation.url}"' in page


def test_the_listings_filters_and_follow_buttons_follow_the_query_string(member, site_tree):
    """What the query string means is kept under the version, one entry per query string."""
    space_in(site_tree, title="Cowo Otranto")
    listing = site_tree.events.url
    assert "follow-buttons" not in _page(member, listing)
    page = _page(member, listing + "?format=workshop")
    assert 'name="kind" value="format"' in page
    assert "format=workshop" in page  # the feeds keep the filter
    page = _page(member, listing + "?format=nonsense&when=past")
    assert "Some filters were not understood" in page
    assert 'name="kind" value="format"' not in page
    assert _page(member, listing).count("format=workshop") == 0


def test_an_edited_event_shows_its_new_text_at_once_to_a_member(member, event):
    """The routed page itself comes from the cache under the version: an edit is seen on the
    very next request, and the member's own registration at once too."""
    for _ in range(3):
        assert "Open coffee" in _page(member, event.url)
    republish(event, title="Open coffee, with cornetti")
    assert "Open coffee, with cornetti" in _page(member, event.url)
    registration_create(EventPage.objects.get(pk=event.pk), user=member.user)
    assert "You are registered" in _page(member, event.url)


def test_a_new_event_shows_on_its_space_page_and_the_home_at_once(member, event, site_tree):
    """The space page's description and events, and the home's next events, are fragments
    kept under the version."""
    space = event.space
    for _ in range(3):
        assert "Open coffee" in _page(member, space.url)
        assert "Open coffee" in _page(member, site_tree.home.url)
    publish_event(space, title="Risotto night")
    assert "Risotto night" in _page(member, space.url)
    assert "Risotto night" in _page(member, site_tree.home.url)
    EventPage.objects.get(pk=event.pk).unpublish()
    assert "Open coffee" not in _page(member, space.url)
    assert "Open coffee" not in _page(member, site_tree.home.url)


def test_a_members_home_reads_no_spaces_sections_or_numbers_once_cached(member, site_tree):
    """The home's spaces, sections and numbers are shown from a fragment kept under the
    content version: a signed-in member's home then costs the session, the user and the
    version (and reads no space, no section, no member count)."""
    space_in(site_tree, title="Cowo Lecce")
    home = site_tree.home.url
    _page(member, home)
    _page(member, home)
    with CaptureQueriesContext(connection) as queries:
        assert "Cowo Lecce" in _page(member, home)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in sqls if "network_spacepage" in sql or "COUNT(" in sql.upper()]
    assert len(sqls) == 3, sqls


def test_the_home_shows_a_new_space_and_the_new_numbers_to_a_member_at_once(member,
                                                                             site_tree):
    space_in(site_tree, title="Cowo Lecce", city="Lecce")
    home = site_tree.home.url
    assert "Cowo Bari" not in _page(member, home)
    _page(member, home)
    space_in(site_tree, title="Cowo Bari", city="Bari")
    page = _page(member, home)
    assert "Cowo Bari" in page
    response = member.get(home)
    assert (response.context["numbers"]["spaces"], response.context["numbers"]["cities"]) == (
        2, 2)


def test_the_home_fragment_shares_nothing_personal(site_tree):
    """What a member's home stores for others holds nothing of theirs (no name, address or
    CSRF token); it serves another member, never an anonymous visitor, who is asked to
    join."""
    first, second = Client(), Client()
    first.user = UserFactory(first_name="Zoë", last_name="Primera")
    second.user = UserFactory(first_name="Ørjan", last_name="Segundo")
    first.force_login(first.user)
    second.force_login(second.user)
    home = site_tree.home.url
    mine = _page(first, home)
    stored = [value[1] for key, value in _cache_entries() if ":espresso:fragment:" in key]
    assert any("The spaces" in html for html in stored)
    for html in stored:
        for personal in (first.user.username, first.user.email, "Primera",
                         "csrfmiddlewaretoken", first.cookies["csrftoken"].value
                         if "csrftoken" in first.cookies else "csrftoken"):
            assert personal not in html
    theirs = _page(second, home)
    assert "Join the network" not in mine and "Join the network" not in theirs
    assert "Join the network" in _page(Client(), home)


def _cache_entries() -> list[tuple[str, tuple]]:
    """The local-memory cache's entries, unpickled (the tests' cache backend)."""
    import pickle

    return [(key, pickle.loads(value)) for key, value in cache._cache.items()]  # noqa: S301


def test_a_space_pages_follow_button_and_report_link_are_each_members_own_and_fresh(
        member, event):
    """The space page keeps a member's follows and whether they may read the space's report
    under the version and their id: a follow and a new organiser show on the next request,
    and never on another member's page."""
    space = event.space
    other = Client()
    other.force_login(UserFactory())
    for _ in range(2):
        page = _page(member, space.url)
        assert "Follow <bdi>Cowo Lecce</bdi>" in page and "Space report" not in page
    follow_add(member.user, "space", space)
    membership_set(member.user, space, MembershipRole.ORGANISER)
    page = _page(member, space.url)
    assert "Following <bdi>Cowo Lecce</bdi> · stop" in page
    assert "Space report" in page and "Network report" not in page
    page = _page(other, space.url)
    assert "Follow <bdi>Cowo Lecce</bdi>" in page and "Space report" not in page


def test_a_translated_space_page_follows_the_original(member, event):
    """The follow button of a translation names the original space (kept under the
    version like the rest)."""
    space = EventPage.objects.get(pk=event.pk).space
    italian = translate(space, "it", title="Cowo Lecce (it)")
    for _ in range(2):
        page = _page(member, italian.url)
    assert f'name="target" value="{space.pk}"' in page


def test_a_members_own_pages_read_no_site_for_the_header_once_cached(member, site_tree):
    """The header's sections are kept under the version and the address's host: a view that
    is no Wagtail page ("my events") finds no site for them once cached, and a renamed
    section still shows on the very next request."""
    url = reverse("events:my_events")
    _page(member, url)
    with CaptureQueriesContext(connection) as queries:
        page = _page(member, url)
    assert "The Espresso format" in page
    assert not [q["sql"] for q in queries.captured_queries if "wagtailcore_site" in q["sql"]]
    site_tree.format.title = "Il nostro formato"
    site_tree.format.save_revision().publish()
    assert "Il nostro formato" in _page(member, url)


def test_the_header_is_kept_per_host(member, site_tree, settings):
    """Each address of one installation keeps its own header (the host picks the site)."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example.org"]
    url = reverse("events:my_events")
    _page(member, url)

    def site_queries(**headers) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert member.get(url, **headers).status_code == 200
        return len([q for q in queries.captured_queries if "wagtailcore_site" in q["sql"]])

    assert site_queries() == 0
    assert site_queries(HTTP_HOST="other.example.org") >= 1
    assert site_queries(HTTP_HOST="other.example.org") == 0
