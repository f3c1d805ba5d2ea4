"""The space report (one space, one period) and the network report (every space side by
side, for coordinators): events, participants, returning participants, members from other
spaces, credits earned and paid, day passes sold and used; the network report adds the
clearing matrix and its settlement payments, growth month by month, and the top topics and
formats.

Definitions (the same in the page, the PDF, the exports and the command):
- an event counts in the period of the day it starts (network time zone); only published
  events, cancelled ones apart;
- seats: registrations confirmed or checked in at the period's events that go ahead;
  checked in: of those, attended; participants: distinct people among the seats
  (a member by account, a guest by e-mail address);
- returning: participants of the period who hold seats at two or more events of the same
  space up to the period's end (so an earlier visit, before or within the period);
- from other spaces: participants who are members whose home space is another space;
- credits: what the space's account received (events, day passes) and paid (rewards) and
  the credits it sold, posted in the period (credits.selectors.space_credit_figures);
- day passes: for days in the period, sold (not refunded) and used.

The figures of all spaces come from a fixed number of grouped queries: the network report
of 60 spaces costs what one space's report costs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from credits.clearing import Clearing
from credits.selectors import (
    SpaceCreditFigures,
    clearing_for_period,
    day_pass_figures,
    space_credit_figures,
)
from events.models import SEAT_STATES, EventFormat, EventPage, EventStatus, EventTopic, Registration
from events.models import RegistrationState as State
from events.translations import events_originals
from network.exporters import Table
from network.models import SpacePage
from network.translations import originals, titles_in_language

from .periods import Period

TOP_TOPICS = 10


@dataclass
class EventLine:
    """One event of a space report."""

    pk: int
    title: str
    starts_at: object
    format: str
    cancelled: bool
    seats: int = 0
    attended: int = 0
    waiting: int = 0


@dataclass
class SpaceFigures:
    space_id: int
    title: str
    events: int = 0
    cancelled_events: int = 0
    seats: int = 0
    attended: int = 0
    participants: int = 0
    returning: int = 0
    from_other_spaces: int = 0
    credits: SpaceCreditFigures = field(default_factory=SpaceCreditFigures)
    day_passes_sold: int = 0
    day_passes_used: int = 0
    event_lines: list[EventLine] = field(default_factory=list)

    def row(self) -> list:
        """The figures in the order of `FIGURE_LABELS`."""
        return [self.events, self.cancelled_events, self.seats, self.attended,
                self.participants, self.returning, self.from_other_spaces,
                self.credits.earned_events, self.credits.earned_day_passes,
                self.credits.rewards_paid, self.credits.sold,
                self.day_passes_sold, self.day_passes_used]


def figure_labels() -> list[str]:
    """Column titles of `SpaceFigures.row()` (translated now)."""
    return [_("Events"), _("Cancelled events"), _("Seats"),
            pgettext("event counts", "Checked in"),
            _("Participants"), _("Returning"), _("From other spaces"),
            _("Credits earned (events)"), _("Credits earned (day passes)"),
            _("Rewards paid"), _("Credits sold"), _("Day passes sold"), _("Day passes used")]


def _person(user_id: int | None, guest_email: str) -> tuple:
    return ("member", user_id) if user_id else ("guest", guest_email.strip().lower())


def _events_in(period: Period, space_ids: list[int] | None):
    events = events_originals(EventPage.objects.live()).filter(
        starts_at__gte=period.start_at, starts_at__lt=period.end_before)
    if space_ids is not None:
        events = events.filter(space_id__in=space_ids)
    return events


def spaces_figures(period: Period, spaces: Iterable[SpacePage]) -> list[SpaceFigures]:
    """The figures of each of `spaces` (originals: a translation's events and account are
    its original's) over `period`, in the given order. Spaces and events are named in the
    reader's language (`titles_in_language`)."""
    spaces = list(spaces)
    space_ids = [s.pk for s in spaces]
    events = list(_events_in(period, space_ids).order_by("starts_at", "pk")
                  .values_list("pk", "starts_at", "format", "status", "space_id"))
    titles = titles_in_language([*space_ids, *(row[0] for row in events)])
    figures = {s.pk: SpaceFigures(space_id=s.pk, title=titles.get(s.pk, s.title))
               for s in spaces}
    lines: dict[int, EventLine] = {}
    for pk, starts_at, fmt, status, space_id in events:
        line = EventLine(pk=pk, title=titles[pk], starts_at=starts_at, format=fmt,
                         cancelled=status == EventStatus.CANCELLED)
        lines[pk] = line
        figures[space_id].event_lines.append(line)
        if line.cancelled:
            figures[space_id].cancelled_events += 1
        else:
            figures[space_id].events += 1
    counts = (Registration.objects.filter(event_id__in=list(lines)).values("event_id")
              .annotate(seats=Count("pk", filter=Q(state__in=SEAT_STATES)),
                        attended=Count("pk", filter=Q(state=State.ATTENDED)),
                        waiting=Count("pk", filter=Q(state=State.WAITLISTED))).order_by())
    for row in counts:
        line = lines[row["event_id"]]
        line.seats, line.attended, line.waiting = row["seats"], row["attended"], row["waiting"]
    going = {pk for pk, line in lines.items() if not line.cancelled}
    for pk, *_rest, space_id in events:
        if pk in going:
            figures[space_id].seats += lines[pk].seats
            figures[space_id].attended += lines[pk].attended

    # Participants, returning and visitors: every seat at these spaces' events up to the end.
    # A home space is compared by translation key: the Italian page of a space is that space.
    seats = (Registration.objects
             .filter(state__in=SEAT_STATES, event__live=True, event__space_id__in=space_ids,
                     event__starts_at__lt=period.end_before)
             .exclude(event__status=EventStatus.CANCELLED)
             .values_list("event__space_id", "event__space__translation_key", "event_id",
                          "user_id", "guest_email", "user__profile__home_space__translation_key"))
    in_period: dict[int, set] = defaultdict(set)
    visits: dict[int, Counter] = defaultdict(Counter)
    visitors: dict[int, set] = defaultdict(set)
    for space_id, space_key, event_id, user_id, guest_email, home_key in \
            seats.iterator(chunk_size=5000):
        person = _person(user_id, guest_email)
        visits[space_id][person] += 1
        if event_id in going:
            in_period[space_id].add(person)
            if user_id and home_key and home_key != space_key:
                visitors[space_id].add(person)
    for space_id, people in in_period.items():
        one = figures[space_id]
        one.participants = len(people)
        one.returning = sum(1 for p in people if visits[space_id][p] >= 2)
        one.from_other_spaces = len(visitors[space_id])

    for space_id, credit in space_credit_figures(period.start, period.end, space_ids).items():
        figures[space_id].credits = credit
    for space_id, passes in day_pass_figures(period.start, period.end, space_ids).items():
        figures[space_id].day_passes_sold = passes["sold"]
        figures[space_id].day_passes_used = passes["used"]
    return [figures[pk] for pk in space_ids]


@dataclass
class SpaceReport:
    period: Period
    space: SpacePage
    figures: SpaceFigures

    def tables(self) -> list[Table]:
        f = self.figures
        return [
            Table(_("Summary"), [_("Space"), _("Period"), _("From"), _("To")],
                  [[f.title, self.period.label, self.period.start, self.period.end]]),
            Table(_("Figures"), [_("Figure"), _("Value")],
                  [[label, value] for label, value in zip(figure_labels(), f.row(),
                                                          strict=True)]),
            Table(_("Events"), [_("Date"), _("Event"), _("Format"), _("Cancelled"),
                                _("Seats"), pgettext("event counts", "Checked in"), _("Waiting")],
                  [[line.starts_at, line.title, EventFormat(line.format).label
                    if line.format in EventFormat.values else line.format,
                    _("yes") if line.cancelled else _("no"), line.seats, line.attended,
                    line.waiting] for line in f.event_lines]),
        ]


def space_report(space: SpacePage, period: Period) -> SpaceReport:
    """The report of one space over `period`."""
    return SpaceReport(period=period, space=space, figures=spaces_figures(period, [space])[0])


@dataclass
class NetworkReport:
    period: Period
    spaces: list[SpaceFigures]
    months: list[tuple[str, int, int, int]]   # (YYYY-MM, events, seats, checked in)
    topics: list[tuple[str, int]]
    formats: list[tuple[str, int]]
    clearing: Clearing

    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*(s.row() for s in self.spaces), strict=True)] \
            if self.spaces else [0] * len(figure_labels())

    def tables(self) -> list[Table]:
        clearing = self.clearing
        names = clearing.party_names()
        return [
            Table(_("Summary"), [_("Period"), _("From"), _("To"), _("Spaces")],
                  [[self.period.label, self.period.start, self.period.end, len(self.spaces)]]),
            Table(_("Spaces"), [_("Space"), *figure_labels()],
                  [[s.title, *s.row()] for s in self.spaces]
                  + [[_("Network"), *self.totals()]]),
            Table(_("Growth"), [_("Month"), _("Events"), _("Seats"),
                                pgettext("event counts", "Checked in")],
                  [list(m) for m in self.months]),
            Table(_("Topics"), [_("Topic"), _("Events")], [list(t) for t in self.topics]),
            Table(_("Formats"), [_("Format"), _("Events")], [list(f) for f in self.formats]),
            Table(_("Clearing"), [_("Issued by \\ redeemed at"), *names, _("Total")],
                  [[row["name"], *row["cells"], row["total"]] for row in clearing.rows()]
                  + [[_("Total"), *clearing.column_totals(), sum(clearing.column_totals())]]),
            Table(_("Settlement"), [_("Payer"), _("Payee"), _("Credits")],
                  [[p["debtor"], p["creditor"], p["amount"]]
                   for p in clearing.named_payments()]),
        ]


