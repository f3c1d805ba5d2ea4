from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("members/<slug:slug>/", views.profile_detail, name="profile"),
]
