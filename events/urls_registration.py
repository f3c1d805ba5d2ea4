"""URLs of the registration side (views in events.views_registration)."""

from django.urls import path

from . import views_registration as views

urlpatterns: list = [
    path("events/<int:event_id>/register/", views.register, name="register"),
    path("events/<int:event_id>/register/guest/", views.register_guest, name="register_guest"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel,
         name="registration_cancel"),
    path("registrations/<int:pk>/leave-waitlist/", views.registration_leave_waitlist,
         name="registration_leave_waitlist"),
    path("registrations/<uuid:secret>/cancel/", views.registration_cancel_secret,
         name="registration_cancel_secret"),
    path("me/events/", views.my_events, name="my_events"),
]
