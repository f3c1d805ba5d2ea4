"""No page scrolls sideways on a 390 px phone, in English and in Italian (issue 10).

Headless Chromium at 390x844 against the demo network opens the pages a visitor, a member
and an organiser reach and measures `scrollWidth`; the elements that stick out are named
in the failure. A full-page screenshot of each page lands in var/screenshots/phone/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser

from credits.models import DayPass
from events.models import EventPage
from network.models import MemberProfile, SpacePage
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
MEMBER, ORGANISER = "member@espresso.example", "organiser.rome@espresso.example"

#: Elements wider than the viewport or reaching past its right edge (not inside a box that
#: scrolls on its own, like a wide table in an `overflow-x: auto` wrapper).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if (s === 'auto' || s === 'scroll' || s === 'hidden') return true; }
    return false; };
  return [...document.querySelectorAll('body *')].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > width + 1 && !scrolls(el);
    }).slice(0, 6).map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
      + ` right=${Math.round(el.getBoundingClientRect().right)}`);
}"""


def _session_cookie(server, email: str) -> dict:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return {"name": settings.SESSION_COOKIE_NAME, "url": server.url,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def _pages(language: str) -> dict[str, list[str]]:
    """The addresses each kind of visitor is checked on (pages at their `language` address)."""
    rome = SpacePage.objects.get(slug="cowo360", locale__language_code="en")  # not its translation
    event = EventPage.objects.live().filter(space=rome).order_by("starts_at").last()
    profile = MemberProfile.objects.get(user__email=MEMBER)
    day_pass = DayPass.objects.filter(user__email=MEMBER).first()
    public = ["/", "/spaces/", rome.url.replace("/en/", f"/{language}/", 1), "/events/",
              event.url.replace("/en/", f"/{language}/", 1), "/search/?q=cowo",
              "/events/calendar/", "/credits/transparency/"]
    member = ["/members/", profile.get_absolute_url(), "/me/events/", "/me/credits/",
              "/me/profile/", "/me/data/", f"/credits/spaces/{rome.pk}/day-pass/",
              f"/events/{event.pk}/register/"]
    if day_pass is not None:
        member.append(f"/me/credits/passes/{day_pass.pk}/")
    organiser = [f"/events/{event.pk}/manage/", f"/events/{event.pk}/checkin/",
                 f"/credits/spaces/{rome.pk}/", f"/credits/spaces/{rome.pk}/validate/",
                 f"/credits/spaces/{rome.pk}/top-up/"]
    return {"": public, MEMBER: member, ORGANISER: organiser}


@pytest.mark.parametrize("language", ["en", "it"])
def test_no_page_scrolls_sideways_at_390_px(browser: Browser, demo_server, language):
    wide: dict[str, list[str]] = {}
    folder = SCREENSHOTS / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    for email, paths in _pages(language).items():
        context = browser.new_context(viewport=PHONE)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                    "url": demo_server.url}]
        if email:
            cookies.append(_session_cookie(demo_server, email))
        context.add_cookies(cookies)
        page = context.new_page()
        for path in paths:
            response = page.goto(demo_server.url + path)
            status = response.status if response is not None else None
            if status != 200 or page.evaluate("document.documentElement.lang") != language:
                wide[path] = [f"status {status}, lang "
                              + page.evaluate("document.documentElement.lang")]
                continue
            name = f"{language}-{email.split('@')[0] or 'visitor'}-" + (
                path.strip("/").replace("/", "-").replace("?", "-") or "home")
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
                wide[path] = page.evaluate(STICKING_OUT)
        context.close()
    assert wide == {}, "\n".join(f"{path}: {found}" for path, found in wide.items())
