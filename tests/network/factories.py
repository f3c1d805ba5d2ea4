"""Factories for network objects (users, profiles, spaces)."""

import factory
from django.contrib.auth import get_user_model
from wagtail.models import Page

from network.models import MemberProfile, MembershipRole, SpacePage
from network.permissions import COORDINATORS_GROUP
from network.services import coordinators_group_ensure, membership_set


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class MemberProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberProfile

    user = factory.SubFactory(UserFactory)
    slug = factory.LazyAttribute(lambda o: o.user.username)
    display_name = factory.Faker("name")
    visibility = "public"


def make_space(parent: Page, title: str = "Cowo Test", **fields) -> SpacePage:
    """Create and publish a SpacePage under the spaces index (sets up its group)."""
    defaults = {"city": "Roma", "region": "Lazio", "country": "Italy", "time_zone": "Europe/Rome"}
    defaults.update(fields)
    space = SpacePage(title=title, **defaults)
    parent.add_child(instance=space)
    space.save_revision().publish()
    space.refresh_from_db()
    return space


def make_organiser(space: SpacePage, **user_fields):
    """A new user who organises `space`, made through the service an admin uses
    (`membership_set` with the organiser role: membership and organiser group together)."""
    user = UserFactory(**user_fields)
    space.refresh_from_db()
    membership_set(user, space, MembershipRole.ORGANISER)
    return user


def make_coordinator(**user_fields):
    """A new user in the "Network coordinators" group."""
    user = UserFactory(**user_fields)
    group = coordinators_group_ensure()
    assert group.name == COORDINATORS_GROUP
    user.groups.add(group)
    return user
