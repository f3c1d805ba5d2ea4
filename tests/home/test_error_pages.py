"""Error pages look like the rest of the site."""

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_unknown_address_answers_404_in_the_site_layout(client, site_tree):
    response = client.get("/no-such-page/")
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
