"""Issue 10, "Organisers' lists": topics fragmented ("3d printing" vs "3d-printing"). What an
editor types is normalised (hyphens, underscores, spacing, case), and existing duplicates
were merged by network migration 0006."""

import importlib

import pytest
from django.apps import apps
from taggit.forms import TagField
from taggit.models import Tag

from events.filters import EventFilterSet
from network.services import profile_ensure
from tests.events.discovery_factories import make_event
from tests.events.registration_factories import space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed, names", [
    ("3d-printing", ["3d printing"]),
    ("3D  Printing, 3d_printing, 3d-printing", ["3D Printing"]),
    ('laser-cutting, "Open  source", ai', ["ai", "laser cutting", "Open source"]),
    ("-, _ ,", []),
])
def test_the_tag_field_normalises_what_is_typed(typed, names):
    assert TagField(required=False).clean(typed) == names


def test_two_spellings_typed_in_the_editor_end_on_one_topic(site_tree):
    space = space_in(site_tree)
    first, second = make_event(space), make_event(space)
    first.topics.set(TagField().clean('"3d printing"'))
    first.save()
    second.topics.set(TagField().clean("3D-Printing"))
    second.save()
    assert list(Tag.objects.values_list("name", flat=True)) == ["3d printing"]
    choices = EventFilterSet(data={}).filters["topic"].extra["choices"]
    assert [name for _slug, name in choices] == ["3d printing"]


def test_the_migration_merges_existing_spellings(site_tree):
    space = space_in(site_tree)
    events = [make_event(space, topics=[name]) for name in
              ["3d printing", "3d-printing", "3D_Printing", "Woodwork"]]
    both = make_event(space, topics=["3d printing", "3d-printing"])
    profile = profile_ensure(UserFactory(), skills=["3d-printing", "Python"])
    migration = importlib.import_module("network.migrations.0006_tag_spellings_merged")
    migration.merge(apps, None)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["3d printing", "Python",
                                                                 "Woodwork"]
    for event in [*events[:3], both]:
        assert list(event.topics.names()) == ["3d printing"]
    assert sorted(profile.skills.names()) == ["3d printing", "Python"]
