"""Requests our pages never send get a 400 page, not a 500 (issue 10): tampered Wagtail
page-edit POSTs, ids beyond 64 bits in the admin's query strings, search syntax in the
admin's page search (all found by tests/home/test_fuzz.py)."""

import json

import pytest
from django.test import Client
from wagtail.models import Page

from network.services import coordinators_group_ensure
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(site_tree) -> Client:
    user = UserFactory(username="coordinator")
    user.groups.add(coordinators_group_ensure())
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def edit_form(client: Client, page: Page) -> dict:
    """What the home page's edit form posts when its JavaScript runs (a StreamField `body`
    with no blocks, rich text as Draftail's JSON)."""
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    return {"title": page.title, "slug": page.slug, "body-count": "0"}


@pytest.mark.parametrize("tamper", [
    lambda data: data.pop("body-count"),
    lambda data: data.update({"body-count": "²"}),
    lambda data: data.update({"body-count": "1"}),
])
def test_a_tampered_streamfield_post_is_a_bad_request_and_saves_nothing(
        editor, site_tree, tamper):
    home = site_tree.home
    data = edit_form(editor, home)
    tamper(data)
    data["title"] = "Tampered"
    revisions = home.revisions.count()
    response = editor.post(f"/admin/pages/{home.pk}/edit/", data)
    assert response.status_code == 400
    assert "Request not understood" in response.content.decode()
    home.refresh_from_db()
    assert (home.title, home.revisions.count()) == ("Espresso", revisions)


@pytest.mark.parametrize("intro", ["not json", "1", json.dumps({"blocks": 1})])
def test_rich_text_that_is_not_draftail_json_is_a_bad_request(editor, site_tree, intro):
    members = site_tree.members
    editor.get(f"/admin/pages/{members.pk}/edit/")
    response = editor.post(f"/admin/pages/{members.pk}/edit/",
                           {"title": members.title, "slug": members.slug, "intro": intro})
    assert response.status_code == 400


def test_the_untampered_edit_form_still_saves(editor, site_tree):
    home = site_tree.home
    data = {**edit_form(editor, home), "title": "Espresso network"}
    response = editor.post(f"/admin/pages/{home.pk}/edit/", data)
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.get_latest_revision().as_object().title == "Espresso network"


@pytest.mark.parametrize("param", ["owner", "content_type", "locale", "page"])
@pytest.mark.parametrize("value", [str(2**63), "9" * 5000])
def test_an_id_beyond_64_bits_in_the_explorer_is_a_bad_request(editor, site_tree, param,
                                                               value):
    response = editor.get(f"/admin/pages/{site_tree.home.pk}/", {param: value})
    assert response.status_code == 400


def test_a_big_number_is_still_a_search(editor, site_tree):
    response = editor.get(f"/admin/pages/{site_tree.home.pk}/", {"q": "9" * 30})
    assert response.status_code == 200


@pytest.mark.parametrize("query", ['"', "'", "\"'><script>alert(1)</script> AND ( OR NOT *",
                                   '"Spaces', "a\x00b", "NEAR(a b)", "*"])
def test_search_syntax_in_the_admin_page_search_is_plain_text(editor, site_tree, query):
    for url in (f"/admin/pages/{site_tree.home.pk}/", "/admin/pages/search/"):
        response = editor.get(url, {"q": query})
        assert response.status_code == 200, url


def test_the_admin_page_search_still_finds_pages(editor, site_tree):
    response = editor.get("/admin/pages/search/", {"q": '"Spaces"'})
    assert response.status_code == 200
    assert site_tree.spaces.pk in [page.pk for page in response.context["pages"]]
