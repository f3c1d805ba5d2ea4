"""Event badges as PDF (WeasyPrint): one badge per A6 or A7 page, or label sheets.

Layouts are data (`LAYOUTS`): page size, label size, the first label's position and the
pitch between labels, all in millimetres as printed on the vendors' templates. Each layout
has its own HTML template under `events/badges/`; `badge_boxes` is the one place that turns
a layout into label positions, used by the templates and by the geometry tests.

A badge shows the person's name (largest; shrunk to fit long names, never clipped: the
size is computed from the name's length and it may wrap), their pronouns when their profile
gives them, their home space, their role with a colour band, the event and the ticket QR
(inline SVG). Blank badges (for walk-ins) keep
the band and the event and leave the name empty.

Rendering never touches the network or the disk: the `url_fetcher` only accepts `data:`
URIs and any other URL stops the rendering (`weasyprint.urls.FatalURLFetchingError`).
Fonts come from fontconfig (Debian's Noto fonts, installed by scripts/system_deps.sh).

Every badge PDF (the form's download, `manage.py event_badges`, a background run) is made
by `badges_render`: whole sheets in chunks of about `CHUNK_BADGES` badges, each chunk its
own small PDF, joined by pypdf. WeasyPrint keeps every page's layout until it writes, so
rendering a run in one go grows with the run (1.1 GB for 2,000 A6 badges); in chunks the
peak stays that of one chunk plus the joined pages (under 400 MB for 2,000, `make bench`).
"""

import gc
import io
import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, PdfWriter

from .dashboard import DashboardLink, dashboard_link_provider
from .models import SEAT_STATES, EventPage, Registration, RegistrationRole
from .tickets import ticket_qr_svg

#: the most badges one PDF holds (a bigger run is split by the caller)
MAX_BADGES = 5000
#: the most badges the form renders while the organiser waits; more go to a background run
MAX_DIRECT_BADGES = 500
#: the most blank badges one request may add
MAX_BLANKS = 500
#: about this many badges per rendering chunk (rounded up to whole sheets): the peak
#: memory of a run grows with this, the time barely shrinks with it (bench/bench_badges.py)
CHUNK_BADGES = 50

PT_PER_MM = 72 / 25.4

#: colour of the role band (background, text), readable in black-and-white print too
ROLE_COLOURS = {
    RegistrationRole.HOST: ("#1e3a8a", "#ffffff"),
    RegistrationRole.SPEAKER: ("#b91c1c", "#ffffff"),
    RegistrationRole.VOLUNTEER: ("#15803d", "#ffffff"),
    RegistrationRole.ATTENDEE: ("#e5e7eb", "#111827"),
}


class BadgeError(ValueError):
    """Badges cannot be made as asked (unknown layout, too many badges...)."""


@dataclass(frozen=True)
class Layout:
    """A page with `columns` x `rows` labels; all lengths in mm. `left`/`top` is where
    the first label's cut starts; `pitch_x`/`pitch_y` the distance from one label's cut to
    the next one's. A single-badge page is a 1 x 1 layout whose label is the page."""

    name: str
    title: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    #: "portrait" (band, name, space, event, QR stacked) or "strip" (QR beside the text)
    shape: str = "portrait"
    #: largest and smallest size of the name, in pt
    name_max_pt: float = 28.0
    name_min_pt: float = 7.0
    #: inner padding of a label, mm (keeps print off the cut)
    padding: float = 3.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def template_name(self) -> str:
        return f"events/badges/{self.name.lower()}.html"

    @property
    def qr_size(self) -> float:
        """Side of the QR code in mm."""
        if self.shape == "strip":
            return min(self.label_height - 2 * self.padding, self.label_width * 0.3, 30.0)
        return min(self.label_width * 0.42, self.label_height * 0.3, 40.0)

    @property
    def name_box(self) -> tuple[float, float]:
        """(width, height) in mm available to the name."""
        inner_w = self.label_width - 2 * self.padding
        inner_h = self.label_height - 2 * self.padding
        if self.shape == "strip":
            return inner_w - self.qr_size - 3.0, inner_h * 0.55
        return inner_w, inner_h * 0.28

    def css(self) -> dict[str, str]:
        """Derived lengths for the templates (mm, or pt for type sizes), as CSS numbers."""
        small = max(self.name_min_pt, min(self.name_max_pt / 2, 12.0))
        return {
            "small_pt": f"{small:.1f}",
            "tiny_pt": f"{max(self.name_min_pt, self.name_max_pt / 3):.1f}",
            "qr_gap": f"{self.qr_size + 2:.2f}",
            "text_left": f"{self.padding + 1.5:.2f}",
            "text_right": f"{self.qr_size + self.padding + 1.5:.2f}",
            "name_height": f"{self.name_box[1]:.2f}",
        }


