"""Personal API tokens: made, shown once, stored hashed, listed and revoked from the member's
page; a revoked token, another member's, a malformed one or an erased member's is refused."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from wagtail.models import APIToken

from api.exceptions import ApiTokenInvalid
from api.tokens import MAX_ACTIVE_TOKENS, api_token_create, api_token_revoke
from home.privacy import member_data_export, member_erase
from tests.api.helpers import bearer, get, token_for
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_token_is_stored_only_as_a_hash(db):
    member = UserFactory()
    new = api_token_create(member, "My script")
    assert new.plain.startswith("wagtail_")
    row = APIToken.objects.get(user=member)
    assert row.name == "My script"
    assert new.plain[:12] == row.prefix
    assert row.key_hash != new.plain and new.plain not in row.key_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM wagtailcore_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert new.plain not in stored


@pytest.mark.parametrize("name, message", [
    ("", "Give the token a name"),
    ("   ", "Give the token a name"),
    ("two\nlines", "single line"),
    ("x" * 81, "at most 80"),
])
def test_a_bad_name_makes_no_token(db, name, message):
    member = UserFactory()
    with pytest.raises(ApiTokenInvalid) as error:
        api_token_create(member, name)
    assert message in " ".join(error.value.messages)
    assert not APIToken.objects.exists()


def test_at_most_ten_active_tokens(db):
    member = UserFactory()
    tokens = [api_token_create(member, f"t{i}") for i in range(MAX_ACTIVE_TOKENS)]
    with pytest.raises(ApiTokenInvalid):
        api_token_create(member, "one too many")
    assert api_token_revoke(member, tokens[0].token.pk)
    api_token_create(member, "room again")
    assert APIToken.objects.filter(user=member, revoked_at__isnull=True).count() == 10


def test_a_token_reads_the_members_data_until_revoked(client, site_tree):
    member = UserFactory()
    new = api_token_create(member, "script")
    assert get(client, "my_balance", token=new.plain).status_code == 200
    assert APIToken.objects.get(pk=new.token.pk).last_used_at is not None
    other = UserFactory()
    assert not api_token_revoke(other, new.token.pk)  # not theirs: untouched
    assert get(client, "my_balance", token=new.plain).status_code == 200
    assert api_token_revoke(member, new.token.pk)
    response = get(client, "my_balance", token=new.plain)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    # Revoked means refused everywhere, also on public endpoints (never silently anonymous).
    assert get(client, "events", token=new.plain).status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer a b", "Bearer wagtail_" + "A" * 40, "Bearer " + "x" * 5000,
    "Bearer wagtail_\x00", "Bearer wagtail_é",
])
def test_malformed_or_unknown_tokens_are_a_401(client, site_tree, header):
    response = client.get(reverse("api:events"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_no_token_is_anonymous_and_personal_data_needs_one(client, site_tree):
    assert client.get(reverse("api:events")).status_code == 200
    for name in ("my_balance", "my_registrations"):
        assert client.get(reverse(f"api:{name}")).status_code == 401


def test_a_session_cookie_does_not_open_personal_data(client, site_tree):
    client.force_login(UserFactory())
    assert client.get(reverse("api:my_balance")).status_code == 401


def test_an_inactive_or_erased_member_is_refused(client, site_tree):
    member = UserFactory()
    token = token_for(member)
    member.is_active = False
    member.save()
    assert get(client, "my_balance", token=token).status_code == 401
    member.is_active = True
    member.save()
    assert get(client, "my_balance", token=token).status_code == 200
    member_erase(member, by=member)
    assert APIToken.objects.get(user=member).revoked_at is not None
    assert get(client, "my_balance", token=token).status_code == 401


def test_the_token_page_makes_shows_once_and_revokes(client, site_tree):
    member = UserFactory()
    client.force_login(member)
    url = reverse("api_tokens")
    page = client.get(url)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    made = client.post(url, {"action": "create", "name": "Calendar script"})
    assert made.status_code == 200
    plain = made.context["new_token"]
    assert plain.encode() in made.content
    assert client.get(reverse("api:my_balance"), **bearer(plain)).status_code == 200
    listed = client.get(url)
    assert plain.encode() not in listed.content  # shown once only
    assert b"Calendar script" in listed.content
    token = APIToken.objects.get(user=member)
    revoked = client.post(url, {"action": "revoke", "token": str(token.pk)})
    assert revoked.status_code == 302
    assert client.get(reverse("api:my_balance"), **bearer(plain)).status_code == 401


def test_the_token_page_refuses_bad_input_and_others_tokens(client, site_tree):
    member, other = UserFactory(), UserFactory()
    theirs = api_token_create(other, "theirs")
    client.force_login(member)
    url = reverse("api_tokens")
    bad = client.post(url, {"action": "create", "name": "a\nb"})
    assert bad.status_code == 400
    assert not APIToken.objects.filter(user=member).exists()
    for token_id in (str(theirs.token.pk), "9" * 40, "-1", "x", ""):
        response = client.post(url, {"action": "revoke", "token": token_id})
        assert response.status_code == 302
    assert APIToken.objects.get(pk=theirs.token.pk).revoked_at is None
    assert client.post(url, {"action": "explode"}).status_code == 400


def test_the_token_page_needs_a_signed_in_member(client, site_tree):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_members_data_export_lists_tokens_without_the_secret(db):
    member = UserFactory()
    new = api_token_create(member, "Export me")
    exported = member_data_export(member)["api"]["api_tokens"]
    assert [(t["name"], t["starts_with"], t["revoked_at"]) for t in exported] == [
        ("Export me", new.plain[:12], None)]
    assert new.plain not in str(exported)
