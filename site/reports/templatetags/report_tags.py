"""The way into the reports from public pages: `{% space_report_link page %}` on a space's
page, shown only to the space's organisers and the coordinators (network.permissions)."""

from django import template

from network.models import SpacePage
from network.pagecache.versions import cached_under_version
from network.permissions import user_is_coordinator, user_organises_space

register = template.Library()


@register.inclusion_tag("reports/includes/space_report_link.html", takes_context=True)
def space_report_link(context, space: SpacePage) -> dict:
    """The links to `space`'s report (and, for coordinators, the network's) for those who
    may read them; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (space.pk and user is not None and user.is_authenticated):
        return {"space": space, "show": False, "network": False}

    def answer() -> tuple[bool, bool]:
        show = user_organises_space(user, space)
        return show, show and user_is_coordinator(user)

    # Kept under the content version with the member's id (groups, users and pages are
    # watched tables: a new organiser sees the link on their next request).
    show, network = cached_under_version(request, f"space-report-link:{user.pk}:{space.pk}",
                                         answer)
    return {"space": space, "show": show, "network": network}
