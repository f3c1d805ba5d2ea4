"""The events app's models, one module per concept; import them from here.

`event` (EventPage), `event_queryset` (its queryset: registrations counted per event),
`listing_page` (EventIndexPage), `registration` (Registration and its states),
`calendar_token` (personal calendar feed secrets), `reminder` (reminders sent, opt-outs),
`questions` (registration questions and the answers given).
"""

from .calendar_token import CalendarToken
from .event import (
    MAX_EVENT_DURATION,
    MAX_REMINDER_HOURS,
    EventFormat,
    EventPage,
    EventStatus,
    EventTopic,
    RegistrationWindow,
)
from .event_queryset import EventPageQuerySet
from .listing_page import EventIndexPage
from .questions import (
    CHOICE_KINDS,
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    QuestionKind,
    RegistrationAnswer,
    RegistrationQuestion,
)
from .registration import (
    ACTIVE_STATES,
    SEAT_STATES,
    TICKET_CODE_BYTES,
    TICKET_CODE_MAX_LENGTH,
    CancelReason,
    Registration,
    RegistrationRole,
    RegistrationState,
    RevokedTicket,
    ticket_code_new,
)
from .reminder import GuestReminderOptOut, RegistrationReminder, ReminderOptOut
from .series import EventSeries

__all__ = [
    "ACTIVE_STATES",
    "CHOICE_KINDS",
    "LONG_TEXT_MAX_LENGTH",
    "MAX_EVENT_DURATION",
    "MAX_REMINDER_HOURS",
    "SEAT_STATES",
    "SHORT_TEXT_MAX_LENGTH",
    "TICKET_CODE_BYTES",
    "TICKET_CODE_MAX_LENGTH",
    "CalendarToken",
    "CancelReason",
    "EventFormat",
    "EventIndexPage",
    "EventPage",
    "EventPageQuerySet",
    "EventSeries",
    "EventStatus",
    "EventTopic",
    "GuestReminderOptOut",
    "QuestionKind",
    "Registration",
    "RegistrationAnswer",
    "RegistrationQuestion",
    "RegistrationReminder",
    "RegistrationRole",
    "RegistrationState",
    "RegistrationWindow",
    "ReminderOptOut",
    "RevokedTicket",
    "ticket_code_new",
]
