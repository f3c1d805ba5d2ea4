"""Registration views: thin wrappers that call events.services and turn refusals into
messages. Every change is a POST; GET pages only show a confirmation or a form. Each is
wrapped in `db_retry`: a deadlock or serialization failure runs it again (the services are
idempotent), so the person sees the result, not an error page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network.db_retry import db_retry
from network.translations import content_language, page_url_in_language

from .. import services
from ..exceptions import EventError
from ..forms import GuestRegistrationForm, RegistrationQuestionsForm
from ..models import EventPage, Registration, RegistrationState
from ..questions import event_questions
from ..selectors import (
    registration_active_for_user,
    registration_latest_id_for_user,
    registration_list_for_user,
    registration_offer,
)
from ..translations import event_original

#: The confirmation page of a paid registration signs what it showed (event, member, price);
#: the confirming POST must carry it back, so nobody pays a price they were not shown.
OFFER_SALT = "events.register.offer"
OFFER_MAX_AGE = 60 * 60 * 12
#: marks a POST that carries the answers to the event's questions (the event page's one-click
#: register button does not: it gets the questions page instead)
ANSWERS_FIELD = "answers_form"



def _event_address(request: HttpRequest, event) -> str:
    """The event page in the visitor's language (its translation, or its address under the
    visitor's prefix: network.translations), where the registration views send people."""
    return page_url_in_language(event, content_language(), request) or "/"

def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _event_or_404(event_id: int) -> EventPage:
    # A translation's page registers for the original: one list, one capacity.
    return event_original(get_object_or_404(EventPage.objects.live().select_related("space"),
                                            pk=event_id))


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


def _offer_sign(event: EventPage, user, price: int) -> str:
    # "r": the member's latest registration for the event when the page was shown; once
    # they register (and perhaps cancel), the offer is used up.
    return signing.dumps({"e": event.pk, "u": user.pk, "p": price,
                          "r": registration_latest_id_for_user(event, user)}, salt=OFFER_SALT)


def _offer_check(request: HttpRequest, event: EventPage) -> str:
    """"ok" when the POST confirms the price the event costs now, for this member, with an
    offer not used yet; "used" for an offer already used to register (a replay after
    cancelling); "stale" for anything else (no, a forged or an expired offer, a new price)."""
    if request.POST.get("confirm") != "1":
        return "stale"
    try:
        offer = signing.loads(request.POST.get("offer", ""), salt=OFFER_SALT,
                              max_age=OFFER_MAX_AGE)
    except signing.BadSignature:
        return "stale"
    if not isinstance(offer, dict) or {k: offer.get(k) for k in "eup"} != {
            "e": event.pk, "u": request.user.pk, "p": event.price_credits}:
        return "stale"
    latest = registration_latest_id_for_user(event, request.user)
    return "ok" if offer.get("r") == latest else "used"


def _confirm_page(request: HttpRequest, event: EventPage, *, stale: bool,
                  questions_form: RegistrationQuestionsForm | None = None,
                  status: int = 200) -> HttpResponse:
    offer = registration_offer(event, request.user)
    return render(request, "events/registration/register_confirm.html", {
        "event": event, "offer": offer, "stale": stale, "questions_form": questions_form,
        "answers_field": ANSWERS_FIELD,
        "signed_offer": _offer_sign(event, request.user, offer.price),
        "next": _next_url(request, _event_address(request, event))}, status=status)


def _questions_form(request: HttpRequest, event: EventPage) -> RegistrationQuestionsForm | None:
    """The form of the event's questions (None when it asks none), bound when the POST
    carries the answers."""
    questions = event_questions(event)
    if not questions:
        return None
    data = request.POST if request.method == "POST" and ANSWERS_FIELD in request.POST else None
    return RegistrationQuestionsForm(data, questions=questions)


