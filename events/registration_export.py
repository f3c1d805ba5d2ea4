"""What organisers read about registrations in the admin: the registrations CSV/XLSX rows
and the event's label in lists (issue 10: raw codes, UTC microseconds, and three events of
the same title that could not be told apart).

Times are in the event's own zone, to the minute, with the zone's abbreviation; states,
roles and cancel reasons are their labels in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from network.ids import IdChoiceField, IdChoiceFilter

from .models import EventPage, Registration

#: Column keys of the export, in order, with their headings.
EXPORT_HEADINGS = OrderedDict([
    ("event", _("Event")), ("event_date", _("Event date")), ("person_name", _("Name")),
    ("email", _("E-mail")), ("role", _("Role")), ("state", _("State")),
    ("waiting_list_place", _("Waiting list")), ("cancel_reason", _("Cancel reason")),
    ("created_at", _("Registered")), ("confirmed_at", _("Confirmed")),
    ("cancelled_at", _("Cancelled")), ("attended_at", _("Checked in")),
])


def local_time(moment: dt.datetime | None, zone: str) -> str:
    """`moment` in `zone` as "YYYY-MM-DD HH:MM TZ" ("" for None)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def event_label(event: EventPage) -> str:
    """"Title — YYYY-MM-DD HH:MM TZ": tells events of the same title apart."""
    return f"{event.title} — {local_time(event.starts_at, event.time_zone_name)}"


def registration_export_row(registration: Registration) -> OrderedDict:
    """One row of the registrations export, keyed like EXPORT_HEADINGS."""
    event = registration.event
    zone = event.time_zone_name
    place = registration.waiting_list_place()
    return OrderedDict([
        ("event", event.title), ("event_date", local_time(event.starts_at, zone)),
        ("person_name", registration.person_name), ("email", registration.email),
        ("role", str(registration.get_role_display())),
        ("state", str(registration.get_state_display())),
        ("waiting_list_place", "" if place is None else place),
        ("cancel_reason", str(registration.get_cancel_reason_display())),
        ("created_at", local_time(registration.created_at, zone)),
        ("confirmed_at", local_time(registration.confirmed_at, zone)),
        ("cancelled_at", local_time(registration.cancelled_at, zone)),
        ("attended_at", local_time(registration.attended_at, zone)),
    ])


class EventChoiceField(IdChoiceField):
    """An event chosen by id, listed with its date."""

    def label_from_instance(self, obj: EventPage) -> str:
        return event_label(obj)


class EventChoiceFilter(IdChoiceFilter):
    field_class = EventChoiceField
