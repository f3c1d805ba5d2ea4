"""URLs of the reports (namespace "reports")."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/events/<id:event_id>/", views.event_page, name="event"),
    path("reports/events/<id:event_id>/<slug:identifier>/", views.event_export,
         name="event_export"),
    path("reports/spaces/<id:space_id>/", views.space_page, name="space"),
    path("reports/spaces/<id:space_id>/<slug:identifier>/", views.space_export,
         name="space_export"),
    path("reports/network/", views.network_page, name="network"),
    path("reports/network/<slug:identifier>/", views.network_export, name="network_export"),
]
