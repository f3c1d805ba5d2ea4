"""An organiser sets up a weekly meetup in one form, and a space shows events imported from
another space's feed, in a real browser. Screenshots land in var/screenshots/federation-*.png.
"""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventSeries
from network.demo import DEMO_LOGINS
from network.models import SpacePage

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOGINS = {label: (email, password) for label, email, password in DEMO_LOGINS}
ROME_EMAIL, PASSWORD = LOGINS["Organiser of Cowo360 (Rome)"]


def test_an_organiser_sets_up_a_weekly_meetup_in_one_form(page: Page, demo_server,
                                                          screenshot):
    rome = SpacePage.objects.get(organiser_group__user__email=ROME_EMAIL)
    page.goto(f"{demo_server.url}/accounts/login/?next=/admin/pages/{rome.pk}/")
    page.get_by_label("Email").fill(ROME_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**/admin/pages/{rome.pk}/")
    page.goto(f"{demo_server.url}/admin/events/series/new/{rome.pk}/")
    first = dt.date.today() + dt.timedelta(days=21)
    page.get_by_label("Title").fill("Colazione del coworking ☕")
    page.get_by_label("First date").fill(first.isoformat())
    page.get_by_label("Starts at").fill("08:30")
    page.get_by_label("Ends at").fill("10:00")
    page.get_by_label("Number of dates").fill("6")
    page.get_by_label("Leave out these dates").fill(
        (first + dt.timedelta(days=14)).isoformat())
    page.get_by_label("Capacity of each date").fill("12")
    screenshot(page, "federation-series-form")
    page.get_by_role("button", name="Publish the dates").click()
    expect(page.get_by_text("5 dates of “Colazione del coworking ☕” published.")).to_be_visible()
    series = EventSeries.objects.get(title="Colazione del coworking ☕")
    occurrence = series.occurrences.order_by("starts_at")[1]
    page.goto(f"{demo_server.url}{occurrence.url}")
    expect(page.get_by_text("One date of a recurring event")).to_be_visible()
    screenshot(page, "federation-series-occurrence")


def test_a_space_shows_events_imported_from_another_space(page: Page, demo_server,
                                                          screenshot, settings):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = True
    rome = SpacePage.objects.get(organiser_group__user__email=ROME_EMAIL)
    milan = SpacePage.objects.get(
        organiser_group__user__email=LOGINS["Organiser of Cowo Lambrate (Milan)"][0])
    feed = f"{demo_server.url}/events/feed.json?space={milan.slug}"
    report = subscription_sync(subscription_get_or_create(rome, feed, name="Cowo Lambrate"))
    assert report.error == "" and report.created > 0
    imported = EventPage.objects.filter(space=rome).exclude(origin={}).order_by(
        "starts_at").first()
    page.goto(f"{demo_server.url}{imported.url}")
    expect(page.get_by_text("Imported from Cowo Lambrate")).to_be_visible()
    expect(page.get_by_role("link", name="Register on the original site")).to_be_visible()
    screenshot(page, "federation-imported-event")
    page.goto(f"{demo_server.url}{rome.url}")
    screenshot(page, "federation-space-with-imports")
