"""One imported event, as read from any feed: the common shape between the readers
(`ical_reader`, `json_reader`) and the sync service.

Every text is cleaned here once (`clean_line`, `clean_text`): control characters go, lengths
are cut to what the EventPage columns hold, so a hostile feed cannot break a page, a
calendar file or the database; HTML stays text (templates escape it).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.utils.text import normalize_newlines

#: Most events one sync reads (all pages, all expanded occurrences together).
MAX_ITEMS = 5000
#: Most occurrences one recurring event is expanded into.
MAX_OCCURRENCES = 400
#: The import window: events that ended more than this long ago are not read.
PAST_WINDOW = dt.timedelta(days=30)
FUTURE_WINDOW = dt.timedelta(days=400)
MAX_DURATION = dt.timedelta(days=14)


def _is_control(ch: str) -> bool:
    # Control characters (Cc) and surrogates go; format characters (Cf) stay: the zero-width
    # joiner of emoji sequences and the direction marks of right-to-left text are text.
    return unicodedata.category(ch) in ("Cc", "Cs")


def clean_line(value, max_length: int) -> str:
    """One line of text: line breaks and control characters become spaces, cut to length."""
    if value is None:
        return ""
    text = "".join(" " if _is_control(ch) else ch for ch in str(value))
    return " ".join(text.split())[:max_length]


def clean_text(value, max_length: int = 20_000) -> str:
    """Text with line breaks kept (\\n), other control characters removed, cut to length."""
    if value is None:
        return ""
    text = normalize_newlines(str(value)).replace("\u2028", "\n").replace("\u2029", "\n")
    return "".join(ch for ch in text if ch == "\n" or not _is_control(ch)).strip()[:max_length]


@dataclass
class ImportedItem:
    """What the sync writes into one EventPage (plus its `origin`)."""

    uid: str
    recurrence_id: str  # "" for a single event; else the occurrence's original start (ISO)
    sequence: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    url: str = ""
    summary: str = ""
    description: str = ""
    body: list[dict] | None = None  # Espresso body blocks, when the feed has them
    format: str = "other"
    language: str = ""
    topics: list[str] = field(default_factory=list)
    status: str = "scheduled"
    status_reason: str = ""
    room: str = ""
    address: str = ""
    online_url: str = ""
    capacity: int | None = None
    waitlist: bool = True
    price: int = 0
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    guests_allowed: bool = False
    cancellation_deadline_hours: int = 24
    rewards: dict[str, int] = field(default_factory=lambda: {"host": 0, "speaker": 0,
                                                             "volunteer": 0})
    #: The publishing site imported it itself (JSON `origin`, iCalendar X-ESPRESSO-ORIGIN):
    #: not imported again, so two sites subscribed to each other never loop.
    republished: bool = False
    #: What EventPage has no column for and the feeds publish as the origin's: venue,
    #: organizer, seats_left, created_at, updated_at, all_day, extra keys.
    origin: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.recurrence_id)
