"""Reads of the events app, one module per concept; import them from here.

Selectors return data (querysets, dataclasses, plain values); they never read a request or
build a template context (that is `events.page_context`). `listing` (events for pages and
feeds), `registrations` (who sees which, seat counts, a member's own), `door` (check-in and
the dashboard), `offer` (what a registration will cost).
"""

from .door import (
    CHECKIN_SEARCH_LIMIT,
    CHECKIN_SEARCH_MAX_LENGTH,
    CHECKIN_SEARCH_MIN_LENGTH,
    CheckinCounts,
    checkin_counts,
    checkin_search,
    checkin_search_clean,
    event_registrations_for_dashboard,
)
from .listing import (
    FEED_FIELDS,
    FEED_PAST_DAYS,
    FeedVersion,
    attach_topic_names,
    event_list_filtered,
    event_list_for_feed,
    event_list_for_user,
    event_list_past,
    event_list_upcoming,
    event_next_change,
    event_topic_names,
    events_for_feed_rows,
    events_for_listing,
    feed_queryset,
    feed_version,
    registration_states_for_user,
    translations_version,
)
from .offer import (
    RegistrationOffer,
    registration_offer,
)
from .registrations import (
    MemberRegistrations,
    SeatCounts,
    event_list_managed_by,
    event_seat_counts,
    registration_active_for_user,
    registration_changes_for_user,
    registration_latest_id_for_user,
    registration_list_for_user,
    registration_list_visible_to,
    registration_waitlist_rank,
)

__all__ = [
    "CHECKIN_SEARCH_LIMIT",
    "CHECKIN_SEARCH_MAX_LENGTH",
    "CHECKIN_SEARCH_MIN_LENGTH",
    "FEED_FIELDS",
    "FEED_PAST_DAYS",
    "CheckinCounts",
    "FeedVersion",
    "MemberRegistrations",
    "RegistrationOffer",
    "SeatCounts",
    "attach_topic_names",
    "checkin_counts",
    "checkin_search",
    "checkin_search_clean",
    "event_list_filtered",
    "event_list_for_feed",
    "event_list_for_user",
    "event_list_managed_by",
    "event_list_past",
    "event_list_upcoming",
    "event_next_change",
    "event_registrations_for_dashboard",
    "event_seat_counts",
    "event_topic_names",
    "events_for_feed_rows",
    "events_for_listing",
    "feed_queryset",
    "feed_version",
    "registration_active_for_user",
    "registration_changes_for_user",
    "registration_latest_id_for_user",
    "registration_list_for_user",
    "registration_list_visible_to",
    "registration_offer",
    "registration_states_for_user",
    "registration_waitlist_rank",
    "translations_version",
]
