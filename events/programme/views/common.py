"""What every programme view needs: the event and its programme from the URL, and the
translation of a service refusal into an HTTP answer."""

from django.contrib import messages
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect

from events.models import EventPage
from events.translations import event_original

from ..exceptions import NotAllowed, NotAParticipant, ProgrammeError
from ..models import Programme
from ..services import programme_phase_catch_up, user_is_organiser


def load_programme(request: HttpRequest, event_id: int) -> Programme:
    """The live event's programme, in the phase its timetable says (see
    `services.programme_phase_catch_up`); 404 when the event is not live or has none, and
    while the programme is closed for everyone but its organisers."""
    event = event_original(get_object_or_404(EventPage.objects.live().select_related("space"),
                                             pk=event_id))
    programme = Programme.objects.filter(event=event).first()
    if programme is None:
        raise Http404("no programme")
    programme.event = event
    programme_phase_catch_up(programme)
    if programme.phase == "closed" and not user_is_organiser(programme, request.user):
        raise Http404("programme closed")
    return programme


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def refusal_status(exc: ProgrammeError) -> int:
    """403 for who you are, 409 for the state of things."""
    return 403 if isinstance(exc, NotAllowed | NotAParticipant) else 409


def refusal_response(request: HttpRequest, exc: ProgrammeError, fallback_url: str):
    if wants_json(request):
        return JsonResponse({"error": str(exc)}, status=refusal_status(exc))
    messages.error(request, str(exc))
    return redirect(fallback_url)
