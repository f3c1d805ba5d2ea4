"""Who organises or coordinates is decided in one place (network/permissions.py), from one
record (the space's organiser group). Someone put into the group through Wagtail's user admin
and someone made an organiser through the membership admin get exactly the same rights on
every organiser endpoint, and no right on another space."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from credits.services import account_for_space
from events import services as event_services
from events.models import Registration, RegistrationState
from network.models import Membership
from network.permissions import (
    space_organisers,
    spaces_organised_by,
    user_is_coordinator,
    user_organises_space,
    users_organising_or_coordinating,
)
from tests.events.registration_factories import publish_event
from tests.network.factories import UserFactory, make_coordinator, make_organiser, make_space

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def network(site_tree):
    """Two spaces with one event each (one registration), and two people who organise
    Cowo Roma: one added to its group in Wagtail's user admin, one through the membership
    admin. Both doors are driven over HTTP by a coordinator."""
    roma = make_space(site_tree.spaces, "Cowo Roma", day_pass_price=5)
    milano = make_space(site_tree.spaces, "Cowo Milano", day_pass_price=5)
    event_roma = publish_event(roma, title="Roma workshop", capacity=10, starts_in_days=0.02)
    event_milano = publish_event(milano, title="Milano workshop", capacity=10,
                                 starts_in_days=0.02)
    reg_roma = event_services.registration_create(event_roma, user=UserFactory())
    reg_milano = event_services.registration_create(event_milano, user=UserFactory())
    account_for_space(roma), account_for_space(milano)

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    via_group = UserFactory(username="via-group", email="via-group@example.org",
                            first_name="Gianna", last_name="Gruppo")
    response = _client(superuser).post(
        reverse("wagtailusers_users:edit", args=[via_group.pk]),
        {"username": via_group.username, "email": via_group.email,
         "first_name": via_group.first_name, "last_name": via_group.last_name,
         "is_active": "on", "groups": [roma.organiser_group_id]})
    assert response.status_code == 302, response.content[:2000]

    via_membership = UserFactory(username="via-membership", email="via-membership@example.org")
    response = _client(make_coordinator()).post(
        "/admin/memberships/new/",
        {"email": via_membership.email, "space": roma.pk, "role": "organiser"})
    assert response.status_code == 302, response.content[:2000]
    return {"roma": roma, "milano": milano, "event_roma": event_roma,
            "event_milano": event_milano, "reg_roma": reg_roma, "reg_milano": reg_milano,
            "via_group": via_group, "via_membership": via_membership}


def test_both_doors_make_an_organiser_of_exactly_that_space(network):
    for key in ("via_group", "via_membership"):
        user = network[key]
        user.refresh_from_db()
        assert list(spaces_organised_by(user)) == [network["roma"]]
        assert user_organises_space(user, network["roma"])
        assert user_organises_space(user, network["roma"].pk)
        assert not user_organises_space(user, network["milano"])
        assert not user_is_coordinator(user)
        assert users_organising_or_coordinating().filter(pk=user.pk).exists()
    assert Membership.objects.filter(user=network["via_membership"], role="organiser").exists()
    assert not Membership.objects.filter(user=network["via_group"]).exists()


def _own_space_endpoints(network) -> list[str]:
    roma, event, reg = network["roma"], network["event_roma"], network["reg_roma"]
    return [
        reverse("wagtailadmin_pages:edit", args=[event.pk]),
        reverse("event_registrations:index"),
        reverse("event_registrations:edit", args=[reg.pk]),
        reverse("credits:space", args=[roma.pk]),
        reverse("credits:space_validate", args=[roma.pk]),
        reverse("credits:space_topup", args=[roma.pk]),
        reverse("credits_accounts:index"),
        reverse("credits_accounts:inspect", args=[account_for_space(roma).pk]),
        "/admin/memberships/",
        "/admin/memberships/new/",
    ]


def _other_space_endpoints(network) -> list[str]:
    milano, event, reg = network["milano"], network["event_milano"], network["reg_milano"]
    return [
        reverse("wagtailadmin_pages:edit", args=[event.pk]),
        reverse("event_registrations:edit", args=[reg.pk]),
        reverse("credits:space", args=[milano.pk]),
        reverse("credits:space_validate", args=[milano.pk]),
        reverse("credits:space_topup", args=[milano.pk]),
        reverse("credits_accounts:inspect", args=[account_for_space(milano).pk]),
    ]


def test_both_doors_open_every_organiser_page_of_their_space(network):
    for url in _own_space_endpoints(network):
        statuses = {key: _client(network[key]).get(url).status_code
                    for key in ("via_group", "via_membership")}
        assert statuses == {"via_group": 200, "via_membership": 200}, url


def test_both_doors_are_refused_the_same_way_on_another_space(network):
    for url in _other_space_endpoints(network):
        statuses = {key: _client(network[key]).get(url).status_code
                    for key in ("via_group", "via_membership")}
        assert statuses["via_group"] == statuses["via_membership"], url
        assert statuses["via_group"] in {302, 403, 404}, url
        if statuses["via_group"] == 302:  # the admin sends a refusal back to its dashboard
            response = _client(network["via_group"]).get(url)
            assert "/login/" not in response["Location"], url


def test_both_doors_list_the_same_registrations_and_ledger_rows(network):
    listed = {}
    for key in ("via_group", "via_membership"):
        client = _client(network[key])
        registrations = client.get(reverse("event_registrations:index")).context["object_list"]
        accounts = client.get(reverse("credits_accounts:index")).context["object_list"]
        memberships = client.get("/admin/memberships/").context["object_list"]
        listed[key] = ({r.pk for r in registrations}, {a.pk for a in accounts},
                       {m.space_id for m in memberships})
    assert listed["via_group"] == listed["via_membership"]
    registrations, accounts, spaces = listed["via_group"]
    assert registrations == {network["reg_roma"].pk}
    assert accounts == {account_for_space(network["roma"]).pk}
    assert spaces == {network["roma"].pk}


def test_both_doors_check_in_at_their_own_space_and_nowhere_else(network):
    for key in ("via_group", "via_membership"):
        event = network["event_roma"]
        registration = event_services.registration_create(event, user=UserFactory())
        response = _client(network[key]).post(
            reverse("event_registrations:edit", args=[registration.pk]), {"action": "attended"})
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.state == RegistrationState.ATTENDED
    other = network["reg_milano"]
    for key in ("via_group", "via_membership"):
        response = _client(network[key]).post(
            reverse("event_registrations:edit", args=[other.pk]), {"action": "attended"})
        assert response.status_code == 404
    assert Registration.objects.get(pk=other.pk).state == RegistrationState.CONFIRMED


def test_leaving_the_group_takes_every_right_away(network):
    user = network["via_group"]
    user.groups.remove(Group.objects.get(pk=network["roma"].organiser_group_id))
    user.refresh_from_db()
    assert not spaces_organised_by(user).exists()
    assert _client(user).get(reverse("credits:space", args=[network["roma"].pk])).status_code \
        == 403
    assert not users_organising_or_coordinating().filter(pk=user.pk).exists()


def test_coordinators_organise_every_space_and_inactive_users_nothing(network):
    coordinator = make_coordinator()
    assert user_is_coordinator(coordinator)
    assert set(spaces_organised_by(coordinator)) == {network["roma"], network["milano"]}
    assert user_organises_space(coordinator, network["milano"])
    organiser = make_organiser(network["milano"])
    organiser.is_active = False
    organiser.save()
    assert not user_organises_space(organiser, network["milano"])
    assert not spaces_organised_by(organiser).exists()
    assert not user_organises_space(organiser, None)


def test_space_organisers_lists_both_doors_and_nobody_else(network):
    assert set(space_organisers(network["roma"])) == {network["via_group"],
                                                     network["via_membership"]}
    assert not space_organisers(network["milano"]).exists()
