"""Every state change of registrations: register, cancel, waiting list, check-in, roles,
and what happens when an event is published again, leaves the site or has taken place.

One module per concept (`registration`, `waitlist`, `lifecycle`, `tickets`; the shared
locks and their order in `common`); import the services from here.
"""

from .common import event_lock, member_lock, registration_lock
from .lifecycle import (
    PLACE_FIELDS,
    TIME_FIELDS,
    event_record_published_change,
    event_settle_started,
    event_withdraw,
)
from .registration import (
    GUEST_NAME_MAX_LENGTH,
    cancellation_deadline,
    registration_cancel,
    registration_create,
    registration_leave_waitlist,
    registration_mark_attended,
    registration_set_role,
)
from .series import SeriesChange, series_create, series_rule_change
from .tickets import ticket_rotate
from .waitlist import registration_promote_waitlist

__all__ = [
    "GUEST_NAME_MAX_LENGTH",
    "PLACE_FIELDS",
    "TIME_FIELDS",
    "SeriesChange",
    "cancellation_deadline",
    "event_lock",
    "event_record_published_change",
    "event_settle_started",
    "event_withdraw",
    "member_lock",
    "registration_cancel",
    "registration_create",
    "registration_leave_waitlist",
    "registration_lock",
    "registration_mark_attended",
    "registration_promote_waitlist",
    "registration_set_role",
    "series_create",
    "series_rule_change",
    "ticket_rotate",
]
