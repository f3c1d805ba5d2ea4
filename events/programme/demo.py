"""Demo programmes, made through the services like a real day (no shortcut, no mock):

- the 2017 Racale non-conference: proposals by its participants, dots, a grid filled by the
  scheduler, notes taken while it ran, attendance, archived with its outcomes published;
- the first upcoming demo unconference: rooms and slots ready, proposals in, voting open,
  and the demo member (member@espresso.example) registered with dots left to place.

Idempotent: a programme that already has proposals is left as it is.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from events import services as event_services
from events.models import SEAT_STATES, EventFormat, EventPage, Registration, RegistrationState

from . import services
from .models import Equipment, Phase, Programme, ProposalKind
from .services import ProposalData

RACALE_2017_SLUG = "espresso-coworking-2017-racale"
DEMO_MEMBER_EMAIL = "member@espresso.example"
COORDINATOR_EMAIL = "coordinator@espresso.example"

RACALE_ROOMS = [("Sala grande", 60, [Equipment.PROJECTOR, Equipment.WHITEBOARD]),
                ("Aula 2", 25, [Equipment.WHITEBOARD]), ("Giardino", 30, []),
                ("Biblioteca", 12, [Equipment.QUIET])]
# (day, start, end) in Rome time: the "Sessioni" rounds of the event's own agenda.
RACALE_SLOTS = [(22, "11:30", "12:45"), (22, "14:30", "15:45"), (22, "16:00", "17:15"),
                (23, "10:30", "11:45"), (23, "12:00", "13:15")]
RACALE_PROPOSALS = [
    ("Come si prezza un posto al giorno?", ProposalKind.DISCUSSION, 1, []),
    ("Coworking nei piccoli comuni: il caso Salento", ProposalKind.TALK, 1,
     [Equipment.PROJECTOR]),
    ("Facilitare una community: strumenti e rituali", ProposalKind.WORKSHOP, 2,
     [Equipment.WHITEBOARD]),
    ("Contratti e assicurazioni per chi gestisce uno spazio", ProposalKind.DISCUSSION, 1, []),
    ("CoPass: crediti validi in tutta la rete", ProposalKind.DEMO, 1, [Equipment.PROJECTOR]),
    ("Genitori in coworking: lo spazio bimbi", ProposalKind.DISCUSSION, 1, []),
    ("FabLab e coworking sotto lo stesso tetto", ProposalKind.TALK, 1, []),
    ("Raccontare lo spazio sui social senza budget", ProposalKind.WORKSHOP, 1, []),
    ("Lavoro da remoto e ritorno al sud", ProposalKind.DISCUSSION, 1, []),
    ("Meditazione per chi lavora da solo", ProposalKind.OTHER, 1, [Equipment.QUIET]),
    ("Bandi pubblici per gli spazi condivisi", ProposalKind.TALK, 1, [Equipment.PROJECTOR]),
    ("La prossima Espresso: chi ospita?", ProposalKind.DISCUSSION, 1, []),
]
RACALE_NOTES = [
    "# Punti chiave\n\n- Il prezzo del giorno singolo copre il caffè e la rete, non la "
    "scrivania.\n- Meglio pacchetti da 5 o 10 giorni che sconti improvvisati.\n\n"
    "## Prossimi passi\n\n- Condividere i listini tra gli spazi della rete.\n",
    "# Punti chiave\n\n- Nei comuni sotto i 10.000 abitanti lo spazio è anche un presidio "
    "sociale.\n- Il comune può dare i locali, la comunità li riempie.\n",
    "# Strumenti\n\n1. Colazione del lunedì\n2. Bacheca delle competenze\n3. Un referente per "
    "ogni nuovo arrivato\n\n**Domanda aperta:** come si misura la comunità?\n",
]

UPCOMING_PROPOSALS = [
    ("Ten minutes of lightning talks", ProposalKind.TALK, 1, [Equipment.PROJECTOR]),
    ("Open-source tools for running a space", ProposalKind.DEMO, 1, [Equipment.PROJECTOR]),
    ("Pair programming clinic", ProposalKind.WORKSHOP, 2, []),
    ("Accessibility checks in an afternoon", ProposalKind.WORKSHOP, 1, []),
    ("What should the network build next?", ProposalKind.DISCUSSION, 1,
     [Equipment.WHITEBOARD]),
    ("Quiet hour: writing documentation", ProposalKind.OTHER, 1, [Equipment.QUIET]),
]


@dataclass
class ProgrammeDemo:
    programmes: int = 0
    proposals: int = 0
    votes: int = 0
    sessions: int = 0


def _participants(event: EventPage) -> list:
    return list(get_user_model().objects.filter(
        registrations__event=event, is_active=True,
        registrations__state__in=SEAT_STATES)
        .order_by("email").distinct())


def _slot_times(event: EventPage, day: dt.date, start: str, end: str):
    tz = zoneinfo.ZoneInfo(event.time_zone_name)
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return (dt.datetime.combine(day, dt.time(h1, m1), tzinfo=tz),
            dt.datetime.combine(day, dt.time(h2, m2), tzinfo=tz))


def _propose_and_vote(programme: Programme, people: list, items: list, demo: ProgrammeDemo,
                      *, skip_voter=None) -> list:
    proposals = []
    for index, (title, kind, length, needs) in enumerate(items):
        host = people[index % len(people)]
        co_hosts = (people[(index + 5) % len(people)],) if index % 4 == 2 else ()
        proposals.append(services.proposal_create(programme, actor=host, data=ProposalData(
            title=title, kind=kind, length=length, needs=tuple(needs),
            language=programme.event.language, co_hosts=co_hosts,
            description="")))
    demo.proposals += len(proposals)
    services.programme_configure(programme, actor=_organiser(programme), phase=Phase.VOTING)
    programme.refresh_from_db()
    for voter_index, voter in enumerate(people):
        if voter == skip_voter:
            continue
        # Skewed interest, deterministic: some sessions are clearly wanted, a few not at all.
        picks = {(voter_index * k) % len(proposals) for k in (1, 2, 3)}
        picks |= {0} if voter_index % 3 == 0 else set()
        for pick in sorted(picks)[:programme.dots_per_participant]:
            services.vote_cast(proposals[pick], actor=voter)
            demo.votes += 1
    return proposals


def _organiser(programme: Programme):
    user_model = get_user_model()
    return (user_model.objects.filter(email__iexact=COORDINATOR_EMAIL).first()
            or user_model.objects.filter(is_superuser=True).order_by("pk").first())


def _racale(event: EventPage, demo: ProgrammeDemo) -> None:
    programme = services.programme_ensure(event)
    if programme.proposals.exists():
        return
    organiser = _organiser(programme)
    people = _participants(event)
    if organiser is None or len(people) < 4:
        return
    demo.programmes += 1
    for name, capacity, equipment in RACALE_ROOMS:
        services.room_save(programme, actor=organiser, name=name, capacity=capacity,
                           equipment=equipment)
    first_day = timezone.localtime(event.starts_at, event.tz).date()
    for day, start, end in RACALE_SLOTS:
        starts, ends = _slot_times(event, first_day.replace(day=day), start, end)
        services.slot_create(programme, actor=organiser, starts_at=starts, ends_at=ends)
    services.programme_configure(programme, actor=organiser, phase=Phase.PROPOSALS)
    programme.refresh_from_db()
    proposals = _propose_and_vote(programme, people, RACALE_PROPOSALS, demo)
    programme.refresh_from_db()
    # "Who hosts the next Espresso?" is pinned to the big room's last slot, as the
    # facilitators did on the wall; the scheduler places everything else around it.
    slots = services.slots_in_order(programme)
    rooms = list(programme.rooms.all())
    pinned = services.session_place(proposals[-1], room=rooms[0], slot=slots[-1],
                                    actor=organiser, pinned=True)
    result = services.programme_schedule(programme, actor=organiser, time_limit=5)
    demo.sessions += result.placed
    services.programme_configure(programme, actor=organiser, phase=Phase.RUNNING)
    programme.refresh_from_db()
    sessions = list(programme.sessions.select_related("proposal").order_by("starts_at", "pk"))
    for index, session in enumerate(sessions):
        session.programme = programme
        if index < len(RACALE_NOTES):
            host = session.proposal.hosts.order_by("pk").first()
            services.note_save(session, RACALE_NOTES[index], actor=host)
        services.session_set_attendance(session, 8 + (index * 5) % 23, actor=organiser)
    services.note_save(pinned, "Tre spazi si candidano per il 2018: Bari, Trento, Torino.",
                       actor=organiser)
    services.programme_configure(programme, actor=organiser, phase=Phase.ARCHIVED)
    programme.refresh_from_db()
    services.hosts_make_registration_hosts(programme, actor=organiser)
    services.outcomes_publish(programme, actor=organiser)


def _upcoming(event: EventPage, demo: ProgrammeDemo) -> None:
    programme = services.programme_ensure(event)
    if programme.proposals.exists():
        return
    organiser = _organiser(programme)
    if organiser is None:
        return
    member = get_user_model().objects.filter(email__iexact=DEMO_MEMBER_EMAIL).first()
    if member is not None and not Registration.objects.filter(
            event=event, user=member, state=RegistrationState.CONFIRMED).exists():
        event_services.registration_create(event, user=member, actor=organiser)
    people = [p for p in _participants(event) if p != member]
    if len(people) < 3:
        return
    demo.programmes += 1
    for name, capacity, equipment in [("Main room", 40, [Equipment.PROJECTOR]),
                                      ("Lab", 16, [Equipment.WHITEBOARD]),
                                      ("Library", 10, [Equipment.QUIET])]:
        services.room_save(programme, actor=organiser, name=name, capacity=capacity,
                           equipment=equipment)
    local_start = timezone.localtime(event.starts_at, event.tz)
    at = local_start + dt.timedelta(minutes=60)
    while at + dt.timedelta(minutes=45) <= timezone.localtime(event.ends_at, event.tz) \
            and len(services.slots_in_order(programme)) < 5:
        services.slot_create(programme, actor=organiser, starts_at=at,
                             ends_at=at + dt.timedelta(minutes=45))
        at += dt.timedelta(minutes=60)
    services.programme_configure(programme, actor=organiser, phase=Phase.PROPOSALS)
    programme.refresh_from_db()
    _propose_and_vote(programme, people, UPCOMING_PROPOSALS, demo, skip_voter=member)


@transaction.atomic
def load_programme_demo() -> ProgrammeDemo:
    """Build the demo programmes (see the module's docstring). Needs the events demo."""
    demo = ProgrammeDemo()
    racale = EventPage.objects.filter(slug=RACALE_2017_SLUG).first()
    if racale is not None:
        _racale(racale, demo)
    upcoming = (EventPage.objects.live().filter(format=EventFormat.UNCONFERENCE,
                                                 starts_at__gt=timezone.now())
                .exclude(status="cancelled").order_by("starts_at").first())
    if upcoming is not None:
        _upcoming(upcoming, demo)
    return demo
