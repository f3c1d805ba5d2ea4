"""network.access: the doors of organiser-only and coordinator-only views answer the same
way everywhere (404 for no such space, 403 for the wrong person)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from network.access import coordinator_required, space_for_organiser
from network.ids import MAX_ID
from tests.network.factories import UserFactory, make_coordinator, make_organiser, make_space

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_space_opens_to_its_organisers_and_coordinators_only(site_tree):
    roma = make_space(site_tree.spaces, "Cowo Roma")
    milano = make_space(site_tree.spaces, "Cowo Milano")
    organiser = make_organiser(roma)

    assert space_for_organiser(_request(organiser), roma.pk) == roma
    assert space_for_organiser(_request(make_coordinator()), milano.pk) == milano
    for user in (organiser, UserFactory(), AnonymousUser()):
        with pytest.raises(PermissionDenied):
            space_for_organiser(_request(user), milano.pk)


@pytest.mark.parametrize("space_id", [0, -1, MAX_ID, MAX_ID + 1, 10**30])
def test_a_space_that_cannot_exist_is_not_found(site_tree, space_id):
    with pytest.raises(Http404):
        space_for_organiser(_request(make_coordinator()), space_id)


def test_only_coordinators_pass_the_coordinator_door(site_tree):
    roma = make_space(site_tree.spaces, "Cowo Roma")
    coordinator_required(_request(make_coordinator()))
    coordinator_required(_request(UserFactory(is_superuser=True)))
    for user in (make_organiser(roma), UserFactory(), AnonymousUser(),
                 make_coordinator(is_active=False)):
        with pytest.raises(PermissionDenied):
            coordinator_required(_request(user))
