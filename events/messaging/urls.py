"""URLs of the organisers' messages (namespace "messaging"), included at the site root."""

from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("events/<id:event_id>/messages/", views.message_list, name="list"),
    path("events/<id:event_id>/messages/new/", views.message_compose, name="compose"),
    path("events/<id:event_id>/messages/<id:pk>/", views.message_detail, name="detail"),
]
