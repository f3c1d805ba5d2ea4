"""The "Done means" of following (issue 13) in Chromium against the demo network: a member
follows the space in Racale from its page, sees it on "What I follow", and hears about its
next workshop in the weekly digest. Screenshots in var/screenshots/following-*.png."""

import datetime as dt

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from events.following.digest import digests_send_due
from network.models import SpacePage
from tests.browser.test_journeys import MEMBER_EMAIL, log_in
from tests.events.following.factories import due_soon
from tests.events.registration_factories import publish_event

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_member_follows_racale_and_hears_about_its_next_workshop(page: Page, demo_server,
                                                                   screenshot):
    member = log_in(page.context, demo_server, MEMBER_EMAIL)
    racale = SpacePage.objects.get(slug="spazio-salento-racale", locale__language_code="en")
    page.goto(demo_server.url + racale.url)
    page.get_by_role("button", name="Follow Spazio Salento").click()
    expect(page.get_by_role("button", name="Following Spazio Salento · stop")).to_be_visible()
    screenshot(page, "following-space-page")

    # On one of its events: the space (already followed), the format, the topics.
    event = racale.events.live().order_by("starts_at").first()
    page.goto(demo_server.url + event.url)
    page.get_by_role("button", name=f"Follow {event.get_format_display()}", exact=True).click()
    expect(page.get_by_role("button", name=f"Following {event.get_format_display()} · stop",
                            exact=True)).to_be_visible()
    screenshot(page, "following-event-page")

    page.goto(demo_server.url + "/me/following/")
    expect(page.get_by_role("heading", name="What I follow")).to_be_visible()
    expect(page.locator(".follow-list")).to_contain_text("Spazio Salento")
    expect(page.locator(".follow-list")).to_contain_text(event.get_format_display())
    screenshot(page, "following-mine-desktop")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot(page, "following-mine-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Everything already published was told in a first digest; the next workshop comes next.
    first = due_soon()
    digests_send_due(first)
    workshop = publish_event(racale, title="Laboratorio di pizzica", starts_in_days=10)
    mail.outbox.clear()
    digests_send_due(first + dt.timedelta(days=7))
    (digest,) = [m for m in mail.outbox if m.to == [member.email]]
    assert workshop.title in digest.body
