"""URLs of the events app (namespace "events"), included at the site root.

Plain Django URLs because Wagtail's RoutablePageMixin cannot route punctuation such as
`.ics`; the event pages themselves are served by Wagtail.
"""

from django.urls import path

from .views import badges, checkin, feeds, registration

app_name = "events"

urlpatterns = [
    # Registration (events.views.registration)
    path("events/<id:event_id>/register/", registration.register, name="register"),
    path("events/<id:event_id>/register/guest/", registration.register_guest,
         name="register_guest"),
    path("registrations/<id:pk>/cancel/", registration.registration_cancel,
         name="registration_cancel"),
    path("registrations/<id:pk>/leave-waitlist/", registration.registration_leave_waitlist,
         name="registration_leave_waitlist"),
    path("registrations/<uuid:secret>/cancel/", registration.registration_cancel_secret,
         name="registration_cancel_secret"),
    path("me/events/", registration.my_events, name="my_events"),
    # Calendars and feeds (events.views.feeds)
    path("events/calendar/", feeds.calendar_subscription, name="calendar_subscription"),
    path("events/calendar/network.ics", feeds.calendar_network, name="calendar_network"),
    path("events/calendar/listing.ics", feeds.calendar_listing, name="calendar_listing"),
    path("events/calendar/space/<slug:slug>.ics", feeds.calendar_space, name="calendar_space"),
    path("events/calendar/event/<id:pk>.ics", feeds.calendar_event, name="calendar_event"),
    path("events/calendar/personal/<str:token>.ics", feeds.calendar_personal,
         name="calendar_personal"),
    path("events/feed.json", feeds.feed_json, name="feed_json"),
    # The event day: dashboard, door, tickets (events.views.checkin)
    path("events/<id:event_id>/manage/", checkin.event_dashboard, name="event_dashboard"),
    path("events/<id:event_id>/checkin/", checkin.checkin_page, name="checkin"),
    path("events/<id:event_id>/checkin/undo/", checkin.checkin_undo, name="checkin_undo"),
    path("events/<id:event_id>/checkin/walk-in/", checkin.checkin_walk_in,
         name="checkin_walk_in"),
    path("events/<id:event_id>/checkin/search.json", checkin.checkin_search_json,
         name="checkin_search"),
    path("events/<id:event_id>/checkin/counts.json", checkin.checkin_counts_json,
         name="checkin_counts"),
    path("events/<id:event_id>/registrations/<id:pk>/new-ticket/",
         checkin.dashboard_ticket_renew, name="dashboard_ticket_renew"),
    path("events/<id:event_id>/badges/", badges.event_badges, name="badges"),
    path("tickets/<str:code>/", checkin.ticket_page, name="ticket"),
    path("tickets/<str:code>/renew/", checkin.ticket_renew, name="ticket_renew"),
]
