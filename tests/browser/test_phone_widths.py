"""No page scrolls sideways on a 390 px phone, in English and in Italian (issue 10).

Headless Chromium at 390x844 against the demo network. Each kind of visitor (anonymous, a
member, an organiser, the network coordinator) starts from a few pages and follows every
`<a href>` on the same host breadth-first, one page per view of the URL map (one per page
type for Wagtail's pages), up to a bound: a new page is measured as soon as a link leads to
it, without editing this file. Pages no link leads to (confirmations, a ticket, the admin
screens) are seeds. Each page's `document.documentElement.scrollWidth` must be at most 390;
the elements that stick out are named in the failure and a full-page screenshot of each page
that is too wide lands in var/screenshots/phone/ (set ESPRESSO_PHONE_SCREENSHOTS=all to keep
one of every page measured).

The admin screens an organiser uses are seeds too, Wagtail's own (dashboard, the page
explorer of their space, an event's edit form) and ours (the registrations list, the
programme grid, the series form); their links are not followed. Wagtail's layout keeps the
document at the viewport's width and lets wide listings scroll inside their own boxes.
"""

from __future__ import annotations

import os
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext
from playwright.sync_api import Error as PlaywrightError
from wagtail.models import Page

from credits.models import DayPass
from events.models import EventPage, Registration
from events.programme.demo import RACALE_2017_SLUG
from events.programme.models import Programme
from home.models import FormatPage
from network.models import MemberProfile, SpacePage
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
VISITOR, MEMBER = "", "member@espresso.example"
ORGANISER, COORDINATOR = "organiser.rome@espresso.example", "coordinator@espresso.example"
#: Pages measured per kind of visitor at most (seeds included).
BOUND = 70

#: Views whose links are downloads, feeds, fragments or one-click actions: never followed.
NOT_PAGES = {
    "my_data_download", "statement_csv", "clearing_csv", "grid_pdf", "board_fragment",
    "event_export", "space_export", "network_export", "badge_run_download", "feed_json",
    "checkin_search_json", "checkin_counts_json", "follow_toggle", "unsubscribe",
    "account_logout", "set_language", "ticket_renew", "checkin_undo",
}
NOT_UNDER = ("/admin/", "/django-admin/", "/static/", "/media/", "/documents/", "/api/",
             "/i18n/")
NOT_ENDING = (".ics", ".json", ".csv", ".pdf", ".png", ".jpg", ".svg", ".zip", ".html")

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

#: What one page tells the crawler: its width, its language and where its links lead.
MEASURE = """() => ({
  width: document.documentElement.scrollWidth,
  lang: document.documentElement.lang,
  links: [...document.querySelectorAll('a[href]')]
    .filter(a => !a.hasAttribute('download')).map(a => a.href),
})"""


