"""Discovery URLs: calendars (.ics), the JSON feed, the personal-feed page.

Plain Django URLs because Wagtail's RoutablePageMixin cannot route punctuation
such as `.ics`. Included at the site root by events.urls (namespace "events").
"""

from django.urls import path

from . import views_discovery as views

urlpatterns: list = [
    path("events/calendar/", views.calendar_subscription, name="calendar_subscription"),
    path("events/calendar/network.ics", views.calendar_network, name="calendar_network"),
    path("events/calendar/listing.ics", views.calendar_listing, name="calendar_listing"),
    path("events/calendar/space/<slug:slug>.ics", views.calendar_space, name="calendar_space"),
    path("events/calendar/event/<int:pk>.ics", views.calendar_event, name="calendar_event"),
    path("events/calendar/personal/<str:token>.ics", views.calendar_personal,
         name="calendar_personal"),
    path("events/feed.json", views.feed_json, name="feed_json"),
]
