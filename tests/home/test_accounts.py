"""Accounts (django-allauth): sign-up, log in by e-mail, password reset, styled pages."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from network.models import MemberProfile
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _signup(client, **overrides):
    data = {"email": "niccolo@example.org", "display_name": "Niccolò Ferri",
            "password1": "a-long-Espresso-passphrase", "password2": "a-long-Espresso-passphrase"}
    data.update(overrides)
    return client.post("/accounts/signup/", data)


def test_signup_creates_a_user_and_their_profile(client, site_tree):
    response = _signup(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="niccolo@example.org")
    profile = MemberProfile.objects.get(user=user)
    assert profile.display_name == "Niccolò Ferri"
    assert profile.slug == "niccolo-ferri"
    assert profile.visibility == "network"


def test_signup_sends_a_verification_mail(client, site_tree, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = _signup(client)
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["niccolo@example.org"]
    assert mail.outbox[0].subject.startswith("[Espresso] ")


def test_signup_keeps_html_in_a_name_as_text(client, site_tree):
    _signup(client, display_name="<b>Zoë</b> 🚀")
    profile = MemberProfile.objects.get(user__email="niccolo@example.org")
    assert profile.display_name == "<b>Zoë</b> 🚀"


@pytest.mark.parametrize("name", ["", "   ", "Line\nbreak", "x" * 10_000])
def test_signup_refuses_a_bad_name_and_creates_nothing(client, site_tree, name):
    response = _signup(client, display_name=name)
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    assert not get_user_model().objects.exists()
    assert not MemberProfile.objects.exists()


def test_signup_refuses_a_taken_email(client, site_tree):
    UserFactory(username="taken", email="niccolo@example.org")
    EmailAddress.objects.create(user=get_user_model().objects.get(username="taken"),
                                email="niccolo@example.org", verified=True, primary=True)
    _signup(client)
    assert get_user_model().objects.filter(email__iexact="niccolo@example.org").count() == 1


def test_login_by_email(client, site_tree):
    UserFactory(username="zoe", email="zoe@example.org")
    response = client.post("/accounts/login/", {"login": "zoe@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/en/").context["user"].email == "zoe@example.org"


def test_login_with_a_wrong_password_fails_with_a_message(client, site_tree):
    UserFactory(username="zoe", email="zoe@example.org")
    response = client.post("/accounts/login/", {"login": "zoe@example.org", "password": "nope"})
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_login_requires_verification_when_mandatory(client, site_tree, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(username="zoe", email="zoe@example.org")
    client.post("/accounts/login/", {"login": "zoe@example.org", "password": PASSWORD})
    assert not client.get("/en/").context["user"].is_authenticated


def test_password_reset_sends_a_mail_with_a_working_link(client, site_tree):
    UserFactory(username="zoe", email="zoe@example.org")
    response = client.post("/accounts/password/reset/", {"email": "zoe@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link is not None
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    done = client.post(form_url, {"password1": "a-new-Espresso-passphrase",
                                  "password2": "a-new-Espresso-passphrase"})
    assert done.status_code == 302
    assert client.login(username="zoe", password="a-new-Espresso-passphrase")


@pytest.mark.parametrize("url", [
    "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
    "/accounts/password/reset/done/", "/accounts/confirm-email/",
])
def test_account_pages_use_the_site_layout(client, site_tree, url):
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert 'class="panel"' in html
    assert 'href="#main"' in html


@pytest.mark.parametrize("url", ["/accounts/email/", "/accounts/password/change/",
                                 "/accounts/logout/"])
def test_account_management_pages_render_for_a_member(client, site_tree, url):
    user = UserFactory(username="zoe", email="zoe@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert 'class="site-header"' in response.content.decode()


def test_header_offers_login_to_visitors_and_logout_to_members(client, site_tree):
    html = client.get("/en/").content.decode()
    assert 'href="/accounts/login/"' in html and 'href="/accounts/signup/"' in html
    client.force_login(UserFactory(username="zoe"))
    html = client.get("/en/").content.decode()
    assert 'href="/accounts/logout/"' in html
    assert 'href="/accounts/signup/"' not in html
