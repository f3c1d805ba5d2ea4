"""A translated event is one event (events.translations): its pages in two languages share
one registration list, one capacity, one waiting list; lists show it once; its facts come
from the original whatever a translation's editor typed."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from events.models import EventPage, Registration, RegistrationState
from events.page_context import registration_panel_context
from events.selectors import event_list_managed_by, event_list_upcoming, event_seat_counts
from events.translations import event_facts_sync, event_original, events_originals
from network.models import SpacePage
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def translate(page, language: str, **texts):
    """The translation of `page` into `language`, made as Wagtail's admin makes it
    (copy_for_translation; missing ancestors become aliases), with `texts` and published.
    An event's space is translated first (an alias would copy the space's one-to-one
    organiser group)."""
    locale, _created = Locale.objects.get_or_create(language_code=language)
    if isinstance(page.specific, EventPage):
        space = page.get_parent().specific
        if not SpacePage.objects.filter(translation_key=space.translation_key,
                                        locale=locale).exists():
            translate(space, language)
        copy = page.copy_for_translation(locale)
    else:
        copy = page.copy_for_translation(locale, copy_parents=True)
    copy = copy.specific
    for name, value in texts.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    return type(copy).objects.get(pk=copy.pk)


@pytest.fixture
def pair(site_tree):
    space = space_in(site_tree, "Cowo Roma")
    organiser = make_organiser(space)
    original = publish_event(space, title="Colazione di lavoro", capacity=1, language="it",
                             summary="Caffè e cornetti")
    english = translate(original, "it" if original.locale.language_code == "en" else "en",
                        title="Working breakfast")
    return original, english, organiser


def test_the_translation_is_a_second_page_of_the_same_event(pair):
    original, translation, _organiser = pair
    assert translation.pk != original.pk
    assert translation.translation_key == original.translation_key
    assert translation.locale_id != original.locale_id
    assert event_original(translation) == original
    assert event_original(original) == original
    # Its space is the original's space (one organiser group, one collection).
    assert translation.space_id == original.space_id
    translated_space = SpacePage.objects.get(translation_key=original.space.translation_key,
                                             locale=translation.locale)
    assert translated_space.organiser_group_id is None
    assert translated_space.collection_id == original.space.collection_id
    group = original.space.organiser_group
    assert set(group.page_permissions.filter(page=translated_space)
               .values_list("permission__codename", flat=True)) == set(
        group.page_permissions.filter(page=original.space)
        .values_list("permission__codename", flat=True))


def test_registering_on_either_page_fills_one_seat_list(client, pair):
    original, translation, _organiser = pair
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    response = client.post(reverse("events:register", args=[original.pk]))
    assert response.status_code == 302
    client.force_login(second)
    client.post(reverse("events:register", args=[translation.pk]))
    states = dict(Registration.objects.values_list("user_id", "state"))
    assert states == {first.pk: RegistrationState.CONFIRMED,
                      second.pk: RegistrationState.WAITLISTED}
    assert set(Registration.objects.values_list("event_id", flat=True)) == {original.pk}
    assert event_seat_counts(original).taken == 1
    assert event_seat_counts(original).waiting == 1
    # The same person on the other page: still one registration.
    client.force_login(first)
    client.post(reverse("events:register", args=[translation.pk]))
    assert Registration.objects.filter(user=first).count() == 1


def test_the_translation_page_shows_the_originals_seats(rf, pair):
    original, translation, _organiser = pair
    member = UserFactory()
    Registration.objects.create(event=original, user=member, state=RegistrationState.CONFIRMED)
    request = rf.get("/")
    request.user = member
    panel = registration_panel_context(request, translation)
    assert panel["event"] == original  # the register buttons post to the original
    assert panel["counts"].taken == 1
    assert panel["registration"].user == member


def test_lists_show_a_translated_event_once(client, pair):
    original, translation, organiser = pair
    assert list(event_list_upcoming()) == [original]
    assert list(event_list_managed_by(organiser)) == [original]
    assert list(events_originals(EventPage.objects.all())) == [original]
    feed = client.get(reverse("events:feed_json")).json()
    assert [item["id"] for item in feed["items"]] == [original.ical_uid]
    ics = client.get(reverse("events:calendar_network")).content
    assert ics.count(b"BEGIN:VEVENT") == 1
    api = client.get(reverse("api:events")).json()
    assert [item["pk"] for item in api["results"]] == [original.pk]
    # The .ics of the translation's id is the original event.
    one = client.get(reverse("events:calendar_event", args=[translation.pk]))
    assert one.status_code == 200
    assert f"UID:{original.ical_uid}".encode() in one.content


def test_the_door_and_the_dashboard_of_a_translation_are_the_originals(client, pair):
    original, translation, organiser = pair
    Registration.objects.create(event=original, guest_name="Ada", guest_email="a@example.org",
                                state=RegistrationState.CONFIRMED)
    client.force_login(organiser)
    dashboard = client.get(reverse("events:event_dashboard", args=[translation.pk]))
    assert dashboard.status_code == 200
    assert b"Ada" in dashboard.content


def test_a_translation_keeps_the_originals_facts(pair):
    original, translation, _organiser = pair
    # An editor of the translation changes a fact and publishes: the original's wins.
    page = translation.get_latest_revision_as_object()
    page.capacity = 500
    page.title = "Working breakfast (new title)"
    page.save_revision().publish()
    translation.refresh_from_db()
    assert translation.capacity == 1
    assert translation.title == "Working breakfast (new title)"
    # The original moves: its translation follows at once.
    page = original.get_latest_revision_as_object()
    page.starts_at = original.starts_at + dt.timedelta(days=1)
    page.ends_at = original.ends_at + dt.timedelta(days=1)
    page.capacity = 3
    page.save_revision().publish()
    translation.refresh_from_db()
    assert (translation.starts_at, translation.capacity) == (page.starts_at, 3)
    assert event_facts_sync(original) == 1


def test_a_copy_is_a_new_calendar_event_in_the_space_it_is_copied_to(site_tree):
    event = publish_event(space_in(site_tree, "Cowo A"))
    other = space_in(site_tree, "Cowo B")
    copy = event.copy(to=other, update_attrs={"slug": "copied", "title": "Copied"}).specific
    assert copy.ical_uid and copy.ical_uid != event.ical_uid
    assert copy.sequence == 0
    assert copy.space_id == other.pk


def test_an_event_without_translations_is_its_own_original(site_tree):
    event = publish_event(space_in(site_tree), starts_at=timezone.now() + dt.timedelta(days=2))
    assert event_original(event) is event
    assert event_facts_sync(event) == 0


def test_site_search_finds_a_translated_event_once(pair, wagtail_indexes):
    from home.search import site_search

    original, _translation, _organiser = pair
    # The summary was not translated: both pages hold the word.
    groups = {group.key: group for group in site_search("cornetti", None)}
    assert [page.pk for page in groups["events"].results] == [original.pk]


def test_followers_and_reports_count_a_translated_event_once(pair):
    from events.following.models import FollowKind
    from events.following.selectors import events_followed
    from events.following.services import follow_add
    from reports.network_report import space_report
    from reports.periods import period_parse

    original, _translation, _organiser = pair
    follower = UserFactory()
    follow_add(follower, FollowKind.SPACE, original.space)
    assert list(events_followed(follower)) == [original]
    period = period_parse(str(timezone.localtime(original.starts_at).year))
    report = space_report(original.space, period)
    assert report.figures.events == 1


def test_the_programme_of_a_translation_is_the_originals(rf, pair):
    from events.programme import services as programme_services
    from events.programme.views.common import load_programme

    original, translation, organiser = pair
    programme = programme_services.programme_ensure(original)
    request = rf.get("/")
    request.user = organiser
    loaded = load_programme(request, translation.pk)
    assert loaded.pk == programme.pk
    assert loaded.event == original
