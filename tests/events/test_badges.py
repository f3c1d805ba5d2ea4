"""Badges (issue 9): layouts and their geometry, the PDF's text and page count, fonts, the
URL fetcher that never leaves the process, the organisers' form and the command."""

import io
import os
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from events import badges, services
from events.badges import LAYOUTS, BadgeError, badge_boxes, layout_get, name_font_size
from events.models import RegistrationRole
from tests.events.registration_factories import (
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.network.factories import MemberProfileFactory, UserFactory

NAMES = ["نور الهدى", "אבי כהן", "Zoë 😀 Café", "Łukasz Żółć", "Ἀριστοτέλης Παππάς",
         "Анна Каренина", "山田 太郎", "<b>Bold</b> & Co"]

def run(*args: str) -> str:
    """A poppler tool on our own file (poppler-utils: scripts/system_deps.sh)."""
    return subprocess.run(["/usr/bin/" + args[0], *args[1:]],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "badges.pdf"
    path.write_bytes(pdf)
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = run("pdfinfo", str(path))
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def squash(text: str) -> str:
    return "".join(text.split())


# --- layouts as data ------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
def test_every_label_lies_inside_the_sheet_and_inside_its_own_cut(layout):
    boxes = badge_boxes(layout)
    assert len(boxes) == layout.per_page
    for x, y, width, height in boxes:
        assert x >= 0 and y >= 0
        assert x + width <= layout.page_width + 1e-6
        assert y + height <= layout.page_height + 1e-6
    # Labels never overlap: each lies within its own pitch cell (its cut).
    for index, (x, y, width, height) in enumerate(boxes):
        for other_x, other_y, other_w, other_h in boxes[index + 1:]:
            apart = (x + width <= other_x + 1e-6 or other_x + other_w <= x + 1e-6
                     or y + height <= other_y + 1e-6 or other_y + other_h <= y + 1e-6)
            assert apart, (layout.name, (x, y), (other_x, other_y))
    # The sheet's margins are symmetric, as on the vendors' templates (±0.1 mm).
    right = layout.page_width - (boxes[-1][0] + boxes[-1][2])
    bottom = layout.page_height - (boxes[-1][1] + boxes[-1][3])
    assert abs(right - layout.left) < 0.1
    assert abs(bottom - layout.top) < 0.1


@pytest.mark.parametrize("name, per_page, page", [
    ("L7163", 14, (210, 297)), ("L7160", 21, (210, 297)), ("L7165", 8, (210, 297)),
    ("L7161", 18, (210, 297)), ("5395", 8, (215.9, 279.4)), ("5160", 30, (215.9, 279.4)),
    ("A6", 1, (105, 148)), ("A7", 1, (74, 105)),
])
def test_layouts_match_the_vendors_sheets(name, per_page, page):
    layout = layout_get(name.lower())
    assert layout.per_page == per_page
    assert (round(layout.page_width, 1), round(layout.page_height, 1)) == page


def test_an_unknown_layout_is_a_clear_error():
    with pytest.raises(BadgeError, match="Unknown badge layout"):
        layout_get("L9999")


def test_long_names_shrink_and_short_names_take_the_largest_size():
    layout = LAYOUTS["A6"]
    assert name_font_size("Ada", layout) == layout.name_max_pt
    long = name_font_size("Maria Antonietta Giuseppina Carolina dei Conti di Castelfranco",
                          layout)
    assert layout.name_min_pt <= long < layout.name_max_pt
    assert name_font_size("x" * 120, LAYOUTS["5160"]) == LAYOUTS["5160"].name_min_pt
    # A long Arabic name shrinks like a Latin one of the same length.
    assert name_font_size("عبد الرحمن بن محمد بن عبد الله الهاشمي القرشي", layout) < \
        layout.name_max_pt


# --- the URL fetcher ------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://example.org/x.png", "https://example.org/font.woff",
                                 "file:///etc/passwd", "ftp://example.org/x"])
def test_rendering_refuses_every_url_but_data(url):
    html = f'<html><body><img src="{url}"><p>x</p></body></html>'
    with pytest.raises(FatalURLFetchingError):
        badges.html_to_pdf(html)
    css = f'<html><head><style>@import url("{url}");</style></head><body>x</body></html>'
    with pytest.raises(FatalURLFetchingError):
        badges.html_to_pdf(css)


def test_data_uris_still_render():
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlE"
             "QVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    assert badges.html_to_pdf(f'<img src="{pixel}"><p>ok</p>').startswith(b"%PDF")


# --- the PDF --------------------------------------------------------------------------------

@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Lecce")


@pytest.fixture
def organiser(space):
    return make_organiser(space)


@pytest.fixture
def event(space):
    return publish_event(space, title="Serata Python", capacity=100)


def register(event, organiser, names, *, role=None):
    made = []
    for index, name in enumerate(names):
        registration = services.registration_create(
            event, guest_name=name, guest_email=f"p{len(made)}-{index}-{abs(hash(name))}@ex.org",
            actor=organiser)
        if role:
            registration = services.registration_set_role(registration, role, actor=organiser)
        made.append(registration)
    return made


