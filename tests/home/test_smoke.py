import pytest

from tests.network.factories import make_space


@pytest.mark.django_db
def test_home_page_renders(client, site_tree):
    response = client.get("/en/")
    assert response.status_code == 200
    assert b"Espresso" in response.content


@pytest.mark.django_db
def test_space_creation_sets_up_organiser_group(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    assert space.organiser_group is not None
    assert space.collection is not None
