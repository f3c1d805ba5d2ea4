"""Factories for the programme tests: an unconference with participants, rooms and slots."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from events.models import EventFormat, EventPage, Registration, RegistrationState
from events.programme import services
from events.programme.models import Phase, Programme, Proposal, Room, Slot
from events.programme.services import ProposalData
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory


def participant(event: EventPage, **user_fields):
    """A member with a confirmed registration (written directly: seats are not the point)."""
    user = UserFactory(**user_fields)
    Registration.objects.create(event=event, user=user, state=RegistrationState.CONFIRMED,
                                confirmed_at=timezone.now())
    return user


@dataclass
class Unconference:
    event: EventPage
    programme: Programme
    organiser: object
    people: list = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    def propose(self, who, title: str = "A session", **fields) -> Proposal:
        return services.proposal_create(self.programme, actor=who,
                                        data=ProposalData(title=title, **fields))

    def set_phase(self, phase: str) -> None:
        services.programme_configure(self.programme, actor=self.organiser, phase=phase)
        self.programme.refresh_from_db()


def make_unconference(site_tree, *, people: int = 3, rooms: int = 2, slots: int = 2,
                      phase: str = Phase.PROPOSALS, room_capacity: int = 20,
                      equipment: tuple[str, ...] = (), space=None,
                      slot_minutes: int = 45, break_minutes: int = 15) -> Unconference:
    """A published unconference starting in a week at 09:00 Rome time with `rooms` rooms,
    `slots` consecutive slots and `people` confirmed participants."""
    space = space or space_in(site_tree, title=f"Cowo {Programme.objects.count() + 1}")
    organiser = make_organiser(space)
    day = (timezone.now() + dt.timedelta(days=7)).astimezone(dt.UTC).date()
    start = dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=dt.UTC)
    event = publish_event(space, starts_at=start, ends_at=start + dt.timedelta(hours=10),
                          format=EventFormat.UNCONFERENCE, title="Espresso day")
    programme = services.programme_ensure(event)
    u = Unconference(event=event, programme=programme, organiser=organiser)
    u.people = [participant(event) for _ in range(people)]
    for i in range(rooms):
        u.rooms.append(services.room_save(programme, actor=organiser, name=f"Room {i + 1}",
                                          capacity=room_capacity, equipment=equipment))
    at = start + dt.timedelta(minutes=30)
    for _ in range(slots):
        u.slots.append(services.slot_create(programme, actor=organiser, starts_at=at,
                                            ends_at=at + dt.timedelta(minutes=slot_minutes)))
        at += dt.timedelta(minutes=slot_minutes + break_minutes)
    u.set_phase(phase)
    return u
