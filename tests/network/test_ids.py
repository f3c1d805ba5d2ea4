"""Ids from outside (paths, form fields, filters) beyond a signed 64-bit integer.

Regression: each of these was an HTTP 500 (SQLite's OverflowError on a foreign key or a
page's `page_ptr`). Ids that cannot exist are a 404 in a path and a form error in a form."""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from events.models import Registration
from network.ids import MAX_ID, IdConverter, id_fits
from network.models import MemberProfile
from network.services import coordinators_group_ensure, membership_set
from tests.events.discovery_factories import make_event
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db

HUGE = str(MAX_ID + 1)
HUGER = "9" * 40


@pytest.mark.parametrize(("text", "fits"), [
    ("1", True), (str(MAX_ID), True), (HUGE, False), (HUGER, False), ("0", False),
    ("-1", False), ("²", False), ("١٢", False), ("", False), ("1.0", False), (" 1", False),
])
def test_id_fits_only_ascii_ids_of_a_signed_64_bit_integer(text, fits):
    assert id_fits(text) is fits


def test_the_converter_refuses_what_cannot_be_an_id():
    converter = IdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_url(42) == "42"
    with pytest.raises(ValueError):
        converter.to_python(HUGE)


@pytest.mark.parametrize("path", [
    "/credits/spaces/{id}/", "/credits/spaces/{id}/day-pass/",
    "/credits/spaces/{id}/validate/", "/credits/spaces/{id}/top-up/",
    "/me/credits/passes/{id}/", "/me/credits/passes/{id}/cancel/",
    "/events/{id}/programme/", "/admin/unconferences/{id}/", "/admin/unconferences/{id}/grid/",
])
def test_a_path_with_an_id_beyond_64_bits_never_reaches_its_view(path):
    """Only a catch-all route (the admin's own 404) may take such a path; outside the admin
    no route does (Wagtail's pages live under their language, /en/ and /it/)."""
    catch_alls = {"wagtail_serve", "wagtail.admin.views.home.default"}
    assert resolve(path.format(id=MAX_ID)).view_name not in catch_alls
    for value in (HUGE, HUGER):
        if path.startswith("/admin/"):
            assert resolve(path.format(id=value)).view_name == "wagtail.admin.views.home.default"
        else:
            with pytest.raises(Resolver404):
                resolve(path.format(id=value))


@pytest.fixture
def coordinator_client(site_tree) -> Client:
    user = UserFactory(username="coordinator")
    user.groups.add(coordinators_group_ensure())
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", [
    "/credits/spaces/{id}/", "/credits/spaces/{id}/day-pass/", "/me/credits/passes/{id}/",
    "/events/{id}/programme/",
])
def test_huge_ids_in_paths_are_a_404(coordinator_client, path):
    for value in (HUGE, HUGER):
        assert coordinator_client.get(path.format(id=value)).status_code == 404
    assert coordinator_client.post(path.format(id=HUGE)).status_code == 404
    assert coordinator_client.get(path.format(id=MAX_ID)).status_code == 404


def test_a_huge_home_space_is_a_form_error(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    client = Client()
    client.force_login(user)
    data = {"display_name": "Giulia", "visibility": "network", "home_space": HUGE}
    response = client.post("/me/profile/", data)
    assert response.status_code == 200
    assert "home_space" in response.context["form"].errors
    data["home_space"] = str(space.pk)
    assert client.post("/me/profile/", data).status_code == 302
    assert MemberProfile.objects.get(user=user).home_space == space


def test_the_registrations_admin_filter_takes_a_huge_event_id(coordinator_client, site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    event = make_event(space, "Quokka day")
    url = reverse("event_registrations:index")
    for value in (HUGE, HUGER):
        # Beyond 64 bits the admin's guard answers first (home.middleware).
        assert coordinator_client.get(url, {"event": value}).status_code == 400
    for value in ("-1", "²", "abc"):
        response = coordinator_client.get(url, {"event": value})
        assert response.status_code == 200
        assert "event" in response.context["filters"].errors
    assert coordinator_client.get(url, {"event": event.pk}).status_code == 200


def test_the_registrations_admin_add_form_refuses_a_huge_event_id(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    organiser = UserFactory()
    membership_set(organiser, space, "organiser")
    client = Client()
    client.force_login(organiser)
    response = client.post(reverse("event_registrations:add"),
                           {"event": HUGE, "guest_name": "Ada", "role": "attendee"})
    assert response.status_code == 400
    assert "event" in response.context["form"].errors
    assert Registration.objects.count() == 0


PROJECT_APPS = ("home.", "network.", "events.", "credits.")


def _project_patterns(patterns, prefix=""):
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _project_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            if module.startswith(PROJECT_APPS):
                yield prefix + str(entry.pattern), entry


def test_every_numeric_path_parameter_of_the_project_uses_the_id_converter():
    """One mechanism: a plain `<int:>` would let ids beyond 64 bits reach a query again."""
    from django.urls import get_resolver
    from django.urls.converters import IntConverter

    patterns = list(_project_patterns(get_resolver().url_patterns))
    assert len(patterns) > 40
    with_int = [route for route, entry in patterns
                if any(isinstance(c, IntConverter) for c in entry.pattern.converters.values())]
    assert with_int == []
    assert any(isinstance(c, IdConverter) for _, entry in patterns
               for c in entry.pattern.converters.values())


@pytest.mark.parametrize("path", [
    "/events/{id}/register/", "/events/{id}/register/guest/", "/events/calendar/event/{id}.ics",
    "/registrations/{id}/cancel/", "/events/{id}/checkin/", "/events/{id}/manage/",
])
def test_huge_event_ids_in_paths_are_a_404(coordinator_client, path):
    for value in (HUGE, HUGER):
        assert coordinator_client.get(path.format(id=value)).status_code == 404
        assert coordinator_client.post(path.format(id=value)).status_code == 404
