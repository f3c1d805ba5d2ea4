"""The one way an organiser-only events view loads its event (spaces and coordinators:
`network.access`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from network.ids import MAX_ID
from network.permissions import user_organises_space

from ..models import EventPage
from ..translations import event_original


def event_for_organiser(request: HttpRequest, event_id: int) -> EventPage:
    """The event (its original, when `event_id` is a translation) if the user organises its
    space (or coordinates); 404 for an id that cannot exist, 403 for anyone else."""
    if not 0 < event_id <= MAX_ID:
        raise Http404
    event = event_original(get_object_or_404(EventPage.objects.select_related("space"),
                                             pk=event_id))
    if not user_organises_space(request.user, event.space_id):
        raise PermissionDenied
    return event
