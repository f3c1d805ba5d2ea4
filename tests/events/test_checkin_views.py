"""The event day over HTTP (issue 9): the permission wall, the door page with and without
JavaScript, search as you type, the counter, the dashboard, tickets in pages and e-mails."""

import json

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import services
from events.dashboard import DashboardLink, dashboard_link_provider, dashboard_link_provider_remove
from events.models import Registration, RegistrationState
from tests.events.registration_factories import (
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture
from tests.network.factories import MemberProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def organiser(space):
    return make_organiser(space)


@pytest.fixture
def event(space):
    return publish_event(space, starts_in_days=1 / 24, capacity=10)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def event_urls(event, registration_pk=1):
    return [
        ("get", reverse("events:event_dashboard", args=[event.pk]), {}),
        ("get", reverse("events:checkin", args=[event.pk]), {}),
        ("get", reverse("events:checkin_search", args=[event.pk]) + "?q=an", {}),
        ("get", reverse("events:checkin_counts", args=[event.pk]), {}),
        ("post", reverse("events:checkin", args=[event.pk]), {"code": "x" * 24}),
        ("post", reverse("events:checkin_undo", args=[event.pk]),
         {"registration": registration_pk}),
        ("post", reverse("events:checkin_walk_in", args=[event.pk]),
         {"name": "Walk In", "email": "walk@example.org"}),
        ("post", reverse("events:dashboard_ticket_renew", args=[event.pk, registration_pk]),
         {}),
    ]


# --- the permission wall -------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, event):
    for method, url, data in event_urls(event):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["member", "organiser_elsewhere", "registrant"])
