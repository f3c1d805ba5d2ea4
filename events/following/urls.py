from django.urls import path

from . import views

app_name = "following"

urlpatterns = [
    path("me/following/", views.following_mine, name="mine"),
    path("me/following/toggle/", views.follow_toggle, name="toggle"),
    path("events/calendar/following/<str:token>.ics", views.following_calendar,
         name="calendar"),
]
