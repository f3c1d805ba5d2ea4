"""The network's part of a member's data (network.privacy): what the export holds, and
what the erasure removes (memberships through the services, avatar, profile, names in the
admin history)."""

import datetime as dt
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from network.models import MemberProfile, Membership
from network.privacy import (
    ERASED_LABEL,
    erased_email,
    export_datetime,
    member_data_erase,
    member_data_export,
)
from network.services import membership_set, profile_avatar_set, profile_ensure
from tests.home.privacy_factories import png_upload
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(site_tree):
    user = UserFactory(username="ada", email="ada@example.org")
    profile = profile_ensure(user, display_name="Ada <i>Lovelace</i> 🧮", bio="Engines\nand looms",
                             links="https://a.example\n\nhttps://b.example", city="London",
                             skills=["python", "Analysis"], visibility="hidden")
    profile_avatar_set(profile, png_upload())
    space = make_space(site_tree.spaces, "Cowo Analytical")
    membership_set(user, space, "organiser")
    return user


def test_export_lists_the_profile_and_memberships(member):
    data = member_data_export(member)
    profile = data["profile"]
    assert profile["display_name"] == "Ada <i>Lovelace</i> 🧮"
    assert profile["address"] == "/members/ada-ilovelacei/"
    assert profile["skills"] == ["Analysis", "python"]
    assert profile["links"] == ["https://a.example", "https://b.example"]
    assert profile["avatar"] == MemberProfile.objects.get(user=member).avatar.file.url
    assert profile["avatar"].startswith("/media/original_images/")
    assert (profile["visibility"], profile["bio"], profile["city"]) == (
        "hidden", "Engines\nand looms", "London")
    assert [(m["space"], m["role"]) for m in data["memberships"]] == [
        ("Cowo Analytical", "organiser")]


def test_a_member_without_profile_exports_none(site_tree):
    assert member_data_export(UserFactory()) == {"profile": None, "memberships": []}


def test_erasure_removes_memberships_through_the_services(member):
    space = Membership.objects.get(user=member).space
    assert member.groups.filter(pk=space.organiser_group_id).exists()
    assert member_data_erase(member) == {"memberships_removed": 1, "profiles_deleted": 1}
    assert not Membership.objects.filter(user=member).exists()
    assert not member.groups.filter(pk=space.organiser_group_id).exists()


def test_erasure_deletes_the_profile_and_its_avatar(member, django_capture_on_commit_callbacks):
    avatar = MemberProfile.objects.get(user=member).avatar
    path = avatar.file.path
    with django_capture_on_commit_callbacks(execute=True):
        member_data_erase(member)
    assert not MemberProfile.objects.filter(user=member).exists()
    assert not get_image_model().objects.filter(pk=avatar.pk).exists()
    assert not os.path.exists(path)


def test_erasure_takes_the_name_out_of_the_admin_history(member):
    profile = MemberProfile.objects.get(user=member)
    membership = Membership.objects.get(user=member)
    log(instance=profile, action="wagtail.edit")
    log(instance=membership, action="wagtail.edit")
    member_data_erase(member)
    for model, pk in ((MemberProfile, profile.pk), (Membership, membership.pk)):
        entry = ModelLogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(model), object_id=str(pk))
        assert (entry.label, entry.data) == (ERASED_LABEL, {})


def test_erasing_twice_finds_nothing_the_second_time(member):
    member_data_erase(member)
    assert member_data_erase(member) == {"memberships_removed": 0, "profiles_deleted": 0}


def test_placeholder_addresses_and_dates():
    assert erased_email("guest", 7) == "erased-guest-7@erased.invalid"
    moment = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert export_datetime(moment) == "2026-03-29T00:30:00Z"
    assert export_datetime(dt.date(2026, 1, 2)) == "2026-01-02"
    assert export_datetime(None) is None
