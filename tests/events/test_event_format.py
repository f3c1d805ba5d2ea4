"""`EventPage.get_format_display`: the label Django would give, without rebuilding the
choices on every call (a feed calls it once per VEVENT)."""

import pytest
from django.db.models import Model
from django.utils import translation

from events.models import EventFormat, EventPage

pytestmark = pytest.mark.django_db

FORMAT_FIELD = EventPage._meta.get_field("format")


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("value", EventFormat.values)
def test_every_format_has_the_label_django_gives_in_each_language(value, language):
    event = EventPage(format=value)
    with translation.override(language):
        expected = Model._get_FIELD_display(event, field=FORMAT_FIELD)
        assert event.get_format_display() == expected
        assert type(event.get_format_display()) is str


def test_the_italian_label_is_translated():
    with translation.override("it"):
        assert EventPage(format=EventFormat.SEMINAR).get_format_display() == "Seminario"
        assert EventPage(format=EventFormat.OTHER).get_format_display() == "Altro"


@pytest.mark.parametrize("stored", ["hackathon", "", "SEMINAR", "séminaire ☕"])
def test_a_value_that_is_no_format_is_shown_as_stored(stored):
    event = EventPage(format=stored)
    assert event.get_format_display() == stored
    assert Model._get_FIELD_display(event, field=FORMAT_FIELD) == stored
