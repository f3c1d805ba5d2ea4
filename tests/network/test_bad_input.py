"""Bad input on the space form (Wagtail's page form, through the admin add view) and the
profile form: a clear form error and nothing saved; HTML in names is text, shown escaped."""

import pytest
from django.test import Client
from wagtail.test.utils.form_data import querydict_from_html

from network.models import MemberProfile, SpacePage
from network.services import coordinators_group_ensure, profile_ensure
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db

BAD_URLS = ["http://", "example", "javascript:alert(1)", "https://exa mple.org", "ftp//x"]
GOOD_SPACE = {"title": "Cowo Racale", "slug": "cowo-racale", "city": "Racale",
              "region": "Puglia", "country": "Italy", "time_zone": "Europe/Rome",
              "kind": "coworking", "day_pass_price": "8"}


@pytest.fixture
def coordinator(site_tree):
    user = UserFactory(username="coordinator")
    user.groups.add(coordinators_group_ensure())
    client = Client()
    client.force_login(user)
    return client


def post_space(client: Client, parent, **changes):
    url = f"/admin/pages/add/network/spacepage/{parent.pk}/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form").copy()
    data.setdefault("description-count", "0")
    data.update({**GOOD_SPACE, **changes})
    return client.post(url, data)


def space_errors(response) -> dict:
    assert response.status_code == 200, "the form should be shown again with errors"
    return response.context["form"].errors


def test_a_good_space_is_accepted(coordinator, site_tree):
    response = post_space(coordinator, site_tree.spaces)
    assert response.status_code == 302
    assert SpacePage.objects.filter(slug="cowo-racale").exists()


@pytest.mark.parametrize("bad", BAD_URLS)
def test_space_form_rejects_malformed_websites(coordinator, site_tree, bad):
    assert "website" in space_errors(post_space(coordinator, site_tree.spaces, website=bad))
    assert not SpacePage.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("latitude", "91"), ("latitude", "-90.5"), ("longitude", "-181"), ("longitude", "180.01"),
    ("latitude", "north"), ("seats", "-1"), ("seats", "1e9"), ("day_pass_price", "-5"),
    ("email", "not-an-address"), ("time_zone", "Mars/Olympus"), ("kind", "spaceship"),
])
def test_space_form_rejects_out_of_range_values(coordinator, site_tree, field, value):
    assert field in space_errors(post_space(coordinator, site_tree.spaces, **{field: value}))
    assert not SpacePage.objects.exists()


@pytest.mark.parametrize("field", ["title", "city", "region", "country", "tagline", "phone"])
def test_space_form_rejects_10000_character_names(coordinator, site_tree, field):
    assert field in space_errors(post_space(coordinator, site_tree.spaces, **{field: "x" * 10_000}))
    assert not SpacePage.objects.exists()


@pytest.mark.parametrize("field", ["title", "city", "region", "tagline", "address"])
def test_space_form_rejects_newlines_in_one_line_names(coordinator, site_tree, field):
    errors = space_errors(post_space(coordinator, site_tree.spaces, **{field: "Cowo\nRacale"}))
    assert field in errors
    assert not SpacePage.objects.exists()


def test_space_full_clean_refuses_a_newline_in_the_title(site_tree):
    from django.core.exceptions import ValidationError

    space = SpacePage(title="Cowo\r\nRacale", slug="x", city="Racale")
    with pytest.raises(ValidationError) as error:
        space.full_clean()
    assert "title" in error.value.message_dict


def test_html_in_a_space_name_is_stored_as_text_and_shown_escaped(coordinator, client,
                                                                   site_tree):
    name = '<script>alert("x")</script> Cowo & Co'
    response = post_space(coordinator, site_tree.spaces, title=name, slug="html-space",
                          tagline="<b>bold</b> claims", **{"action-publish": "publish"})
    assert response.status_code == 302
    space = SpacePage.objects.get(slug="html-space")
    assert space.title == name
    for url in (space.url, site_tree.spaces.url):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Cowo &amp; Co" in html
        assert "<script>alert" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in client.get(space.url).content.decode()


def test_accents_emoji_and_rtl_come_out_right(client, site_tree):
    space = make_space(site_tree.spaces, "Caffè Ōsaka ☕ مساحة", city="Città di Castello")
    html = client.get(space.url).content.decode()
    assert "Caffè Ōsaka ☕ مساحة" in html and "Città di Castello" in html


# --- the profile form -------------------------------------------------------------------

PROFILE = {"display_name": "Giulia Verdi", "headline": "", "bio": "", "skills": "",
           "city": "", "home_space": "", "website": "", "links": "", "visibility": "public"}


@pytest.fixture
def member(site_tree):
    user = UserFactory(username="giulia", email="giulia@example.org")
    client = Client()
    client.force_login(user)
    return user, client


def post_profile(client: Client, **changes):
    return client.post("/me/profile/", {**PROFILE, **changes})


def profile_errors(response) -> dict:
    assert response.status_code == 200, "the form should be shown again with errors"
    return response.context["form"].errors


@pytest.mark.parametrize("bad", BAD_URLS)
def test_profile_form_rejects_malformed_websites(member, bad):
    user, client = member
    assert "website" in profile_errors(post_profile(client, website=bad, display_name="Changed"))
    assert MemberProfile.objects.get(user=user).display_name != "Changed"


@pytest.mark.parametrize("bad", BAD_URLS)
def test_profile_form_rejects_malformed_link_lines(member, bad):
    _user, client = member
    errors = profile_errors(post_profile(client, links=f"https://ok.example.org\n{bad}"))
    assert "Line 2" in errors["links"][0]


def test_profile_form_rejects_more_than_ten_links(member):
    _user, client = member
    links = "\n".join(f"https://example.org/{n}" for n in range(11))
    assert "links" in profile_errors(post_profile(client, links=links))


@pytest.mark.parametrize(("field", "value"), [
    ("display_name", "x" * 10_000), ("headline", "x" * 10_000), ("city", "x" * 10_000),
    ("display_name", "Giulia\nVerdi"), ("headline", "one\ntwo"), ("city", "Ro\rma"),
    ("display_name", "Giulia\x00Verdi"), ("display_name", "   "), ("bio", "x" * 10_000),
    ("visibility", "everyone"), ("home_space", "999999"), ("skills", "a\x07b"),
])
def test_profile_form_rejects_bad_names_and_values(member, field, value):
    user, client = member
    post_profile(client, display_name="Before")
    assert field in profile_errors(post_profile(client, **{field: value}))
    assert MemberProfile.objects.get(user=user).display_name == "Before"


def test_html_in_a_member_name_is_stored_as_text_and_shown_escaped(member, site_tree):
    user, client = member
    name = "<img src=x onerror=alert(1)> Giulia & Co"
    response = post_profile(client, display_name=name, headline="<i>Designer</i>")
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert profile.display_name == name
    for url in (profile.get_absolute_url(), site_tree.members.url):
        html = Client().get(url).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt; Giulia &amp; Co" in html
        assert "<img src=x" not in html
    page = Client().get(profile.get_absolute_url()).content.decode()
    assert "&lt;i&gt;Designer&lt;/i&gt;" in page


def test_stored_javascript_links_never_become_hrefs(site_tree):
    profile = profile_ensure(UserFactory(), display_name="Old Data", visibility="public")
    # Rows written before validation existed (or by raw SQL) are still rendered safely.
    MemberProfile.objects.filter(pk=profile.pk).update(
        links="javascript:alert(1)\nhttps://ok.example.org")
    html = Client().get(profile.get_absolute_url()).content.decode()
    assert 'href="javascript:' not in html
    assert 'href="https://ok.example.org"' in html
