"""One imported event, as read from any feed: the common shape between the readers
(`ical_reader`, `json_reader`) and the sync service.

Every text is cleaned here once (`clean_line`, `clean_text`): control characters go, lengths
are cut to what the EventPage columns hold, so a hostile feed cannot break a page, a
calendar file or the database; HTML stays text (templates escape it).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import asdict, dataclass, field

from django.utils.text import normalize_newlines

#: Most events one sync reads (all pages, all expanded occurrences together).
MAX_ITEMS = 5000
#: Most occurrences one recurring event is expanded into (the earliest in the window).
MAX_OCCURRENCES = 400
#: The import window: events that ended more than this long ago are not read, and a
#: recurring event is expanded up to FUTURE_WINDOW ahead. The window moves with the clock:
#: the periodic sync expands a series again at least once every EXPANSION_INTERVAL, so a
#: rule without an end keeps getting its new dates (federation.series_sync).
PAST_WINDOW = dt.timedelta(days=30)
FUTURE_WINDOW = dt.timedelta(days=400)
EXPANSION_INTERVAL = dt.timedelta(days=1)
#: Longest RRULE kept as received (EventSeries.rrule).
MAX_RRULE_LENGTH = 300
MAX_SERIES_DATES = 1000
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
class SeriesMaster:
    """The master of a recurring event as the feed gave it: what EventSeries keeps."""

    uid: str
    rrule: str  # "" when the series has only RDATEs
    first_start: dt.datetime  # DTSTART, aware, in `time_zone`
    time_zone: str
    title: str
    sequence: int = 0
    rdates: list[dt.datetime] = field(default_factory=list)
    exdates: list[dt.datetime] = field(default_factory=list)

    def as_key(self) -> tuple:
        """Everything the EventSeries row is made of (equal keys: nothing to write)."""
        return (self.uid, self.rrule, self.first_start.astimezone(dt.UTC), self.time_zone,
                self.title, self.sequence,
                tuple(sorted(d.astimezone(dt.UTC) for d in self.rdates)),
                tuple(sorted(d.astimezone(dt.UTC) for d in self.exdates)))


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
    #: A date of a recurring event: its master (None for a single event, or when the
    #: master cannot be kept faithfully: then the date is imported as a single event).
    series: SeriesMaster | None = None
    #: The original start of a date of a series (its RECURRENCE-ID), aware.
    original_start: dt.datetime | None = None
    #: The date comes from its own component upstream (an iCalendar RECURRENCE-ID override),
    #: not from expanding the master: its SEQUENCE counts on its own.
    override: bool = False
    #: The UID the origin publishes for this date itself (another Espresso's JSON `id`);
    #: "" for iCalendar dates, which share their series' UID there.
    occurrence_uid: str = ""

    def hash_data(self) -> dict:
        """The item's values for the content hash: its series by UID only (a change of the
        master rewrites the series, not every date)."""
        data = asdict(self)
        data["series"] = self.series.uid if self.series is not None else None
        return data

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.recurrence_id)

    @property
    def published_uid(self) -> str:
        """The UID the origin gives this item itself ("" for an iCalendar date of a series)."""
        return self.occurrence_uid if self.recurrence_id else self.uid