_INCH = 25.4

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in [
    Layout("A6", _("One badge per A6 page (105 x 148 mm)"), 105, 148, 105, 148,
           name_max_pt=34, padding=6),
    Layout("A7", _("One badge per A7 page (74 x 105 mm)"), 74, 105, 74, 105,
           name_max_pt=24, padding=4),
    # Avery's A4 templates: 2 x 7 labels 99.1 x 38.1 mm
    Layout("L7163", _("Avery L7163 — A4, 14 labels 99.1 x 38.1 mm"), 210, 297, 99.1, 38.1,
           columns=2, rows=7, left=4.65, top=15.15, pitch_x=101.6, pitch_y=38.1,
           shape="strip", name_max_pt=18, padding=2.5),
    # 3 x 7 labels 63.5 x 38.1 mm
    Layout("L7160", _("Avery L7160 — A4, 21 labels 63.5 x 38.1 mm"), 210, 297, 63.5, 38.1,
           columns=3, rows=7, left=7.21, top=15.15, pitch_x=66.04, pitch_y=38.1,
           shape="strip", name_max_pt=14, name_min_pt=6, padding=2.5),
    # 2 x 4 labels 99.1 x 67.7 mm
    Layout("L7165", _("Avery L7165 — A4, 8 labels 99.1 x 67.7 mm"), 210, 297, 99.1, 67.7,
           columns=2, rows=4, left=4.65, top=13.1, pitch_x=101.6, pitch_y=67.7,
           shape="strip", name_max_pt=24, padding=4),
    # 3 x 6 labels 63.5 x 46.6 mm
    Layout("L7161", _("Avery L7161 — A4, 18 labels 63.5 x 46.6 mm"), 210, 297, 63.5, 46.6,
           columns=3, rows=6, left=7.21, top=8.7, pitch_x=66.04, pitch_y=46.6,
           shape="strip", name_max_pt=16, name_min_pt=6, padding=2.5),
    # US Letter name badges: 2 x 4 labels 3 3/8 x 2 1/3 in
    Layout("5395", _("Avery 5395 — US Letter, 8 name badges 3⅜ x 2⅓ in"),
           8.5 * _INCH, 11 * _INCH, 3.375 * _INCH, 7 / 3 * _INCH,
           columns=2, rows=4, left=0.6875 * _INCH, top=7 / 12 * _INCH,
           pitch_x=3.75 * _INCH, pitch_y=2.5 * _INCH,
           shape="strip", name_max_pt=24, padding=4),
    # US Letter address labels: 3 x 10 labels 2 5/8 x 1 in
    Layout("5160", _("Avery 5160 — US Letter, 30 labels 2⅝ x 1 in"),
           8.5 * _INCH, 11 * _INCH, 2.625 * _INCH, 1 * _INCH,
           columns=3, rows=10, left=0.1875 * _INCH, top=0.5 * _INCH,
           pitch_x=2.75 * _INCH, pitch_y=1 * _INCH,
           shape="strip", name_max_pt=12, name_min_pt=5, padding=1.5),
]}


def layout_get(name: str) -> Layout:
    """The layout called `name` (case-insensitive). Raises BadgeError for an unknown one."""
    for key, layout in LAYOUTS.items():
        if key.lower() == str(name).strip().lower():
            return layout
    raise BadgeError(_("Unknown badge layout “%(name)s”.") % {"name": name})


def badge_boxes(layout: Layout) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in mm of every label's cut on one page, row by row."""
    return [(layout.left + column * layout.pitch_x, layout.top + row * layout.pitch_y,
             layout.label_width, layout.label_height)
            for row in range(layout.rows) for column in range(layout.columns)]


