"""A member's own data in a real browser, on the demo network: see it, download it, erase the
account; and a coordinator erasing a member from the Wagtail admin.

Screenshots land in var/screenshots/privacy-*.png."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from network.demo import DEMO_LOGINS
from network.models import MemberProfile

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOGINS = {label: (email, password) for label, email, password in DEMO_LOGINS}
MEMBER_EMAIL, PASSWORD = LOGINS["Member"]
COORDINATOR_EMAIL = LOGINS["Network coordinator"][0]


def log_in(page: Page, server, email: str, next_path: str) -> None:
    page.goto(f"{server.url}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{next_path}")


def test_member_sees_downloads_and_erases_their_data(page: Page, demo_server, screenshot):
    member = get_user_model().objects.get(email=MEMBER_EMAIL)
    name = MemberProfile.objects.get(user=member).display_name
    log_in(page, demo_server, MEMBER_EMAIL, "/me/profile/")
    page.get_by_role("link", name="See and download my data").click()
    expect(page.get_by_role("heading", name="My data", exact=True)).to_be_visible()
    expect(page.locator("#data-profile + .definition")).to_contain_text(name)
    screenshot(page, "privacy-my-data-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "privacy-my-data-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == MEMBER_EMAIL
    assert data["network"]["profile"]["display_name"] == name

    page.get_by_role("link", name="Erase my account…").click()
    expect(page.get_by_role("heading", name="What happens")).to_be_visible()
    page.get_by_role("button", name="Erase my account").click()  # nothing filled in
    expect(page.locator(".has-error").first).to_be_visible()
    screenshot(page, "privacy-erase-refused-desktop")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    screenshot(page, "privacy-erase-desktop")
    page.get_by_role("button", name="Erase my account").click()
    page.wait_for_url("**/account-erased/")
    expect(page.get_by_role("heading", name="Your account has been erased")).to_be_visible()
    expect(page.locator(".account-nav")).to_contain_text("Sign in")
    screenshot(page, "privacy-erased-desktop")

    page.goto(demo_server.url + "/members/")
    assert name not in page.content()
    call_command("verify_ledger", stdout=io.StringIO())


def test_coordinator_erases_a_member_from_the_admin(page: Page, demo_server, screenshot):
    profile = MemberProfile.objects.select_related("user").get(user__email=MEMBER_EMAIL)
    log_in(page, demo_server, COORDINATOR_EMAIL, "/admin/")
    page.goto(f"{demo_server.url}/admin/member_profiles/edit/{profile.pk}/")
    page.get_by_role("navigation", name="Actions", exact=True).get_by_role(
        "button", name="Actions").click()
    page.get_by_role("link", name="Erase member…").click()
    expect(page.get_by_role("heading", name="What happens")).to_be_visible()
    page.get_by_label("The member's e-mail address").fill(MEMBER_EMAIL)
    page.get_by_label("Erase this account").check()
    screenshot(page, "privacy-admin-erase-desktop")
    page.get_by_role("button", name="Erase member").click()
    page.wait_for_url("**/admin/member_profiles/")
    expect(page.locator(".messages")).to_contain_text("The member's account has been erased.")
    screenshot(page, "privacy-admin-erased-desktop")
    assert not MemberProfile.objects.filter(pk=profile.pk).exists()
    call_command("verify_ledger", stdout=io.StringIO())
