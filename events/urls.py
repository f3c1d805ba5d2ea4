"""Event URLs: registration (events.urls_registration) and discovery/calendars
(events.urls_discovery) are kept in two lists owned by their own view modules."""

from django.urls import path

from .urls_discovery import urlpatterns as discovery_urlpatterns
from .urls_registration import urlpatterns as registration_urlpatterns
from .views import checkin

app_name = "events"

urlpatterns = [
    *registration_urlpatterns,
    *discovery_urlpatterns,
    # The event day: dashboard, door, tickets (events.views.checkin)
    path("events/<int:event_id>/manage/", checkin.event_dashboard, name="event_dashboard"),
    path("events/<int:event_id>/checkin/", checkin.checkin_page, name="checkin"),
    path("events/<int:event_id>/checkin/undo/", checkin.checkin_undo, name="checkin_undo"),
    path("events/<int:event_id>/checkin/walk-in/", checkin.checkin_walk_in,
         name="checkin_walk_in"),
    path("events/<int:event_id>/checkin/search.json", checkin.checkin_search_json,
         name="checkin_search"),
    path("events/<int:event_id>/checkin/counts.json", checkin.checkin_counts_json,
         name="checkin_counts"),
    path("events/<int:event_id>/registrations/<int:pk>/new-ticket/",
         checkin.dashboard_ticket_renew, name="dashboard_ticket_renew"),
    path("tickets/<str:code>/", checkin.ticket_page, name="ticket"),
    path("tickets/<str:code>/renew/", checkin.ticket_renew, name="ticket_renew"),
]
