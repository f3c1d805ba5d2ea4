"""The header's navigation: the site's sections, the current one marked."""

import pytest

pytestmark = pytest.mark.django_db


def test_header_lists_the_sections_in_menu_order(client, site_tree):
    items = client.get("/en/").context["nav_items"]
    assert [item["title"] for item in items] == ["Spaces", "Events", "Members",
                                                 "The Espresso format"]
    assert not any(item["current"] for item in items)


def test_header_marks_the_current_section(client, site_tree):
    response = client.get(site_tree.format.url)
    current = [item["title"] for item in response.context["nav_items"] if item["current"]]
    assert current == ["The Espresso format"]
    assert 'href="/en/format/" aria-current="page"' in response.content.decode()


def test_a_renamed_section_keeps_its_editors_title(client, site_tree):
    site_tree.format.title = "Il nostro formato"
    site_tree.format.save_revision().publish()
    titles = [item["title"] for item in client.get("/en/").context["nav_items"]]
    assert "Il nostro formato" in titles
