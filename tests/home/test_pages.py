"""The home page and the format page, rendered with the demo content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Revision

from home.demo import load_home_demo
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db


def test_home_page_shows_intro_spaces_and_live_numbers(client):
    tree = load_home_demo()
    make_space(tree.spaces, "Cowo360", city="Roma", tagline="Coworking at Centocelle")
    make_space(tree.spaces, "Toolbox Coworking", city="Torino", region="Piemonte")
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "non-conference on coworking" in html
    assert "Cowo360" in html and "Toolbox Coworking" in html
    assert "Coworking at Centocelle" in html
    assert response.context["numbers"]["spaces"] == 2
    assert response.context["numbers"]["cities"] == 2


def test_home_page_hides_inactive_spaces(client):
    tree = load_home_demo()
    make_space(tree.spaces, "Closed Cowo", active=False)
    response = client.get("/en/")
    assert "Closed Cowo" not in response.content.decode()
    assert response.context["numbers"]["spaces"] == 0


def test_home_page_escapes_html_in_space_titles(client):
    tree = load_home_demo()
    make_space(tree.spaces, "<script>alert(1)</script> Cowo", tagline="שלום & ☕")
    html = client.get("/en/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Cowo" in html
    assert "שלום &amp; ☕" in html


def test_format_page_renders_the_unconference_day_and_its_licence(client):
    tree = load_home_demo()
    response = client.get(tree.format.url)
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ["The opening circle", "The marketplace of proposals",
                    "Sessions in rooms and time slots", "The law of two feet",
                    "The closing circle", "Harvesting the notes"]:
        assert heading in html
    assert 'id="the-law-of-two-feet"' in html
    assert 'href="#the-law-of-two-feet"' in html
    assert "CC BY-SA 4.0" in html
    assert "Harrison Owen" in html


def test_loading_the_home_demo_twice_changes_nothing():
    load_home_demo()
    counts = (Page.objects.count(), Revision.objects.count())
    load_home_demo()
    assert (Page.objects.count(), Revision.objects.count()) == counts


def test_home_demo_keeps_an_editors_text():
    tree = load_home_demo()
    tree.home.intro = "<p>Our own words</p>"
    tree.home.save_revision().publish()
    load_home_demo()
    tree.home.refresh_from_db()
    assert tree.home.intro == "<p>Our own words</p>"


def test_home_page_query_count_does_not_grow_with_the_spaces(client):
    tree = load_home_demo()
    make_space(tree.spaces, "Space A")
    client.get("/en/")  # warm caches (site root, content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/")
    for number in range(6):
        make_space(tree.spaces, f"Space {number}")
    with CaptureQueriesContext(connection) as many:
        client.get("/en/")
    assert len(many) == len(few)
    assert len(few) <= 25
