"""Registration views: thin wrappers that call events.services and turn refusals into
messages. Every change is a POST; GET pages only show a confirmation or a form. Each is
wrapped in `db_retry`: a deadlock or serialization failure runs it again (the services are
idempotent), so the person sees the result, not an error page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network.db_retry import db_retry

from .. import services
from ..exceptions import EventError
from ..forms import GuestRegistrationForm
from ..models import EventPage, Registration, RegistrationState
from ..selectors import registration_list_for_user


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _event_or_404(event_id: int) -> EventPage:
    return get_object_or_404(EventPage.objects.live().select_related("space"), pk=event_id)


def _announce(request: HttpRequest, registration: Registration) -> None:
    if registration.state == RegistrationState.WAITLISTED:
        messages.warning(request, _("The event is full: you are on the waiting list. "
                                    "We will e-mail you if a place frees up."))
    else:
        messages.success(request, _("You are registered. A confirmation is on its way."))


def _announce_guest(request: HttpRequest, registration: Registration) -> None:
    # A guest has no "My events" page: the message names who was registered and where the
    # confirmation goes, so a typo in either shows at once.
    # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE: a right-to-left name keeps the
    # punctuation of the sentence around it in place.
    names = {"name": f"\u2068{registration.person_name}\u2069", "email": registration.email}
    if registration.state == RegistrationState.WAITLISTED:
        messages.warning(request, _("The event is full: %(name)s is on the waiting list. "
                                    "We will write to %(email)s if a place frees up.") % names)
    else:
        messages.success(request, _("You are registered, %(name)s. A confirmation is on its "
                                    "way to %(email)s.") % names)


@require_POST
@login_required
@db_retry
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    """One-click registration of the logged-in member."""
    event = _event_or_404(event_id)
    try:
        registration = services.registration_create(event, user=request.user)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        _announce(request, registration)
    return HttpResponseRedirect(_next_url(request, event.url or "/"))


@require_http_methods(["GET", "POST"])
@db_retry
def register_guest(request: HttpRequest, event_id: int) -> HttpResponse:
    """Name + e-mail registration for people without an account (where the event allows)."""
    event = _event_or_404(event_id)
    form = GuestRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                registration = services.registration_create(
                    event, guest_name=form.cleaned_data["name"],
                    guest_email=form.cleaned_data["email"])
            except EventError as exc:
                messages.error(request, exc.message)
                status = 400
            else:
                _announce_guest(request, registration)
                return HttpResponseRedirect(event.url or "/")
        else:
            status = 400
    return render(request, "events/registration/guest_form.html",
                  {"event": event, "form": form}, status=status)


@require_POST
@login_required
@db_retry
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The member cancels their own registration (or leaves the waiting list)."""
    registration = get_object_or_404(Registration, pk=pk, user=request.user)
    try:
        services.registration_cancel(registration, actor=request.user)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return HttpResponseRedirect(_next_url(request, reverse("events:my_events")))


@require_POST
@login_required
@db_retry
def registration_leave_waitlist(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(Registration, pk=pk, user=request.user)
    try:
        services.registration_leave_waitlist(registration, actor=request.user)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have left the waiting list."))
    return HttpResponseRedirect(_next_url(request, reverse("events:my_events")))


@require_http_methods(["GET", "POST"])
@db_retry
def registration_cancel_secret(request: HttpRequest, secret) -> HttpResponse:
    """The link in every e-mail: GET asks for confirmation, POST cancels."""
    registration = get_object_or_404(Registration.objects.select_related("event", "user"),
                                     secret=secret)
    done = False
    if request.method == "POST":
        try:
            registration = services.registration_cancel(registration)
        except EventError as exc:
            messages.error(request, exc.message)
        else:
            done = True
    return render(request, "events/registration/cancel_confirm.html",
                  {"registration": registration, "event": registration.event, "done": done})


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    """The member's upcoming and past registrations with their state."""
    return render(request, "events/my_events.html", registration_list_for_user(request.user))
