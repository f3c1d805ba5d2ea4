from django.urls import path

from . import views

app_name = "badge_runs"

urlpatterns = [
    path("events/<id:event_id>/badges/background/", views.badge_run_create, name="create"),
    path("badge-runs/<uuid:run_id>/", views.badge_run_detail, name="detail"),
    path("badge-runs/<uuid:run_id>/download/", views.badge_run_download, name="download"),
]