def _session_cookie(server, email: str) -> dict:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return {"name": settings.SESSION_COOKIE_NAME, "url": server.url,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def _kind(path: str, language: str) -> str | None:
    """What makes two addresses "the same page": the view's name in the URL map, or for a
    Wagtail page its type and depth. None for an address that is not a page to measure."""
    if path.startswith(NOT_UNDER) or path.endswith(NOT_ENDING) or "logout" in path:
        return None
    try:
        with translation.override(language):  # /it/... resolves in Italian only
            match = resolve(path)
    except Resolver404:
        return f"no view {path}"
    if match.url_name in NOT_PAGES:
        return None
    if match.url_name != "wagtail_serve":
        return match.view_name
    # /en/spaces/cowo360/ -> the page whose url_path ends in /spaces/cowo360/
    rest = "/" + path.strip("/").partition("/")[2]
    page = (Page.objects.filter(url_path__endswith=rest.rstrip("/") + "/")
            .order_by("depth").first() if rest != "/" else None)
    if page is None:
        return f"page /{rest.count('/')}"
    return f"page {page.specific_class.__name__} {page.depth}"


def _in(language: str, url: str) -> str:
    """/en/spaces/cowo360/ in `language`: /it/spaces/cowo360/."""
    assert url.startswith("/en/"), url
    return f"/{language}/{url.removeprefix('/en/')}"


def _seeds(language: str) -> dict[str, list[str]]:
    """Where each kind of visitor starts, and the pages no link of theirs leads to. Events
    and credits belong to the original (English) pages; a Wagtail page is opened under the
    language's own prefix, where its translation or (untranslated) the original is shown."""
    original = {"locale__language_code": "en"}
    rome = SpacePage.objects.get(slug="cowo360", **original)
    event = EventPage.objects.live().filter(space=rome).order_by("starts_at").last()
    # A paid event the member has not registered for: its registration page is a page
    # (a free event's registers with one POST; a GET goes back to the event).
    paid = (EventPage.objects.live().filter(price_credits__gt=0, starts_at__gt=timezone.now(),
                                           **original)
            .exclude(registrations__user__email=MEMBER).order_by("starts_at").first())
    # The demo's two unconferences: Racale 2017 (sessions, outcomes) and the next one
    # (proposals open), in whichever language's tree the demo gave them a programme.
    racale = Programme.objects.get(event__slug=RACALE_2017_SLUG).event_id
    upcoming = Programme.objects.exclude(event__slug=RACALE_2017_SLUG).get().event_id
    profile = MemberProfile.objects.get(user__email=MEMBER)
    day_pass = DayPass.objects.filter(user__email=MEMBER).order_by("-pk").first()
    registration = (Registration.objects.filter(user__email=MEMBER, ticket_code__gt="")
                    .order_by("-pk").first())
    format_page = FormatPage.objects.live().get(**original)
    visitor = ["/", f"/{language}/spaces/", _in(language, rome.url), f"/{language}/events/",
               _in(language, event.url), "/search/?q=cowo", "/credits/transparency/",
               _in(language, format_page.url), "/accounts/login/", "/accounts/signup/",
               "/accounts/password/reset/"]
    member = ["/", f"/{language}/members/", profile.get_absolute_url(), "/me/events/",
              "/me/credits/", "/me/profile/", "/me/data/", "/me/data/erase/", "/me/following/",
              "/me/api-tokens/", "/events/calendar/", "/accounts/email/",
              f"/credits/spaces/{rome.pk}/day-pass/", f"/events/{paid.pk}/register/",
              f"/events/{event.pk}/register/guest/",
              f"/registrations/{registration.pk}/cancel/",
              f"/tickets/{registration.ticket_code}/",
              f"/me/credits/passes/{day_pass.pk}/",
              f"/events/{upcoming}/programme/", f"/events/{upcoming}/programme/mine/",
              f"/events/{upcoming}/programme/propose/",
              f"/events/{racale}/programme/", f"/events/{racale}/programme/board/",
              f"/events/{racale}/programme/outcomes/"]
    organiser = ["/", _in(language, rome.url), _in(language, event.url),
                 f"/events/{event.pk}/manage/", f"/events/{event.pk}/checkin/",
                 f"/events/{event.pk}/messages/", f"/events/{event.pk}/messages/new/",
                 f"/events/{event.pk}/badges/",
                 f"/reports/events/{event.pk}/", f"/reports/spaces/{rome.pk}/",
                 f"/credits/spaces/{rome.pk}/", f"/credits/spaces/{rome.pk}/validate/",
                 f"/credits/spaces/{rome.pk}/top-up/",
                 "/admin/events/registrations/", f"/admin/pages/{rome.pk}/",
                 f"/admin/pages/{event.pk}/edit/", "/admin/",
                 f"/admin/events/series/new/{rome.pk}/"]
    # The coordinator organises every space, the unconferences' too (not all in Rome).
    coordinator = ["/", "/reports/network/", "/network/grants/", "/network/clearing/",
                   "/admin/unconferences/", f"/admin/unconferences/{upcoming}/grid/",
                   f"/admin/unconferences/{racale}/grid/"]
    return {VISITOR: visitor, MEMBER: member, ORGANISER: organiser, COORDINATOR: coordinator}


def _crawl(context: BrowserContext, host: str, seeds: list[str], done: set[str],
           folder, name: str) -> tuple[int, dict[str, list[str]]]:
    """Measure the seeds, then the pages their links lead to (one per view not in `done`,
    one per Wagtail page type and depth), breadth-first up to BOUND pages. Returns how many
    were measured and what was wrong."""
    page = context.new_page()
    wrong: dict[str, list[str]] = {}
    queue = deque((path, True) for path in seeds)
    queued = set(seeds)
    own: set[str] = set()
    measured = 0
    language = name.split("-")[0]
    elsewhere = tuple(f"/{code}/" for code, _name in settings.LANGUAGES if code != language)
    while queue and measured < BOUND:
        path, seed = queue.popleft()
        admin = path.startswith("/admin/")
        kind = path if seed and admin else _kind(urlsplit(path).path, language)
        # Wagtail's pages show each signed-in role its own buttons: measured per role.
        seen = own if kind is not None and kind.startswith("page ") else done
        if not seed and (kind is None or kind in seen):
            continue
        seen.add(kind)
        try:
            response = page.goto(host + path)
        except PlaywrightError as error:  # a download, or the page never answered
            wrong[path] = [str(error).splitlines()[0]]
            continue
        measured += 1
        if os.environ.get("ESPRESSO_PHONE_VERBOSE"):
            print(name, kind, path)
        status = response.status if response is not None else None
        found = page.evaluate(MEASURE)
        if status != 200 or found["lang"] != language:
            wrong[path] = [f"status {status}, lang {found['lang']}"]
            continue
        landed = urlsplit(page.url).path
        if seed and path != "/" and landed != urlsplit(path).path:  # a seed is the page itself
            wrong[path] = [f"redirected to {landed}"]
            continue
        shot = folder / (f"{name}-" + (path.strip("/").replace("/", "-").replace("?", "-")
                                       or "home")[:80] + ".png")
        if found["width"] > PHONE["width"]:
            wrong[path] = [f"scrollWidth {found['width']}", *page.evaluate(STICKING_OUT)]
            page.screenshot(path=str(shot), full_page=True)
        elif os.environ.get("ESPRESSO_PHONE_SCREENSHOTS") == "all":
            page.screenshot(path=str(shot), full_page=True)
        for link in [] if admin else found["links"]:
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}" != host:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target.startswith(elsewhere):  # the switcher to the other language
                continue
            if target not in queued:
                queued.add(target)
                queue.append((target, False))
    page.close()
    return measured, wrong


@pytest.mark.parametrize("language", ["en", "it"])
def test_no_page_scrolls_sideways_at_390_px(browser: Browser, demo_server, language):
    wide: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    folder = SCREENSHOTS / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    done: set[str] = set()  # kinds measured by a signed-in visitor: later roles skip them
    for email, seeds in _seeds(language).items():
        context = browser.new_context(viewport=PHONE)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                    "url": demo_server.url}]
        if email:
            cookies.append(_session_cookie(demo_server, email))
        context.add_cookies(cookies)
        role = email.split("@")[0] or "visitor"
        counts[role], found = _crawl(context, demo_server.url, seeds,
                                     done if email else set(), folder, f"{language}-{role}")
        wide.update({f"{role} {path}": lines for path, lines in found.items()})
        context.close()
    print(f"pages measured ({language}):", counts)
    assert wide == {}, "\n".join(f"{path}: {found}" for path, found in wide.items())
    # The crawl reached past its seeds, and no role ran into the bound unnoticed.
    assert all(count < BOUND for count in counts.values()), counts
    assert counts["member"] > len(_seeds(language)[MEMBER])
