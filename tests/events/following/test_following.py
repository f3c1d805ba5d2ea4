"""Following spaces, topics and formats: the services, the buttons, the member's page and
the calendar of followed events."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from events.calendar_tokens import calendar_token_create
from events.following.exceptions import FollowTargetInvalid
from events.following.models import DigestFrequency, Follow, FollowKind, FollowSettings
from events.following.selectors import digest_frequency, events_followed
from events.following.services import digest_frequency_set, follow_add, follow_remove
from events.models import EventStatus
from home.privacy import member_data_export, member_erase
from tests.events.following.factories import publish_event_with_topics
from tests.events.registration_factories import publish_event, republish, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def racale(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


@pytest.fixture
def other(site_tree):
    return space_in(site_tree, title="Cowo Altrove", city="Milano")


def test_following_a_space_twice_keeps_one_follow(racale):
    user = UserFactory()
    first = follow_add(user, FollowKind.SPACE, racale)
    second = follow_add(user, FollowKind.SPACE, racale)
    assert first.pk == second.pk
    assert Follow.objects.filter(user=user).count() == 1


def test_a_target_of_the_wrong_kind_is_refused_and_nothing_is_saved(racale):
    user = UserFactory()
    with pytest.raises(FollowTargetInvalid):
        follow_add(user, FollowKind.TOPIC, racale)
    with pytest.raises(FollowTargetInvalid):
        follow_add(user, FollowKind.FORMAT, "<script>")
    with pytest.raises(FollowTargetInvalid):
        follow_add(user, "planet", racale)
    assert Follow.objects.count() == 0


def test_followed_events_are_those_of_the_space_topic_or_format_followed(racale, other):
    user = UserFactory()
    at_racale = publish_event(racale, title="Workshop a Racale")
    tagged = publish_event_with_topics(other, ["Stampa 3D"], title="3D elsewhere")
    talk = publish_event(other, format="talk", title="A talk elsewhere")
    publish_event(other, title="Unrelated workshop")
    publish_event(racale, starts_in_days=-3, title="Past at Racale")
    follow_add(user, FollowKind.SPACE, racale)
    follow_add(user, FollowKind.TOPIC, Tag.objects.get(name="Stampa 3D"))
    follow_add(user, FollowKind.FORMAT, "talk")

    assert set(events_followed(user)) == {at_racale, tagged, talk}


def test_a_cancelled_event_is_left_out_of_the_digest_list_but_kept_in_the_calendar(racale):
    user = UserFactory()
    event = publish_event(racale)
    follow_add(user, FollowKind.SPACE, racale)
    republish(event, status=EventStatus.CANCELLED, status_reason="Flood")
    assert list(events_followed(user)) == []
    assert list(events_followed(user, upcoming_only=False, include_cancelled=True)) == [event]


def test_unfollowing_removes_only_that_follow(racale, other):
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, racale)
    follow_add(user, FollowKind.SPACE, other)
    assert follow_remove(user, FollowKind.SPACE, racale) is True
    assert follow_remove(user, FollowKind.SPACE, racale) is False
    assert [f.space for f in Follow.objects.filter(user=user)] == [other]


def test_digest_choice_defaults_to_weekly_and_refuses_unknown_values():
    user = UserFactory()
    assert digest_frequency(user) == DigestFrequency.WEEKLY
    digest_frequency_set(user, DigestFrequency.NEVER)
    assert digest_frequency(user) == DigestFrequency.NEVER
    with pytest.raises(ValueError):
        digest_frequency_set(user, "hourly")
    assert digest_frequency(user) == DigestFrequency.NEVER


def test_the_space_page_button_follows_the_space(client, racale):
    user = UserFactory()
    client.force_login(user)
    page = client.get(racale.url)
    assert f'name="target" value="{racale.pk}"' in page.content.decode()
    response = client.post(reverse("following:toggle"), {
        "kind": "space", "target": str(racale.pk), "action": "follow", "next": racale.url})
    assert response.status_code == 302
    assert response["Location"] == racale.url
    assert Follow.objects.get(user=user).space == racale
    assert 'aria-pressed="true"' in client.get(racale.url).content.decode()


def test_the_event_page_offers_its_space_format_and_topics(client, racale):
    event = publish_event_with_topics(racale, ["Énergie ☀️"], format="meetup")
    client.force_login(UserFactory())
    html = client.get(event.url).content.decode()
    assert f'name="target" value="{racale.pk}"' in html
    assert 'name="target" value="meetup"' in html
    assert f'name="target" value="{Tag.objects.get(name="Énergie ☀️").slug}"' in html


def test_the_listing_filtered_by_a_format_offers_to_follow_it(client, racale):
    publish_event(racale, format="seminar")
    client.force_login(UserFactory())
    html = client.get("/en/events/?format=seminar").content.decode()
    assert 'name="target" value="seminar"' in html


def test_a_visitor_is_asked_to_sign_in_and_the_toggle_needs_a_login(client, racale):
    html = client.get(racale.url).content.decode()
    assert "Sign in to follow" in html
    response = client.post(reverse("following:toggle"), {
        "kind": "space", "target": str(racale.pk), "action": "follow"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Follow.objects.count() == 0


@pytest.mark.parametrize("target", ["999999", "-1", "1e3", "²", "9" * 40, "", "<b>x</b>"])
def test_the_toggle_answers_an_unknown_target_with_400_and_saves_nothing(client, racale, target):
    client.force_login(UserFactory())
    response = client.post(reverse("following:toggle"),
                           {"kind": "space", "target": target, "action": "follow"})
    assert response.status_code == 400
    assert Follow.objects.count() == 0


def test_the_toggle_never_redirects_to_another_site(client, racale):
    client.force_login(UserFactory())
    response = client.post(reverse("following:toggle"), {
        "kind": "space", "target": str(racale.pk), "action": "follow",
        "next": "https://evil.example/"})
    assert response["Location"] == reverse("following:mine")


def test_my_following_page_lists_follows_and_saves_the_digest_choice(client, racale):
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, racale)
    follow_add(user, FollowKind.FORMAT, "workshop")
    client.force_login(user)
    html = client.get(reverse("following:mine")).content.decode()
    assert "Cowo Racale" in html and "Workshop" in html
    assert client.post(reverse("following:mine"), {"day": "never"}).status_code == 302
    assert digest_frequency(user) == DigestFrequency.NEVER
    assert client.post(reverse("following:mine"), {"day": "daily"}).status_code == 400
    assert digest_frequency(user) == DigestFrequency.NEVER


@pytest.mark.parametrize("form", [{"day": "7"}, {"day": "-1"}, {"day": ""}, {},
                                  {"day": "4", "time_zone": "Mars/Olympus"},
                                  {"day": "4", "time_zone": "Europe/Rome\n"}])
def test_a_bad_digest_day_or_zone_is_a_400_that_changes_nothing(client, form):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("following:mine"), form)
    assert (response.status_code, response.content) == (400, b"Unknown digest choice.")
    assert not FollowSettings.objects.filter(user=user).exists()


def test_the_digest_day_and_zone_are_saved_and_shown_again(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("following:mine")).content.decode()
    assert '<option value="0" selected>Monday</option>' in html
    response = client.post(reverse("following:mine"),
                           {"day": "4", "time_zone": "America/New_York"})
    assert response.status_code == 302
    saved = FollowSettings.objects.get(user=user)
    assert (saved.digest, saved.digest_weekday, saved.time_zone) == ("weekly", 4,
                                                                     "America/New_York")
    html = client.get(reverse("following:mine")).content.decode()
    assert '<option value="4" selected>Friday</option>' in html
    assert '<option value="America/New_York" selected>America/New_York</option>' in html


def test_the_followed_events_calendar_works_with_the_personal_token_only(client, racale):
    user = UserFactory()
    event = publish_event(racale, title="Stampa 3D\nper tutti <b>")
    follow_add(user, FollowKind.SPACE, racale)
    token = calendar_token_create(user)
    response = client.get(reverse("following:calendar", kwargs={"token": token.token}))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert event.ical_uid in body
    # The new token revokes the old: the old address is a 404.
    calendar_token_create(user)
    assert client.get(reverse("following:calendar",
                              kwargs={"token": token.token})).status_code == 404
    assert client.get(reverse("following:calendar",
                              kwargs={"token": "x" * 43})).status_code == 404


def test_the_members_data_export_and_erasure_cover_what_they_follow(racale):
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, racale)
    digest_frequency_set(user, DigestFrequency.NEVER)
    exported = member_data_export(user)["following"]
    assert exported["follows"][0]["kind"] == "space"
    assert exported["follows"][0]["target"] == "Cowo Racale"
    assert exported["digest"] == "never"
    member_erase(user, by=user)
    assert Follow.objects.filter(user=user).count() == 0
    assert digest_frequency(user) == DigestFrequency.WEEKLY


def test_a_translated_event_is_one_followed_event_whichever_space_page_was_followed(racale):
    # Imported here: at the top, that module's autouse fixture would join this module.
    from tests.events.test_translations import translate

    original = publish_event(racale, title="Colazione di lavoro", language="it")
    english = translate(original, "it" if original.locale.language_code == "en" else "en",
                        title="Working breakfast")
    translated_space = english.get_parent().specific
    assert translated_space.pk != racale.pk
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, translated_space)
    assert list(events_followed(user)) == [original]
