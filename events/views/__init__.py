"""Views of the events app, one module per concept.

- `feeds`: calendar (.ics) and JSON feeds, and the page where members manage their
  personal calendar address;
- `registration`: register (member or guest), cancel, leave the waiting list, the secret
  cancellation link, "My events";
- `checkin`: the event day (organiser dashboard, check-in at the door, tickets).

The event pages themselves are Wagtail pages (`events.models`); their context is built in
`events.page_context`.
"""
