"""Messages from an event's organisers to its participants (issue 13).

A sub-app above `events` (like `events.programme`): it reads registrations, never changes
them, and keeps its own tables and migrations. An organiser writes one message to a chosen
audience (everyone, confirmed, waiting list, checked in, or one role); the service freezes
the recipient list as one delivery row per person, and a background task sends one e-mail
per person (nobody sees anybody else's address) with the organiser's address as Reply-To.
The delivery rows make sending idempotent and give the progress count and the history.
"""
