"""The public pages in headless Chromium with the demo network: content, keyboard access,
layout at desktop and phone widths. Full-page screenshots land in var/screenshots/."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


UNLABELLED_CONTROLS = """[...document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]), select, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML)"""
IMAGES_WITHOUT_ALT = "[...document.images].filter(i => !i.hasAttribute('alt')).map(i => i.src)"


def _accessibility_basics(page: Page) -> dict:
    return {"unlabelled": page.evaluate(UNLABELLED_CONTROLS),
            "no_alt": page.evaluate(IMAGES_WITHOUT_ALT),
            "h1": page.locator("h1").count()}


def _no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_home_page_shows_the_network_and_its_numbers(page: Page, demo_server, screenshot):
    page.goto(demo_server.url + "/")
    expect(page.locator("h1")).to_contain_text("coworking spaces")
    expect(page.locator(".hero .stat-value").first).to_have_text("8")
    cards = page.locator("#the-spaces ~ ul .card-title, section:has(#the-spaces) .card-title")
    expect(cards.filter(has_text="Cowo360")).to_have_count(1)
    expect(cards.filter(has_text="Cambridge Innovation Center")).to_have_count(1)
    expect(page.locator(".site-nav")).to_contain_text("Spaces")
    screenshot(page, "home-desktop")


def test_skip_link_is_the_first_focus_and_jumps_to_the_content(page: Page, demo_server):
    page.goto(demo_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 10  # visible when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("document.activeElement.id") == "main"


def test_spaces_directory_and_a_space_page(page: Page, demo_server, screenshot):
    page.goto(demo_server.url + "/spaces/")
    main = page.locator("main")
    for title in ["Cowo360", "Officina Aurora", "Cowo Lambrate", "Murate Makers",
                  "Le Comptoir Collaboratif", "Cowo Alessandria Cittadella", "Spazio Salento",
                  "Cambridge Innovation Center"]:
        expect(main.get_by_role("link", name=title, exact=True).first).to_be_visible()
    screenshot(page, "spaces-desktop")
    main.get_by_role("link", name="Cowo360", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Cowo360")
    expect(page.locator("main")).to_contain_text("Via dei Volsci 22")
    screenshot(page, "space-cowo360-desktop")


def test_member_directory_respects_visibility(page: Page, demo_server, screenshot):
    page.goto(demo_server.url + "/members/")
    main = page.locator("main")
    # The first page (ordered by name): public members yes, network-only and hidden no.
    expect(main).to_contain_text("Aoife Murphy")        # public
    expect(main).not_to_contain_text("Emily Chen")      # network only
    expect(main).not_to_contain_text("Elena Conti")     # hidden
    screenshot(page, "members-anonymous-desktop")
    page.goto(demo_server.url + "/accounts/login/?next=/members/")
    screenshot(page, "login-desktop")
    page.get_by_label("Email").fill("member@espresso.example")
    page.get_by_label("Password").fill("espresso-demo-2026")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/members/")
    main = page.locator("main")
    expect(main).to_contain_text("Emily Chen")
    expect(main).not_to_contain_text("Elena Conti")
    expect(page.locator(".account-nav")).to_contain_text("Sign out")
    screenshot(page, "members-member-desktop")


def test_pages_fit_a_phone_screen_with_labelled_controls(browser, demo_server, screenshot):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    for path, name in [("/", "home"), ("/spaces/", "spaces"), ("/spaces/cowo360/", "space"),
                       ("/members/", "members"), ("/format/", "format"),
                       ("/search/?q=coworking", "search")]:
        page.goto(demo_server.url + path)
        assert _no_horizontal_overflow(page), path
        assert _accessibility_basics(page) == {"unlabelled": [], "no_alt": [], "h1": 1}, path
        screenshot(page, f"{name}-mobile")
    context.close()


def test_format_page_and_search(page: Page, demo_server, screenshot):
    page.goto(demo_server.url + "/format/")
    expect(page.locator("h1")).to_have_text("The Espresso format")
    page.get_by_role("link", name="The law of two feet").click()
    assert page.url.endswith("#the-law-of-two-feet")
    screenshot(page, "format-desktop")
    page.get_by_label("Search the network").fill("Firenze")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Murate Makers")
    screenshot(page, "search-desktop")


def test_language_switcher_turns_the_site_italian(browser, demo_server, italian_catalog,
                                                   screenshot):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = context.new_page()
    page.goto(demo_server.url + "/")
    page.locator(".language-switch button[value=it]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.locator("#next-events")).to_have_text("Prossimi eventi")
    expect(page.locator(".language-switch button[value=it]")).to_have_attribute(
        "aria-pressed", "true")
    screenshot(page, "home-mobile-it")
    context.close()
