"""`{% registration_panel page %}`: seats, waiting list, the visitor's state and the right
button, for the event page (included by the discovery side's template)."""

from django import template
from django.utils import timezone

from events.forms import GuestRegistrationForm
from events.selectors_registration import (
    event_seat_counts,
    registration_active_for_user,
    registration_waitlist_rank,
    registration_window,
)

register = template.Library()


@register.inclusion_tag("events/registration/panel.html", takes_context=True)
def registration_panel(context, page) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    now = timezone.now()
    opens, closes = registration_window(page)
    registration = registration_active_for_user(page, user) if user is not None else None
    counts = event_seat_counts(page)
    return {
        "request": request,
        "event": page,
        "counts": counts,
        "registration": registration,
        "waitlist_rank": registration_waitlist_rank(registration) if registration else None,
        "is_authenticated": bool(user and user.is_authenticated),
        "not_yet_open": bool(page.live and opens and now < opens),
        "is_open": bool(page.live and not page.is_cancelled and opens and opens <= now < closes),
        "opens": opens,
        "closes": closes,
        "guest_form": GuestRegistrationForm() if page.guests_allowed else None,
        "next": request.get_full_path() if request is not None else "",
    }
