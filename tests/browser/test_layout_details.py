"""Layout details a new user tripped over (issue 10), measured in headless Chromium on the
demo network: the header's height and the event's "Register" at phone width, long e-mail
addresses and URLs inside their cards at 1280 px, and the clearing matrix's scroll cue.
Screenshots land in var/screenshots/layout/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser

from events import services
from events.models import EventPage
from network.services import profile_ensure
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MEMBER, ORGANISER = "member@espresso.example", "organiser.rome@espresso.example"
COORDINATOR = "coordinator@espresso.example"

#: 120 characters each, without a space to break at.
LONG_EMAIL = ("a" * 40 + ".very.long.name.of.a.member.who.likes.long.addresses@"
              + "x" * 15 + ".example.org")
LONG_URL = "https://" + "w" * 20 + ".example.org/" + "path-segment/" * 6 + "z" * 1


def _context(browser: Browser, server, viewport: dict, email: str = "", language: str = "en"):
    context = browser.new_context(viewport=viewport)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server.url}]
    if email:
        client = Client()
        client.force_login(get_user_model().objects.get(email=email))
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value})
    context.add_cookies(cookies)
    return context


def _shot(page, name: str) -> None:
    folder = SCREENSHOTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _open_event() -> EventPage:
    """A free upcoming event in Rome with seats left, so its panel offers "Register"."""
    for event in (EventPage.objects.live().filter(space__slug="cowo360", price_credits=0,
                                                  starts_at__gt=timezone.now())
                  .order_by("starts_at")):
        if event.seats_left is None or event.seats_left > 0:
            return event
    raise AssertionError("the demo has no open free event in Rome")


@pytest.mark.parametrize("language", ["en", "it"])
def test_phone_header_is_short_and_register_is_on_the_first_screen(browser, demo_server,
                                                                   language):
    event = _open_event()
    context = _context(browser, demo_server, PHONE, MEMBER, language)
    page = context.new_page()
    page.goto(demo_server.url + event.url)
    _shot(page, f"{language}-event-phone")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 0.2 * PHONE["height"], header  # it took a third of the screen
    register = page.locator(".registration-panel button[type=submit].button").first
    box = register.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # on the first screen
    assert box["y"] < page.locator(".event-body").bounding_box()["y"]  # before the description
    # Every account and section link is still there, in a row that scrolls sideways.
    assert page.locator(".account-nav a").count() >= 4
    nav = page.locator(".site-nav ul")
    assert nav.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert "radial-gradient" in nav.evaluate("e => getComputedStyle(e).backgroundImage")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    context.close()


def test_desktop_event_page_keeps_the_description_first(browser, demo_server):
    event = _open_event()
    context = _context(browser, demo_server, DESKTOP, MEMBER)
    page = context.new_page()
    page.goto(demo_server.url + event.url)
    body = page.locator(".event-body").bounding_box()
    facts = page.locator(".event-facts").bounding_box()
    assert body["x"] < facts["x"]  # description on the left, facts on the right
    assert page.locator(".site-header").bounding_box()["height"] < 120
    context.close()


#: Elements showing the long address or URL that reach past the card, cell or column they sit
#: in (the closest card, aside, table wrapper or <main>).
OVERFLOWING = """(needles) => {
  const out = [];
  for (const el of document.querySelectorAll('main a, main span, main div, main dd, main p')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
    if (!needles.some(n => own.includes(n.slice(0, 40)))) continue;
    const box = el.closest('.card, .aside, .table-wrap, main').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (r.right > box.right + 1 || r.left < box.left - 1)
      out.push(`${el.tagName}.${el.className} right=${Math.round(r.right)}`
               + ` box=${Math.round(box.right)}`);
  }
  return out;
}"""


def test_long_email_and_url_stay_inside_their_cards_at_1280(browser, demo_server):
    user = get_user_model().objects.create_user(username="long", email=LONG_EMAIL,
                                                password="x-long-enough-1")
    assert (len(LONG_EMAIL), len(LONG_URL)) == (120, 120)
    profile = profile_ensure(user, display_name="Longa Mail", visibility="network",
                             show_email=True, website=LONG_URL, links=LONG_URL)
    event = _open_event()
    services.registration_create(event, user=user, actor=user)
    needles = [LONG_EMAIL, LONG_URL]
    checks = [(MEMBER, profile.get_absolute_url(), "profile"),
              (MEMBER, "/members/?q=Longa", "directory"),
              (ORGANISER, f"/events/{event.pk}/manage/", "dashboard"),
              (LONG_EMAIL, "/me/data/", "my-data")]
    found: dict[str, list[str]] = {}
    for email, path, name in checks:
        context = _context(browser, demo_server, DESKTOP, email)
        page = context.new_page()
        assert page.goto(demo_server.url + path).status == 200
        _shot(page, f"long-text-{name}")
        assert page.locator(f"text={LONG_EMAIL[:40]}").count() >= 1, path
        found[path] = page.evaluate(OVERFLOWING, needles)
        if page.evaluate("document.documentElement.scrollWidth") > DESKTOP["width"]:
            found[path].append("the page scrolls sideways")
        context.close()
    assert found == {path: [] for _email, path, _name in checks}
    # The dashboard's table fits: the long address no longer widens the name column.
    context = _context(browser, demo_server, DESKTOP, ORGANISER)
    page = context.new_page()
    page.goto(demo_server.url + f"/events/{event.pk}/manage/")
    wrap = page.locator(".table-wrap").last
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    context.close()


def test_clearing_matrix_shows_a_scroll_cue_on_a_phone(browser, demo_server):
    context = _context(browser, demo_server, PHONE, COORDINATOR)
    page = context.new_page()
    assert page.goto(demo_server.url + "/network/clearing/").status == 200
    _shot(page, "clearing-phone")
    wrap = page.locator(".table-wrap:has(.clearing-matrix)")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")  # it does not fit: it scrolls
    assert "radial-gradient" in wrap.evaluate("e => getComputedStyle(e).backgroundImage")
    # The cells do not paint over the shadows.
    assert wrap.evaluate("e => getComputedStyle(e.querySelector('table')).backgroundColor") \
        == "rgba(0, 0, 0, 0)"
    hint = page.locator(".scroll-hint")
    assert hint.is_visible()
    assert "sideways" in hint.inner_text()
    context.close()
    context = _context(browser, demo_server, DESKTOP, COORDINATOR)
    page = context.new_page()
    page.goto(demo_server.url + "/network/clearing/")
    assert not page.locator(".scroll-hint").is_visible()
    context.close()
