"""A member makes a personal API token in a real browser, reads their balance with it, sees
that the token is shown only once, revokes it; the API's documentation page renders.

Screenshots land in var/screenshots/api-*.png."""

import pytest
from playwright.sync_api import Page, expect

from network.demo import DEMO_LOGINS

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOGINS = {label: (email, password) for label, email, password in DEMO_LOGINS}
MEMBER_EMAIL, PASSWORD = LOGINS["Member"]


def test_member_makes_uses_and_revokes_a_token(page: Page, demo_server, screenshot):
    page.goto(f"{demo_server.url}/accounts/login/?next=/me/profile/")
    page.get_by_label("Email").fill(MEMBER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/me/profile/")
    page.get_by_role("link", name="Manage my API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    page.get_by_label("Name (what will use it)").fill("Mein Skript ☕")
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("#new-token").input_value()
    assert token.startswith("wagtail_")
    screenshot(page, "api-token-made-desktop")

    url = f"{demo_server.url}/api/v1/me/balance/"
    answer = page.request.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert set(answer.json()) == {"posted", "on_hold", "available", "limit"}

    page.goto(f"{demo_server.url}/me/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.get_by_role("cell", name="Mein Skript ☕")).to_be_visible()
    assert token not in page.content()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    screenshot(page, "api-token-revoked-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "api-token-revoked-phone")
    assert page.request.get(url, headers={"Authorization": f"Bearer {token}"}).status == 401


def test_the_api_documentation_renders(page: Page, demo_server, screenshot):
    page.goto(f"{demo_server.url}/api/v1/docs/")
    expect(page.get_by_text("Espresso read API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/events/", exact=True).first).to_be_visible()
    screenshot(page, "api-docs-desktop")
