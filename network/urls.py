from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("members/<slug:slug>/", views.profile_detail, name="profile"),
    path("unsubscribe/<slug:identifier>/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
