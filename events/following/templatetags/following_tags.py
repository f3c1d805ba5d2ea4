"""`{% follow_button kind target %}`: the follow / stop following button for a space (a
SpacePage), a topic (a taggit Tag) or a format (its value), for pages of lower apps that
cannot import this one. `{% follow_buttons_for_filters active_filters %}`: the buttons for
what the event listing is filtered on."""

from django import template
from taggit.models import Tag

from events.models import EventFormat
from network.models import SpacePage
from network.pagecache.versions import cached_under_version
from network.translations import originals, page_original

from ..models import FollowKind
from ..selectors import follow_key, follow_keys

register = template.Library()
_REQUEST_FOLLOWS = "_following_keys"


def _followed(request, kind: str, target) -> bool:
    """Whether the visitor follows `target`: what they follow is read once per request (one
    query for every button of the page, none while it is kept under the version)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, _REQUEST_FOLLOWS):
        # The member's own follows, under the content version and their id (a follow is a
        # watched write: the next request reads them again).
        setattr(request, _REQUEST_FOLLOWS, cached_under_version(
            request, f"follow-keys:{user.pk}", lambda: follow_keys(user)))
    return follow_key(kind, target) in getattr(request, _REQUEST_FOLLOWS)


def _button(request, kind: str, target) -> dict:
    if kind == FollowKind.SPACE:
        # A translated space is followed as its original (one follow, whichever page).
        space = target
        label, target = space.title, cached_under_version(
            request, f"page-original:{space.pk}", lambda: page_original(space).pk)
        value = str(target)
    elif kind == FollowKind.TOPIC:
        value, label = target.slug, target.name
    else:
        value, label = target, str(EventFormat(target).label)
    return _button_for(request, kind, getattr(target, "pk", target), value, label)


def _button_for(request, kind: str, target_id, value: str, label: str) -> dict:
    user = getattr(request, "user", None)
    return {"kind": kind, "value": value, "label": label,
            "authenticated": bool(user and user.is_authenticated),
            "following": _followed(request, kind, target_id),
            "next": request.get_full_path() if request is not None else ""}


def _event_targets(page) -> list[tuple[str, int, str, str]]:
    """(kind, id, form value, label) of the event's space and topics."""
    targets = []
    if page.space_id is not None:
        space = page.space
        targets.append((str(FollowKind.SPACE), space.pk, str(space.pk), space.title))
    targets += [(str(FollowKind.TOPIC), tag.pk, tag.slug, tag.name) for tag in page.topics.all()]
    return targets


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_button(context, kind: str, target) -> dict:
    return {"buttons": [_button(context.get("request"), kind, target)]}


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_buttons_for_event(context, page) -> dict:
    """Buttons for the event's space, format and topics. The space and the topics are kept
    under the content version (pages and topics are watched tables)."""
    request = context.get("request")
    targets = cached_under_version(request, f"event-follow-targets:{page.pk}",
                                   lambda: _event_targets(page))
    buttons = [_button_for(request, kind, target_id, value, label)
               for kind, target_id, value, label in targets if kind == FollowKind.SPACE]
    buttons.append(_button(request, FollowKind.FORMAT, page.format))
    buttons += [_button_for(request, kind, target_id, value, label)
                for kind, target_id, value, label in targets if kind == FollowKind.TOPIC]
    return {"buttons": buttons}


@register.inclusion_tag("following/includes/follow_button.html", takes_context=True)
def follow_buttons_for_filters(context, active_filters) -> dict:
    """Buttons for the space, topic and format the listing is filtered on (if any)."""
    request, buttons = context.get("request"), []
    active = active_filters or {}
    space = originals(SpacePage.objects.live()).filter(slug=active.get("space")).first() \
        if active.get("space") else None
    if space is not None:
        buttons.append(_button(request, FollowKind.SPACE, space))
    topic = Tag.objects.filter(slug=active.get("topic")).first() if active.get("topic") else None
    if topic is not None:
        buttons.append(_button(request, FollowKind.TOPIC, topic))
    if active.get("format") in EventFormat.values:
        buttons.append(_button(request, FollowKind.FORMAT, active["format"]))
    return {"buttons": buttons}
