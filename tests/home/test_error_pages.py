"""Error pages look like the rest of the site."""

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_unknown_address_answers_404_in_the_site_layout(client, site_tree):
    response = client.get("/en/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'class="site-header"' in html
    assert 'action="/search/"' in html


def test_server_error_page_renders_without_a_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "/static/css/espresso.css" in html


def test_a_member_without_admin_access_gets_a_clear_403_not_a_login_loop(client, site_tree):
    """Regression: /admin/ sent a signed-in member to the login page, which sent them back."""
    from tests.network.factories import UserFactory

    client.force_login(UserFactory(email="member@example.org"))
    for path in ("/admin/", "/admin/pages/", "/admin/member_profiles/?q=x"):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 403
        assert "No access to the admin" in html
        assert "member@example.org" in html
        assert 'class="site-header"' in html
        assert '<a href="/">' in html


def test_the_no_access_page_is_in_italian(client, site_tree):
    from tests.network.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 403
    assert "Nessun accesso all'amministrazione" in response.content.decode()


def test_anonymous_visitors_of_the_admin_still_go_to_the_login_page(client, site_tree):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_an_organiser_still_opens_the_admin(client, site_tree):
    from tests.network.factories import make_organiser, make_space

    client.force_login(make_organiser(make_space(site_tree.spaces, "Cowo360")))
    assert client.get("/admin/").status_code == 200
