"""Events: event pages, registrations and waiting lists, feeds, and the event day.

Where each rule lives (a lower layer never imports a higher one):

- `models.py`: EventPage, Registration; `SEAT_STATES` / `ACTIVE_STATES` next to
  `RegistrationState`; `EventPage.registration_window()` (may people register now, and if
  not why); `EventPageQuerySet.with_seats_taken()` (the one count of taken seats).
- `exceptions.py`: every refusal of the app (`EventError` and its subclasses, `PaymentError`).
- `selectors.py`: reads (listings, feeds, registrations, the door); they return data.
- `services.py`: every change of a registration (locks, seats, waiting list);
  `payments.py` what registrations pay and earn; `checkin.py`, `tickets.py` the event day;
  `calendar_tokens.py`; `privacy.py` a member's export and erasure.
- `calendar.py`, `vtimezone.py`, `feeds.py`: .ics and JSON builders; `emails.py`, `tasks.py`.
- `page_context.py`: the template context of the Wagtail pages (the glue with the request).
- `views/` (`feeds`, `registration`, `checkin`), `urls.py`, `templatetags/`,
  `wagtail_hooks.py`: the interfaces.
"""
