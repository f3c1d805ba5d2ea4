"""`{% registration_panel page %}`: seats, waiting list, the visitor's state and the right
button, for the event page (context built by `events.page_context`)."""

from django import template

from events.page_context import registration_panel_context

register = template.Library()


@register.inclusion_tag("events/registration/panel.html", takes_context=True)
def registration_panel(context, page) -> dict:
    return registration_panel_context(context.get("request"), page)