def network_report(period: Period) -> NetworkReport:
    """Every space (published, each once: a translated space is its original) over
    `period`, by title in the reader's language, and the network's figures."""
    spaces = list(originals(SpacePage.objects.live()).order_by("pk").only("pk", "title"))
    figures = sorted(spaces_figures(period, spaces),
                     key=lambda f: (f.title.casefold(), f.space_id))
    going = (_events_in(period, None).exclude(status=EventStatus.CANCELLED))
    per_month = Counter()
    seats_month: Counter = Counter()
    attended_month: Counter = Counter()
    for line in (s for f in figures for s in f.event_lines if not s.cancelled):
        key = _month_key(line.starts_at)
        per_month[key] += 1
        seats_month[key] += line.seats
        attended_month[key] += line.attended
    months = [f"{year:04d}-{month:02d}" for year, month in period.months()]
    topics = list(EventTopic.objects.filter(content_object__in=going.values("pk"))
                  .values("tag__name").annotate(n=Count("pk")).order_by("-n", "tag__name")
                  .values_list("tag__name", "n")[:TOP_TOPICS])
    formats = Counter(line.format for f in figures for line in f.event_lines
                      if not line.cancelled)
    return NetworkReport(
        period=period, spaces=figures,
        months=[(m, per_month[m], seats_month[m], attended_month[m]) for m in months],
        topics=topics,
        formats=[(str(EventFormat(fmt).label) if fmt in EventFormat.values else fmt, n)
                 for fmt, n in formats.most_common()],
        clearing=clearing_for_period(period.start, period.end))


def _month_key(starts_at) -> str:
    local = timezone.localtime(starts_at)
    return f"{local.year:04d}-{local.month:02d}"
