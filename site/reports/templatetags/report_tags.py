"""The way into the reports from public pages: `{% space_report_link page %}` on a space's
page, shown only to the space's organisers and the coordinators (network.permissions)."""

from django import template

from network.models import SpacePage
from network.permissions import user_is_coordinator, user_organises_space

register = template.Library()


@register.inclusion_tag("reports/includes/space_report_link.html", takes_context=True)
def space_report_link(context, space: SpacePage) -> dict:
    """The links to `space`'s report (and, for coordinators, the network's) for those who
    may read them; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(space.pk and user is not None and user_organises_space(user, space))
    return {"space": space, "show": show,
            "network": show and user_is_coordinator(user)}