@require_http_methods(["GET", "POST"])
@login_required
@db_retry
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    """Register the logged-in member. A free event: one POST. A paid one: GET (or a POST
    without `confirm`) shows the price, the balance after and the cancellation terms and
    changes nothing; the POST of that page (`confirm=1` and the signed offer) registers.
    A confirm replayed while the registration is active returns it (nothing charged
    twice); a price changed since the page was shown brings the page back, charging nothing.
    When the event asks questions, their answers belong to the form (a page of their own for
    a free event, the confirmation page for a paid one): wrong or missing answers bring it
    back with errors (400) and register nothing."""
    event = _event_or_404(event_id)
    existing = registration_active_for_user(event, request.user)
    if existing is not None:
        _announce(request, existing)
        return HttpResponseRedirect(_next_url(request, _event_address(request, event)))
    offer = _offer_check(request, event) if request.method == "POST" else "stale"
    if event.price_credits and offer == "used":
        messages.error(request, _("This confirmation was already used. To register again, "
                                  "open the confirmation page once more."))
        return HttpResponseRedirect(_event_address(request, event))
    questions_form = _questions_form(request, event)
    answered = questions_form is None or (questions_form.is_bound and questions_form.is_valid())
    invalid = 400 if (questions_form is not None and questions_form.is_bound
                      and not answered) else 200
    if event.price_credits and (request.method == "GET" or offer != "ok" or not answered):
        stale = (request.method == "POST" and request.POST.get("confirm") == "1"
                 and offer != "ok")
        if stale:
            messages.warning(request, _("Please check the price again before you confirm: "
                                        "it may have changed."))
        return _confirm_page(request, event, stale=stale, questions_form=questions_form,
                             status=invalid)
    if not answered:
        return render(request, "events/registration/register_questions.html", {
            "event": event, "questions_form": questions_form, "answers_field": ANSWERS_FIELD,
            "next": _next_url(request, _event_address(request, event))}, status=invalid)
    if request.method == "GET":
        return HttpResponseRedirect(_event_address(request, event))
    try:
        registration = services.registration_create(
            event, user=request.user,
            answers=questions_form.answers() if questions_form is not None else None)
    except EventError as exc:
        messages.error(request, exc.message)
    else:
        _announce(request, registration)
        if registration.state == RegistrationState.WAITLISTED and event.price_credits:
            short_by = registration_offer(event, request.user).short_by
            if short_by:
                messages.warning(request, _(
                    "You will need %(price)s credits when a place frees up; you are %(n)s "
                    "short now. Without them your place on the waiting list is cancelled.")
                    % {"price": event.price_credits, "n": short_by})
    return HttpResponseRedirect(_next_url(request, _event_address(request, event)))


@require_http_methods(["GET", "POST"])
@db_retry
def register_guest(request: HttpRequest, event_id: int) -> HttpResponse:
    """Name + e-mail registration for people without an account (where the event allows)."""
    event = _event_or_404(event_id)
    form = GuestRegistrationForm(request.POST or None)
    questions = event_questions(event)
    questions_form = (RegistrationQuestionsForm(request.POST or None, questions=questions)
                      if questions else None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and (questions_form is None or questions_form.is_valid()):
            try:
                registration = services.registration_create(
                    event, guest_name=form.cleaned_data["name"],
                    guest_email=form.cleaned_data["email"],
                    answers=questions_form.answers() if questions_form is not None else None)
            except EventError as exc:
                messages.error(request, exc.message)
                status = 400
            else:
                _announce_guest(request, registration)
                return HttpResponseRedirect(_event_address(request, event))
        else:
            status = 400
    return render(request, "events/registration/guest_form.html",
                  {"event": event, "form": form, "questions_form": questions_form},
                  status=status)


def _cancel_context(registration: Registration) -> dict:
    """What the cancellation page says: whether a paid seat's credits come back."""
    event = registration.event
    paid_seat = bool(event.price_credits) and registration.state == RegistrationState.CONFIRMED
    return {"registration": registration, "event": event, "paid_seat": paid_seat,
            "refund": timezone.now() < services.cancellation_deadline(event)}


@require_http_methods(["GET", "POST"])
@login_required
@db_retry
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The member cancels their own registration (or leaves the waiting list): GET asks for
    confirmation (with the refund terms of a paid seat) and changes nothing, POST cancels."""
    registration = get_object_or_404(Registration.objects.select_related("event"), pk=pk,
                                     user=request.user)
    if request.method == "GET":
        return render(request, "events/registration/cancel_confirm.html",
                      {**_cancel_context(registration), "done": False,
                       "next": _next_url(request, reverse("events:my_events"))})
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
                  {**_cancel_context(registration), "done": done})


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    """The member's upcoming and past registrations with their state."""
    registrations = registration_list_for_user(request.user)
    return render(request, "events/my_events.html",
                  {"upcoming": registrations.upcoming, "past": registrations.past})
