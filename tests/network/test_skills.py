"""Issue 10, "Directory": skills are found by word and prefix (in the skill filter, the
directory's search box and site search, within each member's visibility) and are links."""

import pytest
from django.test import Client

from network.services import profile_ensure
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(site_tree):
    made = {}
    for key, name, visibility, skills in [
        ("maker", "Marta Maker", "public", ["3D printing", "Laser cutting"]),
        ("hyphen", "Ugo Ugello", "public", ["3d-printing"]),
        ("hidden", "Ilaria Invisibile", "hidden", ["3D printing"]),
        ("other", "Otto Altro", "public", ["Accounting"]),
    ]:
        user = UserFactory(username=key, email=f"{key}@example.org")
        made[key] = profile_ensure(user, display_name=name, visibility=visibility,
                                   skills=skills)
    return {"tree": site_tree, **made}


def directory_names(client: Client, tree, params: dict) -> list[str]:
    response = client.get(tree.members.url, params)
    assert response.status_code == 200
    return [p.display_name for p in response.context["profiles"]]


@pytest.mark.parametrize("skill", ["printing", "PRINT", "3d", "3D printing", " printing "])
def test_the_skill_filter_matches_words_and_prefixes(client, people, skill):
    assert directory_names(client, people["tree"], {"skill": skill}) == [
        "Marta Maker", "Ugo Ugello"]


@pytest.mark.parametrize("skill", ["rinting", "ing", "printingx", "3D printer"])
def test_the_skill_filter_does_not_match_inside_a_word(client, people, skill):
    assert directory_names(client, people["tree"], {"skill": skill}) == []


def test_the_directory_search_box_finds_members_by_skill(client, people):
    assert directory_names(client, people["tree"], {"q": "laser"}) == ["Marta Maker"]
    assert directory_names(client, people["tree"], {"q": "printing"}) == [
        "Marta Maker", "Ugo Ugello"]


def test_site_search_finds_members_by_skill_within_their_visibility(client, people):
    response = client.get("/search/", {"q": "printing", "type": "members"})
    assert response.status_code == 200
    found = {p.display_name for p in response.context["page_obj"].object_list}
    assert found == {"Marta Maker", "Ugo Ugello"}


def test_skills_are_links_to_the_directory_filtered_by_them(client, people):
    profile_html = client.get(people["maker"].get_absolute_url()).content.decode()
    assert '<a href="/en/members/?skill=3D+printing">3D printing</a>' in profile_html
    directory_html = client.get(people["tree"].members.url).content.decode()
    assert '<a href="/en/members/?skill=Laser+cutting">Laser cutting</a>' in directory_html
