"""Issue 10: a past event showed "78 places left" next to "Registration closed"."""

import pytest

from tests.events.registration_factories import publish_event, space_in

pytestmark = pytest.mark.django_db


def test_a_past_event_offers_no_places(client, site_tree):
    space = space_in(site_tree)
    past = publish_event(space, starts_in_days=-2, capacity=80)
    upcoming = publish_event(space, capacity=80)
    past_html = client.get(past.url).content.decode()
    assert "places left" not in past_html
    assert "80 places left" in client.get(upcoming.url).content.decode()