def _char_width_em(char: str) -> float:
    """Rough advance width of `char` in em for a sans-serif font (bold Noto Sans: an upper
    bound for most Latin, Greek, Cyrillic, Arabic and Hebrew letters; CJK and emoji are
    square)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F") or ord(char) >= 0x1F000:
        return 1.0
    if char.isupper():
        return 0.72
    return 0.6


def text_width_em(text: str) -> float:
    """Estimated width of `text` on one line, in em."""
    return sum(_char_width_em(char) for char in text)


def name_font_size(name: str, layout: Layout) -> float:
    """The size in pt at which `name` fits the layout's name box: on one line when it can
    at a readable size, else wrapped on up to four lines, never larger than the layout's
    maximum and never below its minimum (a longer name wraps further rather than being
    cut). An empty name gets the maximum."""
    name = " ".join(name.split())
    if not name:
        return layout.name_max_pt
    width_mm, height_mm = layout.name_box
    width_pt, height_pt = width_mm * PT_PER_MM, height_mm * PT_PER_MM
    line_height = 1.15
    longest_word = max(text_width_em(word) for word in name.split())
    total = text_width_em(name)
    one_line = min(width_pt / total, height_pt / line_height)
    best = one_line
    for lines in (2, 3, 4):
        # Wrapping wastes part of each line: 15 % slack per extra line.
        size = min(width_pt * lines / (total * (1 + 0.15 * (lines - 1))),
                   width_pt / (longest_word * 1.05), height_pt / (lines * line_height))
        best = max(best, size)
    if one_line >= 0.8 * min(best, layout.name_max_pt):
        best = one_line  # a name on one line reads better than a slightly bigger wrapped one
    return round(max(layout.name_min_pt, min(layout.name_max_pt, best)), 1)


@dataclass(frozen=True)
class Badge:
    """What one label shows; a blank badge has an empty name and no QR."""

    name: str = ""
    pronouns: str = ""
    role: str = RegistrationRole.ATTENDEE
    role_label: str = ""
    space: str = ""
    qr_svg: str = ""
    name_pt: float = 0.0
    direction: str = "ltr"

    @property
    def band_colours(self) -> tuple[str, str]:
        return ROLE_COLOURS.get(self.role, ROLE_COLOURS[RegistrationRole.ATTENDEE])


def badge_registrations(event: EventPage, ids: Iterable[int] | None = None
                        ) -> QuerySet[Registration]:
    """The confirmed (or already checked-in) registrations of `event`, by name order of
    registration; only those whose id is in `ids` when given (other ids are ignored)."""
    registrations = (Registration.objects.filter(event=event, state__in=SEAT_STATES)
                     .select_related("user", "user__profile", "user__profile__home_space")
                     .order_by("created_at", "pk"))
    if ids is not None:
        registrations = registrations.filter(pk__in=list(ids))
    return registrations


def text_direction(text: str) -> str:
    """"rtl" when the first strongly directional character of `text` is right-to-left
    (Arabic, Hebrew...), else "ltr" (the rule of `dir=auto`, which WeasyPrint lacks)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _badge_for(registration: Registration, layout: Layout) -> Badge:
    profile = getattr(registration.user, "profile", None) if registration.user_id else None
    home = profile.home_space.title if profile and profile.home_space_id else ""
    name = " ".join(registration.person_name.split())
    pronouns = " ".join(profile.pronouns.split()) if profile else ""
    return Badge(name=name, pronouns=pronouns, role=registration.role,
                 role_label=str(registration.get_role_display()), space=home,
                 qr_svg=ticket_qr_svg(registration.ticket_code, scale=1),
                 name_pt=name_font_size(name, layout), direction=text_direction(name))


def badges_for(event: EventPage, layout: Layout, registrations: Iterable[Registration] = (),
               blanks: int = 0) -> list[Badge]:
    """One badge per registration (in the given order), then `blanks` blank ones. Raises
    BadgeError when nothing or too much would be printed."""
    if not isinstance(blanks, int) or not 0 <= blanks <= MAX_BLANKS:
        raise BadgeError(_("Blank badges must be between 0 and %(max)d.") % {"max": MAX_BLANKS})
    badges = [_badge_for(registration, layout) for registration in registrations]
    blank_label = str(RegistrationRole.ATTENDEE.label)
    badges += [Badge(role_label=blank_label, name_pt=layout.name_max_pt)] * blanks
    if not badges:
        raise BadgeError(_("There is nobody to print a badge for."))
    if len(badges) > MAX_BADGES:
        raise BadgeError(_("At most %(max)d badges at a time.") % {"max": MAX_BADGES})
    return badges