def test_everyone_but_the_events_organisers_gets_403_and_changes_nothing(
        client, site_tree, event, who):
    registration = services.registration_create(event, user=UserFactory())
    users = {
        "member": UserFactory(),
        "organiser_elsewhere": make_organiser(space_in(site_tree, title="Cowo Elsewhere")),
        "registrant": registration.user,
    }
    client.force_login(users[who])
    for method, url, data in event_urls(event, registration.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    assert list(Registration.objects.filter(event=event).values_list("state", "ticket_code")) \
        == [(RegistrationState.CONFIRMED, registration.ticket_code)]


@pytest.mark.parametrize("who", ["organiser", "coordinator"])
def test_the_events_organisers_and_coordinators_reach_every_page(client, event, organiser,
                                                                 who):
    client.force_login(organiser if who == "organiser" else make_coordinator())
    for method, url, _data in event_urls(event)[:4]:
        assert getattr(client, method)(url).status_code == 200, url


@pytest.mark.parametrize("event_id", ["99999999999999999999999", "0", "2147483648"])
def test_huge_or_unknown_event_ids_are_404(client, organiser, event_id):
    client.force_login(make_coordinator())
    response = client.get(f"/events/{event_id}/checkin/")
    assert response.status_code == 404


def test_a_negative_event_id_does_not_route(client, organiser):
    client.force_login(organiser)
    assert client.get("/events/-1/checkin/").status_code == 404


# --- the door, without JavaScript ----------------------------------------------------------

def test_typing_a_code_checks_in_and_shows_a_green_answer(client, event, organiser):
    registration = services.registration_create(event, guest_name="Ada Lovelace",
                                                guest_email="ada@example.org", actor=organiser)
    client.force_login(organiser)

    response = client.post(reverse("events:checkin", args=[event.pk]),
                           {"code": registration.ticket_code})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="door-answer door-answer-ok"' in html
    assert "Checked in" in html
    assert "<bdi>Ada Lovelace</bdi>" in html
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.ATTENDED


def test_a_second_scan_says_already_checked_in_at_time_by_whom(client, event, space):
    registration = services.registration_create(event, user=UserFactory())
    first = make_organiser(space)
    MemberProfileFactory(user=first, display_name="Giulia Door")
    client.force_login(first)
    client.post(reverse("events:checkin", args=[event.pk]), {"code": registration.ticket_code})
    client.force_login(make_organiser(space))

    response = client.post(reverse("events:checkin", args=[event.pk]),
                           {"code": registration.ticket_code}, **JSON)

    data = response.json()
    assert (data["outcome"], data["tone"]) == ("already", "warn")
    attended = Registration.objects.get(pk=registration.pk).attended_at
    local = timezone.localtime(attended, event.tz).strftime("%H:%M")
    assert f"at {local} by Giulia Door" in data["html"]


def test_closed_window_is_a_clear_409(client, space, organiser):
    later = publish_event(space, starts_in_days=2)
    registration = services.registration_create(later, user=UserFactory())
    client.force_login(organiser)

    page = client.get(reverse("events:checkin", args=[later.pk]))
    response = client.post(reverse("events:checkin", args=[later.pk]),
                           {"code": registration.ticket_code}, **JSON)

    assert "Check-in opens at" in page.content.decode()
    assert response.status_code == 409
    assert response.json()["tone"] == "bad"
    assert "Check-in opens at" in response.json()["html"]
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


@pytest.mark.parametrize("value", ["abc", "-5", "99999999999999999999999", "", "1.5"])
def test_nonsense_registration_ids_are_a_404_answer(client, event, organiser, value):
    client.force_login(organiser)
    response = client.post(reverse("events:checkin", args=[event.pk]),
                           {"registration": value}, **JSON)
    assert response.status_code == 404
    assert "No such registration for this event." in response.json()["html"]


def test_undo_over_http_flips_attendance_back(client, event, organiser):
    registration = services.registration_create(event, user=UserFactory())
    client.force_login(organiser)
    client.post(reverse("events:checkin", args=[event.pk]), {"registration": registration.pk})

    response = client.post(reverse("events:checkin_undo", args=[event.pk]),
                           {"registration": registration.pk}, **JSON)

    assert response.json()["outcome"] == "undone"
    assert "Credits already paid at check-in stay paid." in response.json()["html"]
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


def test_walk_in_over_http_registers_and_checks_in(client, event, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:checkin_walk_in", args=[event.pk]),
                           {"name": "שלום Walker", "email": "walker@example.org"}, **JSON)
    data = response.json()
    assert (response.status_code, data["outcome"]) == (200, "checked_in")
    assert data["counts"]["walk_ins"] == 1
    assert "<bdi>שלום Walker</bdi>" in data["html"]
    assert '<bdi class="door-person-name">שלום Walker</bdi>' in data["recent_html"]


def test_walk_in_when_full_is_refused_clearly(client, space, organiser):
    full = publish_event(space, starts_in_days=1 / 24, capacity=1)
    services.registration_create(full, user=UserFactory())
    client.force_login(organiser)
    response = client.post(reverse("events:checkin_walk_in", args=[full.pk]),
                           {"name": "Late", "email": "late@example.org"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "No seat left: the event is full. Nobody was added." in html
    assert "The event is full: no walk-ins." in html
    assert Registration.objects.filter(event=full).count() == 1


def test_walk_in_with_a_bad_email_is_a_400_form_error(client, event, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:checkin_walk_in", args=[event.pk]),
                           {"name": "X", "email": "not an email"})
    assert response.status_code == 400
    assert not Registration.objects.filter(event=event).exists()


# --- search as you type ---------------------------------------------------------------------

def test_search_finds_rtl_emoji_and_accented_names_and_escapes_nothing_wrongly(
        client, event, organiser, django_assert_max_num_queries):
    names = ["نور الهدى", "Zoë 😀 Café", "<b>Bold</b> Person", "אבי כהן"]
    for i, name in enumerate(names):
        services.registration_create(event, guest_name=name, guest_email=f"p{i}@example.org",
                                     actor=organiser)
    for _ in range(25):
        services.registration_create(event, user=UserFactory())
    client.force_login(organiser)
    url = reverse("events:checkin_search", args=[event.pk])

    for name in names:
        fragment = name.split()[0]
        with django_assert_max_num_queries(8):
            response = client.get(url, {"q": fragment})
        results = response.json()["results"]
        assert [r["name"] for r in results] == [name], fragment

    # Many matches: capped at 20, still a bounded number of queries.
    with django_assert_max_num_queries(8):
        response = client.get(url, {"q": "example.org"})
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("query", ["", "a", " ", "\x00\x00", "%", "_" * 5, "x" * 10_000,
                                   "' OR '1'='1"])
def test_search_with_nasty_queries_answers_empty_or_literal(client, event, organiser, query):
    services.registration_create(event, guest_name="Someone", guest_email="s@example.org",
                                 actor=organiser)
    client.force_login(organiser)
    response = client.get(reverse("events:checkin_search", args=[event.pk]), {"q": query})
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_search_without_javascript_lists_people_with_a_check_in_button(client, event,
                                                                     organiser):
    registration = services.registration_create(event, guest_name="Grace Hopper",
                                                guest_email="grace@example.org",
                                                actor=organiser)
    client.force_login(organiser)
    html = client.get(reverse("events:checkin", args=[event.pk]), {"q": "grace"}).content.decode()
    assert "<bdi class=\"door-person-name\">Grace Hopper</bdi>" in html
    assert f'name="registration" value="{registration.pk}"' in html


def test_search_of_one_event_never_shows_another_events_people(client, space, event,
                                                              organiser):
    other = publish_event(space, starts_in_days=1 / 24)
    services.registration_create(other, guest_name="Elsewhere Person",
                                 guest_email="else@example.org", actor=organiser)
    client.force_login(organiser)
    response = client.get(reverse("events:checkin_search", args=[event.pk]), {"q": "Elsewhere"})
    assert response.json() == {"results": []}


def test_the_counter_counts_each_state(client, event, organiser):
    checked = services.registration_create(event, user=UserFactory())
    services.registration_mark_attended(checked, actor=organiser)
    services.registration_create(event, user=UserFactory())
    client.force_login(organiser)
    data = client.get(reverse("events:checkin_counts", args=[event.pk])).json()
    assert data == {"checked_in": 1, "expected": 2, "waitlisted": 0, "walk_ins": 0,
                    "capacity": 10, "seats_left": 8}


# --- the dashboard ---------------------------------------------------------------------------

def test_dashboard_lists_registrations_with_dates_and_no_dead_links(client, event, organiser):
    services.registration_create(event, guest_name="Ada", guest_email="ada@example.org",
                                 actor=organiser)
    client.force_login(organiser)
    html = client.get(reverse("events:event_dashboard", args=[event.pk])).content.decode()
    assert "<bdi>Ada</bdi>" in html
    assert reverse("events:checkin", args=[event.pk]) in html
    assert reverse("events:badges", args=[event.pk]) in html  # events.badges registers it
    assert reverse("reports:event", args=[event.pk]) in html  # site/reports registers it


def test_dashboard_shows_badges_and_report_once_they_exist(client, event, organiser):
    def badges(event, user):
        return DashboardLink("Print badges", f"/badges/{event.pk}/")

    def nothing(event, user):
        return None

    dashboard_link_provider("badges")(badges)
    dashboard_link_provider("report")(nothing)
    try:
        client.force_login(organiser)
        html = client.get(reverse("events:event_dashboard", args=[event.pk])).content.decode()
    finally:
        dashboard_link_provider_remove("badges", badges)
        dashboard_link_provider_remove("report", nothing)
    assert f'<a href="/badges/{event.pk}/">Print badges</a>' in html
    # A provider with nothing to offer adds no link: the report section holds only the
    # event report's own link.
    assert html.count('href="/reports/') == 1


def test_unknown_dashboard_slot_is_refused():
    with pytest.raises(ValueError, match="unknown dashboard slot"):
        dashboard_link_provider("sessions")


def test_the_event_page_shows_manage_only_to_its_organisers(client, site_tree, event,
                                                           organiser):
    manage = reverse("events:event_dashboard", args=[event.pk])
    assert manage not in client.get(event.url).content.decode()
    client.force_login(make_organiser(space_in(site_tree, title="Other")))
    assert manage not in client.get(event.url).content.decode()
    client.force_login(organiser)
    assert manage in client.get(event.url).content.decode()


def test_the_admin_page_header_offers_the_dashboard(client, event, organiser):
    client.force_login(make_coordinator(is_staff=True))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[event.pk]))
    assert reverse("events:event_dashboard", args=[event.pk]) in response.content.decode()


def test_an_organiser_reissues_a_ticket_and_the_person_gets_it_by_email(client, event,
                                                                       organiser, commit):
    registration = services.registration_create(event, guest_name="Ada",
                                                guest_email="ada@example.org", actor=organiser)
    client.force_login(organiser)
    mail.outbox.clear()
    with commit():
        response = client.post(reverse("events:dashboard_ticket_renew",
                                       args=[event.pk, registration.pk]))
    assert response.status_code == 302
    fresh = Registration.objects.get(pk=registration.pk)
    assert fresh.ticket_code != registration.ticket_code
    (message,) = mail.outbox
    assert message.subject == f"Your new ticket: {event.title}"
    assert f"/tickets/{fresh.ticket_code}/" in message.body
    assert registration.ticket_code not in message.body


# --- tickets in pages and e-mails ----------------------------------------------------------------

def test_the_ticket_page_shows_the_qr_and_revoked_codes_are_gone(client, event):
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    response = client.get(reverse("events:ticket", args=[registration.ticket_code]))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()

    services.ticket_rotate(registration, actor=user)

    assert client.get(reverse("events:ticket",
                              args=[registration.ticket_code])).status_code == 410


@pytest.mark.parametrize("code", ["nope", "A" * 24, "a" * 33, "%F0%9F%98%80" * 3])
def test_unknown_or_garbage_ticket_codes_are_404(client, code):
    assert client.get(f"/tickets/{code}/").status_code == 404


def test_a_waitlisted_ticket_page_shows_no_qr(client, space):
    full = publish_event(space, capacity=1)
    services.registration_create(full, user=UserFactory())
    waiting = services.registration_create(full, user=UserFactory())
    html = client.get(reverse("events:ticket", args=[waiting.ticket_code])).content.decode()
    assert "<svg" not in html
    assert "waiting list" in html


def test_someone_else_cannot_renew_a_ticket(client, event):
    registration = services.registration_create(event, user=UserFactory())
    client.force_login(UserFactory())
    response = client.post(reverse("events:ticket_renew", args=[registration.ticket_code]))
    assert response.status_code == 403
    assert Registration.objects.get(pk=registration.pk).ticket_code == registration.ticket_code


def test_my_events_shows_the_ticket_qr_of_confirmed_registrations(client, event):
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    client.force_login(user)
    html = client.get(reverse("events:my_events")).content.decode()
    assert reverse("events:ticket", args=[registration.ticket_code]) in html
    assert "<svg" in html


def test_the_confirmation_email_links_and_attaches_the_ticket_and_the_ics_has_it(event,
                                                                                commit):
    with commit():
        registration = services.registration_create(event, user=UserFactory())
    (message,) = mail.outbox
    url = f"/tickets/{registration.ticket_code}/"
    assert url in message.body
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    assert url in html
    names = {a[0]: a for a in message.attachments}
    assert names["ticket-qr.png"][1][:8] == b"\x89PNG\r\n\x1a\n"
    ics = next(a[1] for a in message.attachments if a[0].endswith(".ics"))
    ics = ics if isinstance(ics, bytes) else ics.encode()
    unfolded = ics.replace(b"\r\n ", b"")
    assert url.encode() in unfolded


def test_a_waiting_list_email_has_no_ticket(space, commit):
    full = publish_event(space, capacity=1)
    services.registration_create(full, user=UserFactory())
    mail.outbox.clear()
    with commit():
        waiting = services.registration_create(full, user=UserFactory())
    (message,) = mail.outbox
    assert waiting.ticket_code not in message.body
    assert not [a for a in message.attachments if a[0] == "ticket-qr.png"]


def test_json_answers_are_json(client, event, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:checkin", args=[event.pk]), {"code": "garbage"},
                           **JSON)
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["outcome"] == "unknown"


def test_the_admin_registrations_list_of_one_event_links_its_dashboard_and_door(client, event,
                                                                               organiser):
    client.force_login(organiser)
    html = client.get(reverse("event_registrations:index"), {"event": event.pk}).content.decode()
    assert reverse("events:event_dashboard", args=[event.pk]) in html
    assert reverse("events:checkin", args=[event.pk]) in html
    unfiltered = client.get(reverse("event_registrations:index")).content.decode()
    assert reverse("events:event_dashboard", args=[event.pk]) not in unfiltered


def test_the_door_speaks_italian(client, event, organiser, italian_catalog):  # noqa: F811
    registration = services.registration_create(event, user=UserFactory())
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(reverse("events:checkin", args=[event.pk])).content.decode()
    assert "Scansiona i biglietti con la fotocamera" in page
    assert "Cerca per nome o e-mail" in page
    data = client.post(reverse("events:checkin", args=[event.pk]),
                       {"code": registration.ticket_code}, **JSON).json()
    assert "Entrato" in data["html"]  # the answer about one person
    assert "Annulla il check-in" in data["html"]
    page = client.get(reverse("events:checkin", args=[event.pk])).content.decode()
    assert '<strong data-count="checked_in">1</strong> <span>presenti</span>' in page


def test_the_dashboards_counts_say_presenti_as_the_reports_do(client, event, organiser,
                                                               italian_catalog):  # noqa: F811
    services.registration_create(event, user=UserFactory())
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    html = client.get(reverse("events:event_dashboard", args=[event.pk])).content.decode()
    assert "<div><dt>Presenti</dt><dd>0</dd></div>" in html
    assert "<div><dt>Confermati</dt><dd>1</dd></div>" in html
    assert "<dt>Entrato</dt>" not in html
