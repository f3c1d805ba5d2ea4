"""Events: event pages, registrations and waiting lists, feeds, and the event day.

Where each rule lives (a lower layer never imports a higher one):

- `models/` (`event`, `registration`, `questions`, `series`, `reminder`, `calendar_token`,
  `listing_page`): EventPage, Registration; `SEAT_STATES` / `ACTIVE_STATES` next to
  `RegistrationState`; `EventPage.registration_window()` (may people register now, and if
  not why); `EventPageQuerySet.with_seats_taken()` (the one count of taken seats).
- `exceptions.py`: every refusal of the app (`EventError` and its subclasses, `PaymentError`).
- `selectors/` (`listing`, `registrations`, `door`, `offer`): reads; they return data.
- `services/` (`registration`, `waitlist`, `lifecycle`, `tickets`; locks in `common`): every
  change of a registration (locks, seats, waiting list);
  `payments.py` what registrations pay and earn; `checkin.py`, `tickets.py` the event day;
  `calendar_tokens.py`; `privacy.py` a member's export and erasure.
- `calendar.py`, `calendar_links.py`, `vtimezone.py`, `feeds.py`: .ics, links and JSON
  builders; `emails.py`, `tasks.py`.
- `page_context.py`: the template context of the Wagtail pages (the glue with the request).
- `views/` (`feeds`, `registration`, `checkin`), `urls.py`, `templatetags/`,
  `wagtail_hooks.py` (with `registrations_admin.py`, `series_admin.py`): the interfaces.
- Sub-apps on the floor above (events never imports them): `programme/` (the unconference),
  `federation/` (imported calendars), `following/`, `messaging/`, `badge_runs/`.
"""
