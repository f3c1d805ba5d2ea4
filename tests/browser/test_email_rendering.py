"""Every e-mail's HTML rendered in Chromium at desktop and phone widths: nothing wider than
the screen, no request leaves the message (no remote image, no tracking pixel), the title
and the name show as text. Screenshots in var/screenshots/email-<kind>-<width>.png."""

import pytest
from playwright.sync_api import Page

from tests.events.email_samples import every_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}


def test_every_email_renders_within_the_screen_without_remote_requests(
        page: Page, site_tree, client, screenshot):
    emails = every_email(site_tree, client)
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    for name, message in emails.items():
        html = message.alternatives[0][0]
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.set_content(html, wait_until="load")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (name, label, scroll_width)
            screenshot(page, f"email-{name}-{label}")
        text = page.inner_text("body")
        # The nasty name and title show as text (escaped, never run as markup).
        if name.startswith(("registration_", "reminder")):
            assert "Zoë O'Brien <script>alert(1)</script> محمد" in text, name
        if name.startswith(("registration_", "reminder", "digest")):
            assert "<b>“Caffè & código”</b> 🎉" in text, name
    assert requests == []