@pytest.mark.django_db
def test_the_pdf_holds_every_name_including_rtl_cjk_accents_and_emoji(event, organiser,
                                                                       space, tmp_path):
    register(event, organiser, NAMES)
    member = MemberProfileFactory(display_name="Ada Lovelace", home_space=space)
    services.registration_create(event, user=member.user)
    pdf = badges.badges_pdf(event, "A6")
    assert page_count(pdf, tmp_path) == len(NAMES) + 1
    text = squash(pdftotext(pdf, tmp_path))
    for name in [*NAMES, "Ada Lovelace", "Serata Python", "Cowo Lecce"]:
        assert squash(name) in text, name
    assert "<b>" in text  # printed as text, not interpreted as HTML


@pytest.mark.django_db
def test_thirty_people_on_l7160_make_two_sheets_and_blanks_add_labels(event, organiser,
                                                                      tmp_path):
    register(event, organiser, [f"Persona {n:02d}" for n in range(30)])
    pdf = badges.badges_pdf(event, "L7160")
    assert page_count(pdf, tmp_path) == 2
    text = squash(pdftotext(pdf, tmp_path))
    assert all(f"Persona{n:02d}" in text for n in range(30))
    # 30 people + 12 blanks = 42 = exactly two sheets of 21; one more makes three.
    assert page_count(badges.badges_pdf(event, "L7160", blanks=12), tmp_path) == 2
    assert page_count(badges.badges_pdf(event, "L7160", blanks=13), tmp_path) == 3
    # Blank badges only, on the US sheet of 30.
    only_blanks = badges.badges_pdf(event, "5160", everyone=False, blanks=31)
    assert page_count(only_blanks, tmp_path) == 2
    assert "Persona" not in pdftotext(only_blanks, tmp_path)


@pytest.mark.django_db
def test_a_selection_prints_only_the_chosen_confirmed_people(event, organiser, tmp_path):
    chosen, _other, leaving = register(event, organiser, ["Chiara Scelta", "Otto Altro",
                                                         "Lia Partita"])
    services.registration_cancel(leaving, actor=organiser)
    pdf = badges.badges_pdf(event, "A7", everyone=False,
                            registration_ids=[chosen.pk, leaving.pk])
    text = pdftotext(pdf, tmp_path)
    assert page_count(pdf, tmp_path) == 1
    assert "Chiara Scelta" in text and "Otto Altro" not in text and "Lia Partita" not in text


@pytest.mark.django_db
def test_nothing_to_print_or_too_many_blanks_is_refused(event):
    with pytest.raises(BadgeError, match="nobody"):
        badges.badges_pdf(event, "A6")
    for blanks in (-1, badges.MAX_BLANKS + 1):
        with pytest.raises(BadgeError, match="Blank badges"):
            badges.badges_pdf(event, "A6", blanks=blanks)


@pytest.mark.django_db
def test_role_bands_have_their_own_colours(event, organiser):
    registrations = []
    for role in RegistrationRole:
        registrations += register(event, organiser, [f"Role {role}"], role=role)
    layout = LAYOUTS["A6"]
    html = badges.badges_html(event, layout, badges.badges_for(event, layout, registrations))
    for role in RegistrationRole:
        assert badges.ROLE_COLOURS[role][0] in html
    assert len({colours[0] for colours in badges.ROLE_COLOURS.values()}) == 4


def test_rtl_names_are_set_right_to_left():
    assert badges.text_direction("نور الهدى") == "rtl"
    assert badges.text_direction("אבי כהן") == "rtl"
    assert badges.text_direction("123 אבי") == "rtl"
    assert badges.text_direction("Zoë 😀") == "ltr"
    assert badges.text_direction("😀") == "ltr"


@pytest.mark.django_db
def test_fonts_are_embedded_and_every_script_and_emoji_has_a_real_glyph(event, organiser,
                                                                        tmp_path):
    register(event, organiser, ["نور الهدى", "山田 太郎", "Giulia 🌱 ☕", "Persona 12"])
    path = tmp_path / "fonts.pdf"
    path.write_bytes(badges.badges_pdf(event, "A6"))
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    # Each script is drawn with a font that has it (no empty boxes): the emoji with Noto
    # Color Emoji (Debian's fonts-noto-color-emoji, scripts/system_deps.sh).
    names = " ".join(line.split()[0] for line in fonts)
    for font in ("Noto-Sans-Arabic", "Noto-Sans-CJK", "Noto-Color-Emoji"):
        assert font in names, (font, fonts)
    # Digits stay in the text font (the emoji font covers them too): one run of text.
    assert "Persona 12" in pdftotext(path.read_bytes(), tmp_path)


# --- the command ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_command_writes_the_pdf(event, organiser, tmp_path):
    register(event, organiser, ["Giulia Comando"])
    out = tmp_path / "out.pdf"
    call_command("event_badges", str(event.pk), "--layout", "l7163", "-o", str(out))
    assert "Giulia Comando" in pdftotext(out.read_bytes(), tmp_path)
    with pytest.raises(CommandError, match="Unknown badge layout"):
        call_command("event_badges", str(event.pk), "--layout", "nope", "-o", str(out))
    with pytest.raises(CommandError, match="No event"):
        call_command("event_badges", "999999", "-o", str(out))
    assert not os.path.exists(tmp_path / "never.pdf")


