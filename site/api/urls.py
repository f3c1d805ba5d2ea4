"""/api/v1/ (namespace "api") and the members' token page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

app_name = "api"

urlpatterns = [
    path("events/", views.EventList.as_view(), name="events"),
    path("events/<id:pk>/", views.EventDetail.as_view(), name="event"),
    path("events/<id:pk>/sessions/", views.SessionList.as_view(), name="event_sessions"),
    path("spaces/", views.SpaceList.as_view(), name="spaces"),
    path("spaces/<slug:slug>/", views.SpaceDetail.as_view(), name="space"),
    path("profiles/", views.ProfileList.as_view(), name="profiles"),
    path("profiles/<slug:slug>/", views.ProfileDetail.as_view(), name="profile"),
    path("me/registrations/", views.MyRegistrations.as_view(), name="my_registrations"),
    path("me/balance/", views.MyBalance.as_view(), name="my_balance"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
