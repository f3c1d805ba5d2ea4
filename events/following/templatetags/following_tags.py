"""`{% follow_button kind target %}`: the follow / stop following button for a space (a
SpacePage), a topic (a taggit Tag) or a format (its value), for pages of lower apps that
cannot import this one. `{% follow_buttons_for_filters active_filters %}`: the buttons for
what the event listing is filtered on."""

from django import template
from taggit.models import Tag

from events.models import EventFormat
from network.models import SpacePage

from ..models import FollowKind
from ..selectors import follow_exists

register = template.Library()


def _button(request, kind: str, target) -> dict:
    if kind == FollowKind.SPACE:
        value, label = str(target.pk), target.title
    elif kind == FollowKind.TOPIC:
        value, label = target.slug, target.name
    else:
        value, label = target, str(EventFormat(target).label)
    user = getattr(request, "user", None)
    return {"kind": kind, "value": value, "label": label,
            "authenticated": bool(user and user.is_authenticated),
            "following": follow_exists(user, kind, target) if user is not None else False,
            "next": request.get_full_path() if request is not None else ""}


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_button(context, kind: str, target) -> dict:
    return {"buttons": [_button(context.get("request"), kind, target)]}


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_buttons_for_filters(context, active_filters) -> dict:
    """Buttons for the space, topic and format the listing is filtered on (if any)."""
    request, buttons = context.get("request"), []
    active = active_filters or {}
    space = SpacePage.objects.live().filter(slug=active.get("space")).first() \
        if active.get("space") else None
    if space is not None:
        buttons.append(_button(request, FollowKind.SPACE, space))
    topic = Tag.objects.filter(slug=active.get("topic")).first() if active.get("topic") else None
    if topic is not None:
        buttons.append(_button(request, FollowKind.TOPIC, topic))
    if active.get("format") in EventFormat.values:
        buttons.append(_button(request, FollowKind.FORMAT, active["format"]))
    return {"buttons": buttons}
