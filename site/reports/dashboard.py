"""The "report" section of an event's organiser dashboard (events.dashboard)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.dashboard import DashboardLink, dashboard_link_provider
from events.models import EventPage


@dashboard_link_provider("report")
def event_report_link(event: EventPage, user) -> DashboardLink:
    return DashboardLink(_("Event report"), reverse("reports:event", args=[event.pk]),
                         _("Registrations, attendance, waiting list, credits; PDF, CSV, XLSX."))
