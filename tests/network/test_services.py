"""network.services: groups follow memberships, profiles get stable unique slugs."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from network.models import MemberProfile, Membership
from network.permissions import spaces_organised_by, user_is_coordinator
from network.services import (
    COORDINATORS_GROUP,
    InvalidRole,
    coordinators_group_ensure,
    membership_remove,
    membership_set,
    profile_ensure,
)
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


def test_migration_created_the_coordinators_group_with_root_page_rights():
    group = Group.objects.get(name=COORDINATORS_GROUP)
    page_codenames = set(group.page_permissions.values_list("permission__codename", flat=True))
    assert {"add_page", "change_page", "publish_page", "delete_page"} <= page_codenames
    assert group.page_permissions.get(permission__codename="change_page").page.depth == 1
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"access_admin", "change_memberprofile", "delete_membership"} <= codenames
    collection_codenames = set(group.collection_permissions.values_list(
        "permission__codename", flat=True))
    assert {"add_image", "delete_image", "add_document", "add_collection"} <= collection_codenames


def test_coordinators_group_ensure_is_idempotent():
    first = coordinators_group_ensure()
    counts = (first.permissions.count(), first.page_permissions.count(),
              first.collection_permissions.count())
    second = coordinators_group_ensure()
    assert second.pk == first.pk
    assert (second.permissions.count(), second.page_permissions.count(),
            second.collection_permissions.count()) == counts


def test_coordinator_is_recognised_by_group():
    user = UserFactory()
    assert not user_is_coordinator(user)
    fresh = type(user).objects.get(pk=user.pk)
    fresh.groups.add(coordinators_group_ensure())
    assert user_is_coordinator(type(user).objects.get(pk=user.pk))


def test_making_an_organiser_puts_them_in_the_space_group(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    membership = membership_set(user, space, "organiser")
    assert membership.role == "organiser"
    assert user.groups.filter(pk=space.organiser_group_id).exists()
    assert list(spaces_organised_by(user)) == [space]


def test_changing_role_away_from_organiser_removes_the_group(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    membership_set(user, space, "organiser")
    membership = membership_set(user, space, "host")
    assert membership.role == "host"
    assert Membership.objects.filter(user=user, space=space).count() == 1
    assert not user.groups.filter(pk=space.organiser_group_id).exists()
    assert list(spaces_organised_by(user)) == []


def test_removing_the_membership_removes_the_group_but_keeps_other_spaces(site_tree):
    rome = make_space(site_tree.spaces, "Cowo360")
    turin = make_space(site_tree.spaces, "Toolbox", city="Torino")
    user = UserFactory()
    membership_set(user, rome, "organiser")
    membership_set(user, turin, "organiser")
    membership_remove(user, rome)
    assert not Membership.objects.filter(user=user, space=rome).exists()
    assert set(user.groups.values_list("pk", flat=True)) == {turin.organiser_group_id}


def test_removing_a_missing_membership_changes_nothing(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    membership_remove(user, space)
    assert Membership.objects.count() == 0


def test_unknown_role_is_refused_and_changes_nothing(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    with pytest.raises(InvalidRole):
        membership_set(user, space, "king")
    assert Membership.objects.count() == 0


def test_profile_ensure_makes_an_ascii_slug_from_an_accented_name():
    user = UserFactory()
    profile = profile_ensure(user, display_name="Niccolò Ça Rossi", skills=["Python", "Wagtail"])
    assert profile.slug == "niccolo-ca-rossi"
    assert sorted(profile.skills.names()) == ["Python", "Wagtail"]
    assert profile.get_absolute_url() == "/members/niccolo-ca-rossi/"


def test_profile_ensure_gives_unique_slugs_for_equal_names():
    first = profile_ensure(UserFactory(), display_name="Anna Bianchi")
    second = profile_ensure(UserFactory(), display_name="Anna Bianchi")
    assert (first.slug, second.slug) == ("anna-bianchi", "anna-bianchi-2")


def test_profile_ensure_twice_changes_nothing_and_keeps_the_slug():
    user = UserFactory()
    first = profile_ensure(user, display_name="Anna Bianchi", city="Roma")
    stamp = first.updated_at
    second = profile_ensure(user, display_name="Anna Bianchi", city="Roma")
    renamed = profile_ensure(user, display_name="Anna B.")
    assert second.pk == first.pk and second.updated_at == stamp
    assert renamed.slug == "anna-bianchi"
    assert MemberProfile.objects.count() == 1


def test_profile_ensure_defaults_the_name_to_the_email_local_part():
    user = UserFactory(username="x1", email="giulia.verdi@example.org")
    assert profile_ensure(user).display_name == "giulia.verdi"


def test_profile_ensure_refuses_invalid_values_and_saves_nothing():
    user = UserFactory()
    with pytest.raises(ValidationError):
        profile_ensure(user, display_name="Line one\nline two")
    with pytest.raises(ValidationError):
        profile_ensure(user, display_name="x" * 10_000)
    assert not MemberProfile.objects.filter(user=user).exists()


def test_signing_up_creates_a_profile(site_tree):
    from allauth.account.signals import user_signed_up

    user = UserFactory(email="new.member@example.org")
    user_signed_up.send(sender=type(user), request=RequestFactory().get("/"), user=user)
    assert MemberProfile.objects.get(user=user).display_name == "new.member"


def test_signup_through_allauth_creates_a_profile(client, site_tree):
    response = client.post("/accounts/signup/", {
        "email": "signup@example.org", "display_name": "Sara Signùp",
        "password1": "a-Long-pass-phrase-42", "password2": "a-Long-pass-phrase-42"})
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user__email="signup@example.org")
    assert (profile.display_name, profile.slug) == ("Sara Signùp", "sara-signup")
