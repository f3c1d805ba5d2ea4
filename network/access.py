"""The doors of organiser-only and coordinator-only views: HTTP answers built on
`network.permissions` (which decides) so that every view answers the same way —
404 for an id that cannot exist or names nothing, 403 for a signed-in person without the
right. Views put `login_required` in front, so anonymous visitors are sent to sign in."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .ids import MAX_ID
from .models import SpacePage
from .permissions import user_is_coordinator, user_organises_space
from .translations import page_original


def coordinator_required(request: HttpRequest) -> None:
    """Raise PermissionDenied unless the user coordinates the network."""
    if not user_is_coordinator(request.user):
        raise PermissionDenied


def space_for_organiser(request: HttpRequest, space_id: int) -> SpacePage:
    """The space if the user organises it (or coordinates); 404 for an unknown id, 403 for
    anyone else. Given a translation's id, the original space (the page that holds the
    space's account, passes, events and figures)."""
    if not 0 < space_id <= MAX_ID:
        raise Http404
    space = get_object_or_404(SpacePage, pk=space_id)
    if not user_organises_space(request.user, space):
        raise PermissionDenied
    return page_original(space)
