"""The way into the space report from the space's public page: only the space's organisers
and the coordinators see it (coordinators also get the network report); members, organisers
of other spaces and anonymous visitors see nothing, with the page cache on or off."""

import pytest
from django.urls import reverse

from network.models import MembershipRole
from network.services import membership_set
from tests.events.registration_factories import make_coordinator, make_organiser, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo <Link> ☕")


def links_on_the_page(client, space) -> tuple[bool, bool]:
    response = client.get(space.url)
    assert response.status_code == 200
    html = response.content.decode()
    return (f'href="{reverse("reports:space", args=[space.pk])}"' in html,
            f'href="{reverse("reports:network")}"' in html)


def test_the_spaces_organiser_sees_the_space_report_link(client, space):
    client.force_login(make_organiser(space))
    assert links_on_the_page(client, space) == (True, False)
    assert client.get(reverse("reports:space", args=[space.pk])).status_code == 200


def test_a_coordinator_sees_the_space_and_the_network_report_links(client, space):
    client.force_login(make_coordinator())
    assert links_on_the_page(client, space) == (True, True)


def test_members_other_organisers_and_visitors_see_no_report_link(client, site_tree, space):
    assert links_on_the_page(client, space) == (False, False)
    member = UserFactory()
    membership_set(member, space, MembershipRole.MEMBER)
    client.force_login(member)
    assert links_on_the_page(client, space) == (False, False)
    client.force_login(make_organiser(space_in(site_tree, title="Altrove")))
    assert links_on_the_page(client, space) == (False, False)
    assert client.get(reverse("reports:space", args=[space.pk])).status_code == 403


def test_an_organisers_page_never_reaches_the_anonymous_page_cache(client, settings, space):
    settings.PAGE_CACHE = True
    organiser = make_organiser(space)
    assert links_on_the_page(client, space) == (False, False)  # stored for anonymous visitors
    client.force_login(organiser)
    assert links_on_the_page(client, space) == (True, False)
    client.logout()
    assert links_on_the_page(client, space) == (False, False)
