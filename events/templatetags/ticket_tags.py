"""Tickets and the organisers' way into the event day, for templates:
`{{ code|ticket_qr:4 }}`, `{% if registration|ticket_is_valid %}`, and
`{% event_manage_link page %}` (the "Manage" link on the public event page, shown only to
the event's organisers and coordinators)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from events.tickets import ticket_has_valid, ticket_qr_svg
from network.pagecache.versions import cached_under_version
from network.permissions import user_organises_space

register = template.Library()


@register.filter
def ticket_qr(code: str, scale: int = 4) -> SafeString:
    # segno writes the SVG itself; the code is URL-safe base64, nothing to escape.
    return mark_safe(ticket_qr_svg(code, scale=int(scale)))  # noqa: S308


@register.filter
def ticket_is_valid(registration) -> bool:
    return ticket_has_valid(registration)


@register.inclusion_tag("events/checkin/manage_link.html", takes_context=True)
def event_manage_link(context, page) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not page.pk or user is None or not user.is_authenticated or page.space_id is None:
        return {"event": page, "show": False}
    # Groups and memberships are watched tables: kept under the content version.
    show = cached_under_version(request, f"organises:{user.pk}:{page.space_id}",
                                lambda: user_organises_space(user, page.space_id))
    return {"event": page, "show": show}