def badges_html(event: EventPage, layout: Layout, badges: Sequence[Badge]) -> str:
    """The HTML of the badge PDF: one `.page` per sheet, labels placed absolutely."""
    boxes = badge_boxes(layout)
    pages = []
    for start in range(0, len(badges), layout.per_page):
        chunk = badges[start:start + layout.per_page]
        pages.append([(badge, box) for badge, box in zip(chunk, boxes, strict=False)])
    with translation.override(event.language or translation.get_language()):
        return render_to_string(layout.template_name, {
            "event": event, "layout": layout, "pages": pages, "css": layout.css(),
            "space": event.space.title if event.space_id else "",
            "date": event.local_starts_at,
        })


def url_fetcher():
    """The only URL fetcher badge rendering uses: `data:` URIs, nothing else (an http,
    https or file URL stops the rendering with FatalURLFetchingError)."""
    # WeasyPrint is imported when a PDF is made, not at start-up: loading it (Pango, fonts)
    # takes 1 to 2 s, which every web process and test run would pay for nothing.
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def html_to_pdf(html: str) -> bytes:
    """Render badge HTML to PDF bytes with the data-only `url_fetcher`."""
    import weasyprint  # imported here for the reason given in url_fetcher

    return weasyprint.HTML(string=html, base_url=None,
                           url_fetcher=url_fetcher()).write_pdf()


def chunk_size(layout: Layout) -> int:
    """Badges per rendering chunk: `CHUNK_BADGES` rounded up to whole sheets."""
    return layout.per_page * max(1, math.ceil(CHUNK_BADGES / layout.per_page))


def badges_render(event: EventPage, layout: Layout, badges: Sequence[Badge], *,
                  progress: Callable[[int], None] | None = None) -> bytes:
    """The PDF of `badges` on `layout`, rendered in chunks of whole sheets and joined: the
    same pages, text and embedded fonts as one rendering of all of them, with the memory of
    one chunk. `progress(done)` is called after each chunk with the badges rendered so far.
    Raises what WeasyPrint raises (FatalURLFetchingError for a URL other than data:)."""
    writer = PdfWriter()
    size = chunk_size(layout)
    # WeasyPrint makes millions of short-lived objects with reference cycles. Freezing what
    # lives already (the process's own objects) keeps every collection, automatic or ours
    # after each chunk, from walking them again: rendering gets about 15 % faster, and a
    # chunk's garbage is freed before the next chunk starts. Unfrozen at the end, whatever
    # happens; another thread's freeze or unfreeze meanwhile only changes the speed.
    gc.collect()
    gc.freeze()
    try:
        for start in range(0, len(badges), size):
            chunk = badges[start:start + size]
            reader = PdfReader(io.BytesIO(html_to_pdf(badges_html(event, layout, chunk))))
            if not start and reader.metadata:
                writer.add_metadata(dict(reader.metadata))
            writer.append(reader)
            del reader
            gc.collect()
            if progress is not None:
                progress(start + len(chunk))
    finally:
        gc.unfreeze()
    # Each chunk embeds its own copy of the fonts (the same subsets when the same scripts
    # are printed): keep one copy of every identical object.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def badges_pdf(event: EventPage, layout: Layout | str, *, registration_ids=None,
               everyone: bool = True, blanks: int = 0) -> bytes:
    """The badge PDF of `event` on `layout`: every confirmed participant (`everyone`), or
    those with `registration_ids`, plus `blanks` blank badges (see `badges_render`). Raises
    BadgeError when there is nothing to print or the layout is unknown."""
    if isinstance(layout, str):
        layout = layout_get(layout)
    if everyone:
        registrations = list(badge_registrations(event))
    elif registration_ids:
        registrations = list(badge_registrations(event, registration_ids))
    else:
        registrations = []
    return badges_render(event, layout, badges_for(event, layout, registrations, blanks))


def _register_dashboard_link() -> None:
    @dashboard_link_provider("badges")
    def badges_link(event: EventPage, user) -> DashboardLink:
        return DashboardLink(_("Print badges"), reverse("events:badges", args=[event.pk]),
                             _("A6, A7 or Avery label sheets, with the ticket QR code."))


_register_dashboard_link()