# --- over HTTP ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_the_events_organisers_and_coordinators_get_badges(client, event, organiser,
                                                                 site_tree):
    register(event, organiser, ["Ada"])
    url = reverse("events:badges", args=[event.pk])
    post = {"layout": "A6", "who": "everyone", "blanks": "0"}

    response = client.post(url, post)
    assert response.status_code == 302 and "login" in response["Location"]
    other_space = space_in(site_tree, title="Altro Cowo")
    for intruder in (UserFactory(), make_organiser(other_space)):
        client.force_login(intruder)
        assert client.get(url).status_code == 403
        assert client.post(url, post).status_code == 403
    for allowed in (organiser, make_coordinator()):
        client.force_login(allowed)
        assert client.get(url).status_code == 200
        response = client.post(url, post)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_form_refuses_bad_input_with_a_400(client, event, organiser):
    register(event, organiser, ["Ada"])
    client.force_login(organiser)
    url = reverse("events:badges", args=[event.pk])
    for data in ({"layout": "L9999", "who": "everyone", "blanks": "0"},
                 {"layout": "A6", "who": "everyone", "blanks": "-3"},
                 {"layout": "A6", "who": "everyone", "blanks": "100000"},
                 {"layout": "A6", "who": "selected", "blanks": "0"},
                 {"layout": "A6", "who": "blanks", "blanks": "0"},
                 {"layout": "A6", "who": "selected", "blanks": "0",
                  "registrations": [str(2**64), "-1", "²", "1e3", "x" * 500]}):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_dashboard_links_to_badges(client, event, organiser):
    client.force_login(organiser)
    html = client.get(reverse("events:event_dashboard", args=[event.pk])).content.decode()
    assert f'href="{reverse("events:badges", args=[event.pk])}"' in html


@pytest.mark.django_db
def test_selecting_someone_from_another_event_is_refused(client, space, event, organiser,
                                                         tmp_path):
    (mine,) = register(event, organiser, ["Mia Scelta"])
    other_event = publish_event(space, title="Altro evento", capacity=10)
    (theirs,) = register(other_event, organiser, ["Tea Altrove"])
    client.force_login(organiser)
    url = reverse("events:badges", args=[event.pk])
    refused = client.post(url, {"layout": "L7163", "who": "selected", "blanks": "0",
                                "registrations": [mine.pk, theirs.pk]})
    assert refused.status_code == 400
    response = client.post(url, {"layout": "L7163", "who": "selected", "blanks": "1",
                                 "registrations": [mine.pk]})
    assert response.status_code == 200
    text = pdftotext(response.content, tmp_path)
    assert "Mia Scelta" in text and "Tea Altrove" not in text


# --- rendering in chunks --------------------------------------------------------------------

def pdf_pages_and_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
            for p in reader.pages]


@pytest.mark.django_db
def test_chunks_give_the_same_pages_text_and_fonts_as_one_rendering(event, organiser,
                                                                     monkeypatch, tmp_path):
    register(event, organiser, NAMES[:5])
    monkeypatch.setattr(badges, "CHUNK_BADGES", 100)
    whole = badges.badges_pdf(event, "A7", blanks=2)
    monkeypatch.setattr(badges, "CHUNK_BADGES", 2)  # 7 badges: chunks of 2, 2, 2, 1
    chunked = badges.badges_pdf(event, "A7", blanks=2)
    a7 = (round(74 * 72 / 25.4, 1), round(105 * 72 / 25.4, 1))
    assert pdf_pages_and_sizes(chunked) == pdf_pages_and_sizes(whole) == [a7] * 7
    assert pdftotext(chunked, tmp_path) == pdftotext(whole, tmp_path)
    path = tmp_path / "chunked.pdf"
    path.write_bytes(chunked)
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert PdfReader(io.BytesIO(chunked)).metadata.title == "Badges — Serata Python"


@pytest.mark.django_db
def test_chunks_are_whole_sheets_so_no_sheet_is_left_half_empty(event, organiser,
                                                                 monkeypatch, tmp_path):
    register(event, organiser, [f"Persona {n:02d}" for n in range(30)])
    monkeypatch.setattr(badges, "CHUNK_BADGES", 1)
    assert badges.chunk_size(LAYOUTS["L7160"]) == 21 and badges.chunk_size(LAYOUTS["A6"]) == 1
    done = []
    pdf = badges.badges_render(event, LAYOUTS["L7160"], badges.badges_for(
        event, LAYOUTS["L7160"], badges.badge_registrations(event), blanks=12),
        progress=done.append)
    assert done == [21, 42]  # 30 people + 12 blanks: two full sheets, two chunks
    assert page_count(pdf, tmp_path) == 2
    text = squash(pdftotext(pdf, tmp_path))
    assert all(f"Persona{n:02d}" in text for n in range(30))
