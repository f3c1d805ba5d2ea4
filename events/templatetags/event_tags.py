"""Template tags through which lower layers (network, home) show events without importing them."""

from django import template
from django.utils import timezone

from events.models import EventPage

register = template.Library()


@register.inclusion_tag("events/includes/event_list.html", takes_context=True)
def upcoming_events(context, limit: int = 6) -> dict:
    """The next live events of the whole network."""
    events = (EventPage.objects.live().filter(ends_at__gte=timezone.now())
              .select_related("space").order_by("starts_at")[:limit])
    return {"events": events, "request": context.get("request")}


@register.inclusion_tag("events/includes/event_list.html", takes_context=True)
def space_upcoming_events(context, space, limit: int = 10) -> dict:
    """The next live events of one space."""
    events = (EventPage.objects.live().filter(space=space, ends_at__gte=timezone.now())
              .select_related("space").order_by("starts_at")[:limit])
    return {"events": events, "request": context.get("request")}
