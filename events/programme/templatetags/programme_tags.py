"""`{% programme_panel page %}`: the unconference's box on the event page. The event page's
template loads this library, so `events` itself never imports the programme."""

from django import template

from network.pagecache.versions import cached_under_version

from ..models import Programme
from ..selectors import programme_for_event, programme_grid
from ..services import programme_phase_catch_up

register = template.Library()


@register.inclusion_tag("programme/includes/panel.html", takes_context=True)
def programme_panel(context, page) -> dict:
    # Most events have no programme: whether this one has is kept under the content version.
    if not cached_under_version(context.get("request"), f"event-has-programme:{page.pk}",
                                lambda: Programme.objects.filter(event_id=page.pk).exists()):
        return {"programme": None}
    programme = programme_for_event(page)
    if programme is not None:
        programme_phase_catch_up(programme)
    if programme is None or programme.phase == "closed":
        return {"programme": None}
    grid = programme_grid(programme) if programme.phase == "running" else None
    return {"programme": programme, "request": context.get("request"),
            "now_sessions": grid.now if grid else [], "next_sessions": grid.next if grid else []}
