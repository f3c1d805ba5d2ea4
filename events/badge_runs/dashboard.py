"""The latest badge run of an event, linked from its organiser dashboard (events.dashboard)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.dashboard import DashboardLink, dashboard_link_provider
from events.models import EventPage

from .models import BadgeRun


@dashboard_link_provider("badges")
def latest_badge_run_link(event: EventPage, user) -> DashboardLink | None:
    run = BadgeRun.objects.filter(event=event).order_by("-created_at").first()
    if run is None:
        return None
    return DashboardLink(_("Latest badge run"), reverse("badge_runs:detail", args=[run.pk]),
                         f"{run.layout} · {run.get_state_display()} · {run.done}/{run.total}")
