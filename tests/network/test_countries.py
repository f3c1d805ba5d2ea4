"""A space's country is shown in the reader's language (network.countries): "Italy" is
"Italia" on an Italian page, in the space's card, its page, the directory (headings and
the country filter, which still filters on the stored text) and an event's address."""

import pytest

from network.countries import country_name
from network.filters import SpaceFilter
from network.models import SpacePage
from tests.events.registration_factories import publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("stored", "language", "shown"), [
    ("Italy", "it", "Italia"), ("Italy", "en", "Italy"), ("United States", "it", "Stati Uniti"),
    ("  france ", "it", "Francia"), ("Italia", "en", "Italy"), ("IT", "it", "Italia"),
    ("de", "en", "Germany"), ("Italy", "it-CH", "Italia"),
    # Not a country Babel knows: as stored (markup is escaped by the template, not here).
    ("Narnia", "it", "Narnia"), ("<b>Italy</b>", "it", "<b>Italy</b>"), ("", "it", ""),
    ("🇮🇹", "it", "🇮🇹")])
def test_a_country_is_named_in_the_readers_language(stored, language, shown):
    assert country_name(stored, language) == shown


def test_pages_show_the_country_in_italian_and_the_filter_keeps_the_stored_value(client,
                                                                                site_tree):
    space = space_in(site_tree, "Cowo Roma", country="Italy", address="Via Roma 1")
    event = publish_event(space, title="Laser induction")
    italian_space = client.get(space.url.replace("/en/", "/it/", 1)).content.decode()
    assert "Roma, Lazio · Italia" in italian_space and "Italy" not in italian_space
    english_space = client.get(space.url).content.decode()
    assert "· Italy" in english_space and "Italia" not in english_space
    italian_event = client.get(event.url.replace("/en/", "/it/", 1)).content.decode()
    assert "Via Roma 1, Roma, Lazio, Italia" in italian_event
    directory = client.get(site_tree.spaces.url.replace("/en/", "/it/", 1)).content.decode()
    assert '<option value="Italy">Italia</option>' in directory
    assert list(SpaceFilter({"country": "Italy"}, queryset=SpacePage.objects.all()).qs) == [
        space]
