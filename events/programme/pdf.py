"""The printable grid (A3 or A4 landscape) with WeasyPrint.

The HTML carries its own CSS and no image; the fetcher allows only `data:` URLs and fails
on anything else, so nothing a participant typed can make the renderer fetch a URL."""

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .models import Programme, Session
from .privacy import host_names_visible_to
from .selectors import programme_grid

PAGE_SIZES = {"a3": "A3 landscape", "a4": "A4 landscape"}


def grid_pdf_bytes(programme: Programme, *, size: str = "a3", base_url: str = "",
                   viewer=None) -> bytes:
    """The grid of `programme` as a PDF. `size` is "a3" or "a4" (anything else: A3). Hosts
    are named as `viewer` may see them (privacy.hosts_visible_to; None: anonymous)."""
    grid = programme_grid(programme)
    sessions = [cell for row in grid.rows for cell in row.cells if isinstance(cell, Session)]
    names = host_names_visible_to(viewer, [s.proposal for s in sessions])
    for session in sessions:
        session.host_names = names[session.proposal_id]
    html = render_to_string("programme/grid_pdf.html", {
        "programme": programme, "event": programme.event, "grid": grid,
        "page_size": PAGE_SIZES.get(size, PAGE_SIZES["a3"]),
        "tz": programme.event.time_zone_name,
    })
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, base_url=base_url or None, url_fetcher=fetcher).write_pdf()
