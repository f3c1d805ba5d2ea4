"""The public side of a published programme: the live board for a projector (it refreshes
its now/next fragment every few seconds without reloading the page), the printable grid,
and the outcomes page."""

import hashlib
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from events.calendar_tokens import calendar_token_user

from .. import selectors, services
from ..calendar import member_sessions_ical
from ..models import Phase
from ..notes import render_markdown
from ..pdf import grid_pdf_bytes
from ..privacy import host_names_visible_to
from .common import load_programme

DTSTAMP_LINE = re.compile(rb"^DTSTAMP[:;][^\r\n]*\r\n", re.MULTILINE)

BOARD_REFRESH_SECONDS = 10


def _published_programme(request: HttpRequest, event_id: int):
    programme = load_programme(request, event_id)
    if not programme.grid_is_public and not services.user_is_organiser(programme,
                                                                         request.user):
        raise Http404("programme not published")
    return programme


def _board_context(programme) -> dict:
    now = timezone.now()
    grid = selectors.programme_grid(programme, now=now)
    tz = programme.event.tz
    days = {timezone.localtime(row.slot.starts_at, tz).date() for row in grid.rows}
    return {"programme": programme, "event": programme.event, "grid": grid, "now": now,
            "multi_day": len(days) > 1, "tz": programme.event.time_zone_name,
            "refresh": BOARD_REFRESH_SECONDS}


def board(request: HttpRequest, event_id: int) -> HttpResponse:
    """Full-screen board (1920x1080 projector): the grid, now and next highlighted."""
    programme = _published_programme(request, event_id)
    return render(request, "programme/board.html", _board_context(programme))


@never_cache
def board_fragment(request: HttpRequest, event_id: int) -> HttpResponse:
    """The part of the board that changes: fetched by the board's script every few seconds
    and swapped in place."""
    programme = _published_programme(request, event_id)
    return render(request, "programme/includes/board_live.html", _board_context(programme))


def grid_pdf(request: HttpRequest, event_id: int) -> HttpResponse:
    programme = _published_programme(request, event_id)
    size = request.GET.get("size", "a3")
    if size not in ("a3", "a4"):
        return HttpResponse("size must be a3 or a4", status=400,
                            content_type="text/plain; charset=utf-8")
    pdf = grid_pdf_bytes(programme, size=size, viewer=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(programme.event.title)[:60] or "programme"
    response["Content-Disposition"] = f'inline; filename="{name}-grid.pdf"'
    return response


def outcomes(request: HttpRequest, event_id: int) -> HttpResponse:
    """After the event: every session that took place with its notes and attendance, once
    the organisers published the outcomes (organisers see the draft before)."""
    programme = load_programme(request, event_id)
    is_organiser = services.user_is_organiser(programme, request.user)
    if not (programme.outcomes_published_at or (is_organiser
                                                 and programme.phase == Phase.ARCHIVED)):
        raise Http404("outcomes not published")
    sessions = list(selectors.sessions_placed(programme))
    names = host_names_visible_to(request.user, [s.proposal for s in sessions])
    for session in sessions:
        latest = selectors.session_notes(session)
        session.notes_html = render_markdown(latest.body) if latest else ""
        session.host_names = names[session.proposal_id]
    return render(request, "programme/outcomes.html", {
        "programme": programme, "event": programme.event, "sessions": sessions,
        "is_draft": programme.outcomes_published_at is None,
        "tz": programme.event.time_zone_name})


def sessions_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The sessions a member hosts or put a dot on, in every event, behind the secret token
    of their personal calendar (events.calendar_tokens; 404 once revoked)."""
    user = calendar_token_user(token)
    if user is None:
        raise Http404("unknown or revoked token")
    body = member_sessions_ical(user, name=_("My Espresso sessions"))
    # The ETag is the digest of the body without its DTSTAMPs (the time of building):
    # exact (a vote, a move or a renamed room changes it), and a calendar app polling
    # with If-None-Match gets a 304 without the body.
    etag = quote_etag(hashlib.sha256(DTSTAMP_LINE.sub(b"", body)).hexdigest()[:40])
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="my-espresso-sessions.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
