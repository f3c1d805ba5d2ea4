"""The event day, for organisers: the check-in page at the door (phone first), its small
JSON endpoints (search as you type, the live counter), the organiser dashboard, and the
printable ticket page.

Every page of an event is for the organisers of its space and coordinators only
(`network.permissions.user_organises_space`): anonymous visitors are sent to sign in,
everyone else gets a 403. Every change is a POST through `events.checkin` /
`events.tickets`. The check-in page works without JavaScript (type the code, or search and
press "Check in"); with it, the same forms answer in place (`Accept: application/json`),
the camera scans QR codes (vendored qr-scanner), the search runs as you type and the
counter refreshes itself.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.db_retry import db_retry
from network.ids import MAX_ID
from network.permissions import user_organises_space

from .. import checkin, services, tickets
from ..dashboard import dashboard_links
from ..exceptions import (
    CheckinClosed,
    CheckinNotAllowed,
    EventError,
    EventFull,
    RegistrationNotAllowed,
    RegistrationNotFound,
)
from ..forms import WalkInForm
from ..models import EventPage, Registration, RegistrationState
from ..selectors import (
    CHECKIN_SEARCH_MAX_LENGTH,
    checkin_counts,
    checkin_search,
    checkin_search_clean,
    event_registrations_for_dashboard,
)
from .access import event_for_organiser

RECENT_CHECKINS = 5


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _counts_json(event: EventPage) -> dict:
    counts = checkin_counts(event)
    return {"checked_in": counts.checked_in, "expected": counts.expected,
            "waitlisted": counts.waitlisted, "walk_ins": counts.walk_ins,
            "capacity": counts.capacity, "seats_left": counts.seats_left}


def _recent(event: EventPage) -> list[Registration]:
    return list(Registration.objects.filter(event=event, state=RegistrationState.ATTENDED)
                .select_related("user", "user__profile", "attended_by",
                                "attended_by__profile")
                .order_by("-attended_at", "-pk")[:RECENT_CHECKINS])


def _page_context(request: HttpRequest, event: EventPage, **extra) -> dict:
    opens, closes = checkin.checkin_window(event)
    query = request.GET.get("q", "") if request.method == "GET" else ""
    return {
        "event": event,
        "counts": checkin_counts(event),
        "opens": opens,
        "closes": closes,
        "is_open": checkin.checkin_is_open(event),
        "has_ended": timezone.now() >= closes,
        "query": query[:CHECKIN_SEARCH_MAX_LENGTH],
        "results": checkin_search(event, query) if query else None,
        "query_too_short": bool(query) and not checkin_search_clean(query),
        "recent": _recent(event),
        "walk_in_form": extra.pop("walk_in_form", None) or WalkInForm(),
        **extra,
    }


def _answer(request: HttpRequest, event: EventPage, *, result=None, error: str = "",
            undone: Registration | None = None, status: int = 200,
            walk_in_form: WalkInForm | None = None) -> HttpResponse:
    """The door's answer: the result panel in place (JSON with its HTML) or the whole page."""
    panel = {"result": result, "error": error, "undone": undone}
    if _wants_json(request):
        html = render_to_string("events/checkin/result.html", {"event": event, **panel},
                                request=request)
        return JsonResponse({
            "outcome": result.outcome if result is not None else ("undone" if undone
                                                                   else "error"),
            "tone": result.tone if result is not None else ("info" if undone else "bad"),
            "html": html,
            "recent_html": render_to_string("events/checkin/recent.html",
                                            {"event": event, "recent": _recent(event)},
                                            request=request),
            "counts": _counts_json(event),
        }, status=status)
    context = _page_context(request, event, walk_in_form=walk_in_form, **panel)
    return render(request, "events/checkin/page.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@db_retry
def checkin_page(request: HttpRequest, event_id: int) -> HttpResponse:
    """GET: the door page (with `?q=` the search results, for browsers without JS).
    POST `code` (scanned or typed) or `registration` (picked in the search): check in."""
    event = event_for_organiser(request, event_id)
    if request.method == "GET":
        return render(request, "events/checkin/page.html", _page_context(request, event))
    try:
        if "registration" in request.POST:
            result = checkin.checkin_registration(event, request.POST["registration"],
                                                  actor=request.user)
        else:
            result = checkin.checkin_by_code(event, request.POST.get("code", ""),
                                             actor=request.user)
    except EventError as exc:
        return _answer(request, event, error=str(exc.message), status=_status_for(exc))
    return _answer(request, event, result=result)


def _status_for(exc: EventError) -> int:
    if isinstance(exc, CheckinNotAllowed):
        return 403
    if isinstance(exc, RegistrationNotFound):
        return 404
    if isinstance(exc, CheckinClosed | EventFull):
        return 409
    return 400


@require_POST
@login_required
@db_retry
def checkin_undo(request: HttpRequest, event_id: int) -> HttpResponse:
    """POST `registration`: take back a check-in made today."""
    event = event_for_organiser(request, event_id)
    try:
        undone = checkin.checkin_undo(event, request.POST.get("registration"),
                                      actor=request.user)
    except EventError as exc:
        return _answer(request, event, error=str(exc.message), status=_status_for(exc))
    return _answer(request, event, undone=undone)


@require_POST
@login_required
@db_retry
def checkin_walk_in(request: HttpRequest, event_id: int) -> HttpResponse:
    """POST `name`, `email`: register at the door and check in, when a seat is free."""
    event = event_for_organiser(request, event_id)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _answer(request, event, error=first, status=400, walk_in_form=form)
    try:
        result = checkin.checkin_walk_in(event, name=form.cleaned_data["name"],
                                         email=form.cleaned_data["email"], actor=request.user)
    except EventError as exc:
        return _answer(request, event, error=str(exc.message), status=_status_for(exc),
                       walk_in_form=form)
    return _answer(request, event, result=result)


@require_GET
@login_required
def checkin_search_json(request: HttpRequest, event_id: int) -> JsonResponse:
    """`?q=`: up to 20 registrations of the event by name or e-mail (two queries: the
    event, the matches)."""
    event = event_for_organiser(request, event_id)
    people = checkin_search(event, request.GET.get("q", ""))
    return JsonResponse({"results": [_person_json(event, r) for r in people]})


def _person_json(event: EventPage, registration: Registration) -> dict:
    attended = ""
    if registration.attended_at:
        attended = timezone.localtime(registration.attended_at, event.tz).strftime("%H:%M")
    return {
        "id": registration.pk,
        "name": registration.person_name,
        "email": registration.email,
        "state": registration.state,
        "state_label": str(registration.get_state_display()),
        "role": registration.role,
        "role_label": str(registration.get_role_display()),
        "attended_at": attended,
        "walk_in": registration.walk_in,
    }


@require_GET
@login_required
def checkin_counts_json(request: HttpRequest, event_id: int) -> JsonResponse:
    """The live counter (one query after the event)."""
    event = event_for_organiser(request, event_id)
    return JsonResponse(_counts_json(event))


@require_GET
@login_required
def event_dashboard(request: HttpRequest, event_id: int) -> HttpResponse:
    """One page per event for its organisers: counts, the door, every registration with
    its dates, and the event-day tools that exist (badges, report)."""
    event = event_for_organiser(request, event_id)
    opens, closes = checkin.checkin_window(event)
    return render(request, "events/checkin/dashboard.html", {
        "event": event,
        "counts": checkin_counts(event),
        "registrations": event_registrations_for_dashboard(event),
        "opens": opens,
        "closes": closes,
        "is_open": checkin.checkin_is_open(event),
        "tools": dashboard_links(event, request.user),
        "admin_registrations_url": reverse("event_registrations:index") + f"?event={event.pk}",
        "admin_edit_url": reverse("wagtailadmin_pages:edit", args=[event.pk]),
    })


def _ticket_or_404(code: str) -> tuple[Registration | None, object]:
    parsed = tickets.ticket_code_parse(code)
    if parsed is None or parsed != code:
        raise Http404
    return tickets.ticket_lookup(parsed)


@require_GET
def ticket_page(request: HttpRequest, code: str) -> HttpResponse:
    """The printable ticket (anyone holding the code: it is the bearer secret). A replaced
    code answers 410 Gone and says so; an unknown one 404."""
    registration, revoked = _ticket_or_404(code)
    if registration is None:
        if revoked is None:
            raise Http404
        return render(request, "events/tickets/revoked.html",
                      {"event": revoked.registration.event}, status=410)
    event = registration.event
    return render(request, "events/tickets/ticket.html", {
        "registration": registration,
        "event": event,
        "valid": tickets.ticket_has_valid(registration),
        "qr_svg": tickets.ticket_qr_svg(registration.ticket_code, scale=8),
        "may_renew": (request.user.is_authenticated
                      and (registration.user_id == request.user.pk
                           or user_organises_space(request.user, event.space_id))),
    })


@require_POST
@login_required
def ticket_renew(request: HttpRequest, code: str) -> HttpResponse:
    """The holder (or an organiser) revokes the ticket and gets a new code."""
    registration, _revoked = _ticket_or_404(code)
    if registration is None:
        raise Http404
    try:
        renewed = services.ticket_rotate(registration, actor=request.user)
    except RegistrationNotAllowed:
        raise PermissionDenied from None
    except EventError as exc:
        messages.error(request, exc.message)
        return redirect("events:ticket", code=registration.ticket_code)
    messages.success(request, _("A new ticket was issued; the old code no longer works."))
    return redirect("events:ticket", code=renewed.ticket_code)


@require_POST
@login_required
def dashboard_ticket_renew(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    """An organiser revokes someone's ticket (e.g. shared or lost); the person is sent the
    new one by e-mail."""
    event = event_for_organiser(request, event_id)
    if not 0 < pk <= MAX_ID:
        raise Http404
    registration = get_object_or_404(Registration, pk=pk, event=event)
    try:
        services.ticket_rotate(registration, actor=request.user)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new ticket was issued for %(name)s and sent by e-mail; "
                                    "the old code no longer works.")
                         % {"name": f"\u2068{registration.person_name}\u2069"})
    return redirect("events:event_dashboard", event_id=event.pk)
