"""The report of one event: registrations over time, capacity, the waiting list and its
promotions, attendance and no-shows, check-in times, roles, walk-ins, credits collected and
rewards paid, and the sessions and dots of an unconference.

Every figure is computed from one read of the event's registrations plus one grouped read
of the ledger (`credits.selectors.reference_totals`) and, for an unconference, of its
programme: the number of queries does not grow with the number of people.

Definitions (the same in the page, the PDF and the exports):
- registrations: every registration ever made, whatever its state now;
- with a seat: confirmed or checked in now; checked in: attended;
- no-shows: people still only confirmed once the event has ended (before the end they are
  "not checked in yet");
- waiting now: on the waiting list now; ever waited: registrations that got a place in the
  queue at some point; promotions: of those, the ones that later got a seat;
- walk-ins: registered at the door (events.checkin);
- credits collected: event prices posted to the space (net of reversals); on hold: prices
  reserved and not yet posted; rewards paid: earned by hosts, speakers and volunteers.

An unconference's report carries its outcomes once the grid is published (phase scheduled
or later): every placed session with its room and time, hosts, dots, attendance and the
latest notes (`events.programme.selectors.session_outcomes`), whether or not the organisers
have published the outcomes page yet (the report says which). The report is for the
event's organisers, who see every participant's name, so hosts are all named. Notes are
Markdown: the page and the PDF show them rendered and sanitised
(`events.programme.notes.render_markdown`), the CSV and XLSX as written.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from credits.models import TransferCode
from credits.selectors import reference_holds_open, reference_totals
from events.models import (
    SEAT_STATES,
    EventFormat,
    EventPage,
    Registration,
    RegistrationRole,
    RegistrationState,
)
from events.payments import registration_reference
from events.programme.models import (
    Ballot,
    Phase,
    Programme,
    Proposal,
    ProposalState,
    Session,
    Vote,
)
from events.programme.notes import render_markdown
from events.programme.selectors import SessionOutcome, session_outcomes
from network.exporters import Table
from network.translations import titles_in_language

#: width of a bar in the check-in times chart
CHECKIN_BUCKET = datetime.timedelta(minutes=15)
TOP_PROPOSALS = 10
#: phases in which the grid is published, so the report lists the sessions' outcomes
OUTCOME_PHASES = (Phase.SCHEDULED, Phase.RUNNING, Phase.ARCHIVED)

REWARD_CODES = {
    RegistrationRole.HOST: TransferCode.EARN_HOST,
    RegistrationRole.SPEAKER: TransferCode.EARN_SPEAKER,
    RegistrationRole.VOLUNTEER: TransferCode.EARN_VOLUNTEER,
}


@dataclass
class ProgrammeFigures:
    proposals: int
    sessions: int
    voters: int
    dots: int
    top: list[tuple[str, int]]  # (proposal title, dots), most dots first
    outcomes: list[SessionOutcome] = field(default_factory=list)
    outcomes_listed: bool = False  # the grid is published: the sessions are listed
    outcomes_published_at: datetime.datetime | None = None

    def outcomes_rendered(self) -> list[tuple[SessionOutcome, str]]:
        """(session, its notes as sanitised HTML) for the page and the PDF."""
        return [(o, render_markdown(o.notes) if o.notes else "") for o in self.outcomes]


@dataclass
class EventReport:
    event: EventPage
    capacity: int | None
    registrations: int
    with_seat: int
    attended: int
    not_checked_in: int
    no_shows: int | None
    cancelled: int
    waiting: int
    ever_waited: int
    promotions: int
    walk_ins: int
    roles: list[tuple[str, int]]
    by_day: list[tuple[datetime.date, int, int]]        # (day, new, cumulative)
    checkins: list[tuple[datetime.datetime, int]]         # (start of bucket, people)
    credits_collected: int
    credits_on_hold: int
    rewards: list[tuple[str, int]]
    programme: ProgrammeFigures | None
    people: list[Registration] = field(default_factory=list)
    title: str = ""        # the event's title in the reader's language
    space_title: str = ""  # its space's, likewise ("" without a space)

    @property
    def rewards_paid(self) -> int:
        return sum(amount for _label, amount in self.rewards)

    @property
    def attendance_rate(self) -> float | None:
        """Checked in / with a seat, in per cent (None with nobody holding a seat)."""
        return round(100 * self.attended / self.with_seat, 1) if self.with_seat else None

    def summary(self) -> list[tuple[str, object]]:
        """(label, value) of every headline figure, in the order shown everywhere."""
        rows = [
            (_("Capacity"), self.capacity if self.capacity is not None else _("unlimited")),
            (_("Registrations"), self.registrations),
            (_("With a seat"), self.with_seat),
            (pgettext("event counts", "Checked in"), self.attended),
            (_("No-shows") if self.no_shows is not None else _("Not checked in yet"),
             self.no_shows if self.no_shows is not None else self.not_checked_in),
            (_("Attendance (%)"), self.attendance_rate if self.attendance_rate is not None
             else "—"),
            (_("Walk-ins"), self.walk_ins),
            (pgettext("registration counts", "Cancelled"), self.cancelled),
            (_("Waiting now"), self.waiting),
            (_("Ever on the waiting list"), self.ever_waited),
            (_("Promoted from the waiting list"), self.promotions),
            (_("Credits collected"), self.credits_collected),
            (_("Credits on hold"), self.credits_on_hold),
            (_("Rewards paid"), self.rewards_paid),
        ]
        return [(str(label), value) for label, value in rows]

    def tables(self) -> list[Table]:
        """The report as tables (CSV/XLSX), with the same numbers as the page."""
        event, tz = self.event, self.event.tz
        local = event.local_starts_at
        tables = [
            Table(_("Summary"), [_("Event"), _("Date"), _("Space")],
                  [[self.title, local.strftime("%Y-%m-%d %H:%M"), self.space_title]]),
            Table(_("Figures"), [_("Figure"), _("Value")], [list(r) for r in self.summary()]),
            Table(_("Roles"), [_("Role"), _("People")], [list(r) for r in self.roles]),
            Table(_("Registrations over time"), [_("Day"), _("New"), _("Total")],
                  [list(r) for r in self.by_day]),
            Table(_("Check-in times"), [_("From"), _("People")],
                  [[start.astimezone(tz).strftime("%H:%M"), n] for start, n in self.checkins]),
            Table(_("Rewards"), [_("Role"), _("Credits")], [list(r) for r in self.rewards]),
        ]
        if self.programme is not None:
            p = self.programme
            published = p.outcomes_published_at
            tables.append(Table(_("Sessions"), [_("Figure"), _("Value")], [
                [_("Proposals"), p.proposals], [_("Sessions"), p.sessions],
                [_("Voters"), p.voters], [_("Dots"), p.dots],
                [_("Outcomes published"), _local(published, tz) if published else _("no")]]))
            tables.append(Table(_("Most voted proposals"), [_("Proposal"), _("Dots")],
                                [list(r) for r in p.top]))
            if p.outcomes_listed:
                tables.append(outcomes_table(p, tz))
        tables.append(registrations_table(event, self.people))
        return tables


def _local(value: datetime.datetime | None, tz) -> datetime.datetime | None:
    return timezone.localtime(value, tz).replace(microsecond=0) if value else None


def registrations_table(event: EventPage, people: list[Registration]) -> Table:
    """The registrations as rows: event date, name, readable role and state, when they
    registered, got a seat and were checked in (the event's time zone), walk-in."""
    tz, date = event.tz, event.local_starts_at.date()
    return Table(_("Registrations"), [
        _("Event date"), _("Name"), _("Role"), _("State"), _("Registered"), _("Seat since"),
        _("Checked in"), _("Walk-in"), _("Waiting-list place")], [
        [date, r.person_name, r.get_role_display(), r.get_state_display(),
         _local(r.created_at, tz), _local(r.confirmed_at, tz), _local(r.attended_at, tz),
         _("yes") if r.walk_in else _("no"), r.waiting_list_place() or ""]
        for r in people])


def outcomes_table(programme: ProgrammeFigures, tz) -> Table:
    """The sessions' outcomes as rows (times in the event's zone; notes in Markdown, as
    written)."""
    return Table(_("Outcomes"), [
        _("Starts"), _("Ends"), _("Room"), _("Session"), _("Kind"), _("Hosts"), _("Dots"),
        _("Attendance"), _("Notes (Markdown)")], [
        [_local(o.starts_at, tz), _local(o.ends_at, tz), o.room, o.title, o.kind,
         ", ".join(o.hosts), o.votes, o.attendance, o.notes]
        for o in programme.outcomes])


def _by_day(people: list[Registration], tz) -> list[tuple[datetime.date, int, int]]:
    per_day = Counter(timezone.localtime(r.created_at, tz).date() for r in people)
    rows, total = [], 0
    for day in sorted(per_day):
        total += per_day[day]
        rows.append((day, per_day[day], total))
    return rows


def _checkin_buckets(people: list[Registration], tz) -> list[tuple[datetime.datetime, int]]:
    times = sorted(timezone.localtime(r.attended_at, tz) for r in people
                   if r.state == RegistrationState.ATTENDED and r.attended_at)
    if not times:
        return []
    minutes = CHECKIN_BUCKET.seconds // 60
    first = times[0].replace(minute=times[0].minute - times[0].minute % minutes,
                             second=0, microsecond=0)
    counts = Counter((t - first) // CHECKIN_BUCKET for t in times)
    return [(first + i * CHECKIN_BUCKET, counts.get(i, 0)) for i in range(max(counts) + 1)]


def _programme_figures(event: EventPage) -> ProgrammeFigures | None:
    programme = Programme.objects.filter(event=event).first()
    if programme is None:
        return None
    proposals = Proposal.objects.filter(programme=programme, state=ProposalState.SUBMITTED)
    top = list(proposals.annotate(dots=Count("votes")).filter(dots__gt=0)
               .order_by("-dots", "created_at", "pk").values_list("title", "dots")
               [:TOP_PROPOSALS])
    listed = programme.phase in OUTCOME_PHASES
    return ProgrammeFigures(
        proposals=proposals.count(),
        sessions=Session.objects.filter(programme=programme).count(),
        voters=Ballot.objects.filter(programme=programme, votes__isnull=False)
        .distinct().count(),
        dots=Vote.objects.filter(ballot__programme=programme).count(),
        top=top, outcomes=session_outcomes(programme) if listed else [],
        outcomes_listed=listed, outcomes_published_at=programme.outcomes_published_at)


def event_report(event: EventPage, *, now: datetime.datetime | None = None) -> EventReport:
    """Every figure of `event`'s report (see the module's definitions), read now."""
    now = now or timezone.now()
    tz = event.tz
    people = list(Registration.objects.filter(event=event)
                  .select_related("user", "user__profile")
                  .order_by("created_at", "pk"))
    states = Counter(r.state for r in people)
    seat = [r for r in people if r.state in SEAT_STATES]
    confirmed_only = states[RegistrationState.CONFIRMED]
    ended = event.ends_at <= now
    role_counts = Counter(r.role for r in seat)
    references = {registration_reference(r): r for r in people}
    ledger = reference_totals(references=list(references))
    collected = sum(codes.get(TransferCode.SPEND_EVENT, 0) for codes in ledger.values())
    rewards = []
    for role, code in REWARD_CODES.items():
        amount = sum(codes.get(code, 0) for codes in ledger.values())
        if amount:
            rewards.append((str(role.label), amount))
    is_unconference = event.format == EventFormat.UNCONFERENCE
    titles = titles_in_language([event.pk, *([event.space_id] if event.space_id else [])])
    return EventReport(
        title=titles.get(event.pk, event.title),
        space_title=titles.get(event.space_id, "") if event.space_id else "",
        event=event, capacity=event.capacity, registrations=len(people),
        with_seat=len(seat), attended=states[RegistrationState.ATTENDED],
        not_checked_in=confirmed_only, no_shows=confirmed_only if ended else None,
        cancelled=states[RegistrationState.CANCELLED],
        waiting=states[RegistrationState.WAITLISTED],
        ever_waited=sum(1 for r in people if r.waitlist_position is not None),
        promotions=sum(1 for r in people if r.waitlist_position is not None
                       and r.confirmed_at is not None),
        walk_ins=sum(1 for r in seat if r.walk_in),
        roles=[(str(role.label), role_counts[role]) for role in RegistrationRole
               if role_counts[role]],
        by_day=_by_day(people, tz), checkins=_checkin_buckets(people, tz),
        credits_collected=collected,
        credits_on_hold=reference_holds_open(references) if references else 0,
        rewards=rewards,
        programme=_programme_figures(event) if is_unconference else None,
        people=people)
