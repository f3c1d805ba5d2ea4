"""Sign-up, e-mail management and log-out in a real browser, in the site's own layout."""

import pytest
from playwright.sync_api import Page, expect

from home.services import site_tree_ensure
from network.models import MemberProfile

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site_server(live_server, django_db_serialized_rollback):
    site_tree_ensure()
    return live_server


def test_sign_up_manage_email_and_log_out(page: Page, site_server, screenshot):
    page.goto(site_server.url + "/")
    page.locator(".account-nav").get_by_role("link", name="Sign up").click()
    expect(page.locator(".panel h1")).to_be_visible()
    page.get_by_label("Your name").fill("Zoë Ångström")
    page.get_by_label("Email").fill("zoe@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-Espresso-passphrase")
    page.get_by_label("Password (again)").fill("a-long-Espresso-passphrase")
    screenshot(page, "signup-desktop")
    page.locator(".panel form button[type=submit]").click()
    page.wait_for_url(site_server.url + "/en/")
    expect(page.locator(".account-nav")).to_contain_text("Sign out")
    assert MemberProfile.objects.get(user__email="zoe@example.org").display_name == "Zoë Ångström"

    page.goto(site_server.url + "/accounts/email/")
    expect(page.locator(".panel")).to_contain_text("zoe@example.org")
    expect(page.locator(".panel .badge").first).to_be_visible()
    screenshot(page, "account-email-desktop")

    page.locator(".account-nav").get_by_role("link", name="Sign out").click()
    screenshot(page, "logout-desktop")
    page.locator(".panel form button[type=submit]").click()
    page.wait_for_url(site_server.url + "/en/")
    expect(page.locator(".account-nav")).to_contain_text("Sign in")


def test_password_reset_request_page(page: Page, site_server, screenshot):
    page.goto(site_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("nobody@example.org")
    page.locator(".panel form button[type=submit]").click()
    expect(page.locator(".panel")).to_contain_text("sent you an email")
    screenshot(page, "password-reset-done-desktop")
