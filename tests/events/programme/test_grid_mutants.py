"""events.programme.services.grid exactly (issue 14, the mutation run): each refusal's
sentence, the bounds of rooms, slots and attendance, what is stored (names folded, equipment
sorted, positions, pins, SEQUENCE bumps), and what deleting a room, a slot or a session takes
with it."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser

from events.models import EventPage
from events.programme import services
from events.programme.exceptions import (
    CellTaken,
    EquipmentMissing,
    HostDoubleBooked,
    InvalidGrid,
    InvalidProposal,
    NotAllowed,
    PhaseClosed,
    SessionPinned,
)
from events.programme.models import Cell, Equipment, Phase, Proposal, Room, Session, Slot
from tests.events.programme.factories import make_unconference

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3, rooms=2, slots=2)


@pytest.fixture
def bare(site_tree):
    """No rooms, no slots: the event runs 08:00-18:00 UTC."""
    return make_unconference(site_tree, people=2, rooms=0, slots=0)


def _cells() -> list[tuple[int, int, int]]:
    return sorted(Cell.objects.values_list("session__proposal_id", "room_id", "slot_id"))


# --- Rooms ---------------------------------------------------------------------------------

def test_a_room_is_stored_with_its_name_folded_and_its_equipment_sorted_once(bare):
    room = services.room_save(bare.programme, actor=bare.organiser, name="  Sala\n grande ",
                              capacity=1, equipment=["whiteboard", "projector", "projector"])
    stored = Room.objects.get(pk=room.pk)
    for obj in (room, stored):
        assert (obj.name, obj.capacity, obj.equipment, obj.position) == (
            "Sala grande", 1, ["projector", "whiteboard"], 0)


def test_every_kind_of_equipment_and_the_largest_capacity_are_accepted(bare):
    room = services.room_save(bare.programme, actor=bare.organiser, name="Hall",
                              capacity=100_000, equipment=list(Equipment.values))
    assert (room.capacity, room.equipment) == (100_000, sorted(Equipment.values))


@pytest.mark.parametrize("name", [None, "", " \n ", "x" * 81])
def test_a_room_without_a_name_or_with_a_long_one_is_refused_with_the_sentence(bare, name):
    with pytest.raises(InvalidGrid, match=r"^Give the room a name \(up to 80 characters\)\.$"):
        services.room_save(bare.programme, actor=bare.organiser, name=name, capacity=5)
    assert not Room.objects.exists()


def test_a_name_of_eighty_characters_is_accepted(bare):
    room = services.room_save(bare.programme, actor=bare.organiser, name="x" * 80, capacity=5)
    assert room.name == "x" * 80


@pytest.mark.parametrize("capacity", [0, 100_001, True, 5.0])
def test_a_capacity_out_of_bounds_is_refused_with_the_bounds(bare, capacity):
    with pytest.raises(InvalidGrid, match=r"^A room holds between 1 and 100000 people\.$"):
        services.room_save(bare.programme, actor=bare.organiser, name="Hall",
                           capacity=capacity)
    assert not Room.objects.exists()


def test_unknown_equipment_is_refused_by_name(bare):
    with pytest.raises(InvalidGrid, match=r"^Unknown equipment\.$"):
        services.room_save(bare.programme, actor=bare.organiser, name="Hall", capacity=5,
                           equipment=["projector", "laser"])
    assert not Room.objects.exists()


def test_new_rooms_go_last_and_names_are_unique_per_programme_whatever_the_case(site_tree, u):
    annex = services.room_save(u.programme, actor=u.organiser, name="Annex", capacity=5)
    assert [r.position for r in u.rooms] + [annex.position] == [0, 1, 2]
    with pytest.raises(InvalidGrid, match=r"^There is already a room with this name\.$"):
        services.room_save(u.programme, actor=u.organiser, name="ROOM 1", capacity=5)
    other = make_unconference(site_tree, people=0, rooms=0, slots=0)
    elsewhere = services.room_save(other.programme, actor=other.organiser, name="Room 1",
                                   capacity=5)
    assert (elsewhere.name, elsewhere.position) == ("Room 1", 0)
    assert Room.objects.filter(programme=u.programme).count() == 3


def test_changing_a_room_keeps_its_place_and_may_change_the_case_of_its_own_name(u):
    room = services.room_save(u.programme, actor=u.organiser, name="ROOM 1", capacity=9,
                              equipment=["quiet"], room=u.rooms[0])
    stored = Room.objects.get(pk=u.rooms[0].pk)
    for obj in (room, stored):
        assert (obj.pk, obj.name, obj.capacity, obj.equipment, obj.position) == (
            u.rooms[0].pk, "ROOM 1", 9, ["quiet"], 0)
    with pytest.raises(InvalidGrid, match=r"^There is already a room with this name\.$"):
        services.room_save(u.programme, actor=u.organiser, name="room 2", capacity=9,
                           room=u.rooms[0])


def test_a_room_of_another_programme_is_not_changed_through_this_one(site_tree, u):
    other = make_unconference(site_tree, people=0, rooms=1, slots=0)
    with pytest.raises(Room.DoesNotExist):
        services.room_save(u.programme, actor=u.organiser, name="Taken", capacity=5,
                           room=other.rooms[0])
    assert Room.objects.get(pk=other.rooms[0].pk).name == "Room 1"


def test_a_room_losing_what_a_session_needs_names_the_session_and_stays(site_tree):
    u = make_unconference(site_tree, people=1, rooms=1, slots=1,
                          equipment=(Equipment.PROJECTOR, Equipment.QUIET))
    proposal = u.propose(u.people[0], "Slides", needs=[Equipment.PROJECTOR])
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(EquipmentMissing, match=r"^“Slides” needs what the room would lose\.$"):
        services.room_save(u.programme, actor=u.organiser, name="Room 1", capacity=20,
                           equipment=[Equipment.QUIET], room=u.rooms[0])
    assert Room.objects.get(pk=u.rooms[0].pk).equipment == ["projector", "quiet"]
    kept = services.room_save(u.programme, actor=u.organiser, name="Room 1", capacity=20,
                              equipment=[Equipment.PROJECTOR], room=u.rooms[0])
    assert kept.equipment == ["projector"]


def test_only_organisers_change_rooms_and_not_in_the_archive(u):
    with pytest.raises(NotAllowed):
        services.room_save(u.programme, actor=u.people[0], name="Mine", capacity=5)
    with pytest.raises(NotAllowed):
        services.room_delete(u.rooms[0], actor=u.people[0])
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed, match=r"^This is not possible in the programme's current "
                                          r"phase\.$"):
        services.room_save(u.programme, actor=u.organiser, name="Late", capacity=5)
    with pytest.raises(PhaseClosed):
        services.room_delete(u.rooms[0], actor=u.organiser)
    assert Room.objects.filter(programme=u.programme).count() == 2


def test_deleting_a_room_takes_only_its_own_sessions(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    services.room_delete(u.rooms[0], actor=u.organiser)
    assert list(Room.objects.filter(programme=u.programme)) == [u.rooms[1]]
    assert _cells() == [(b.pk, u.rooms[1].pk, u.slots[0].pk)]


# --- Slots ---------------------------------------------------------------------------------

def _slot(x, start, minutes):
    return services.slot_create(x.programme, actor=x.organiser, starts_at=start,
                                ends_at=start + dt.timedelta(minutes=minutes))


def test_a_slot_of_exactly_eight_hours_from_the_events_start_is_accepted(bare):
    start = bare.event.starts_at
    slot = _slot(bare, start, 8 * 60)
    stored = Slot.objects.get(pk=slot.pk)
    assert (stored.programme_id, stored.starts_at, stored.ends_at) == (
        bare.programme.pk, start, start + dt.timedelta(hours=8))
    # and one ending exactly when the event ends, right after it
    last = _slot(bare, bare.event.ends_at - dt.timedelta(hours=2), 120)
    assert last.ends_at == bare.event.ends_at


@pytest.mark.parametrize("offset, minutes, message", [
    (60, 8 * 60 + 1, r"^A slot lasts at most 8 hours\.$"),
    (60, 0, r"^A slot must end after it starts\.$"),
    (60, -30, r"^A slot must end after it starts\.$"),
    (-1, 30, r"^Slots must lie within the event's times\.$"),
    (9 * 60 + 31, 30, r"^Slots must lie within the event's times\.$"),
])
def test_each_bad_slot_is_refused_with_its_sentence(bare, offset, minutes, message):
    with pytest.raises(InvalidGrid, match=message):
        _slot(bare, bare.event.starts_at + dt.timedelta(minutes=offset), minutes)
    assert not Slot.objects.exists()


@pytest.mark.parametrize("naive", ["starts", "ends"])
def test_a_slot_with_either_time_naive_is_refused_with_the_sentence(bare, naive):
    start = bare.event.starts_at + dt.timedelta(hours=1)
    end = start + dt.timedelta(hours=1)
    times = {"starts_at": start, "ends_at": end}
    times[f"{naive}_at"] = times[f"{naive}_at"].replace(tzinfo=None)
    with pytest.raises(InvalidGrid, match=r"^Give times with their time zone\.$"):
        services.slot_create(bare.programme, actor=bare.organiser, **times)
    assert not Slot.objects.exists()


def test_slots_may_touch_but_not_overlap_and_other_programmes_do_not_count(site_tree, bare):
    nine = bare.event.starts_at + dt.timedelta(hours=1)
    _slot(bare, nine, 60)
    other = make_unconference(site_tree, people=0, rooms=0, slots=0)
    _slot(other, other.event.starts_at + dt.timedelta(minutes=90), 60)
    before = _slot(bare, nine - dt.timedelta(minutes=30), 30)
    after = _slot(bare, nine + dt.timedelta(hours=1), 30)
    assert (before.ends_at, after.starts_at) == (nine, nine + dt.timedelta(hours=1))
    for start, minutes in ((nine + dt.timedelta(minutes=59), 60), (nine - dt.timedelta(
            minutes=31), 2), (nine - dt.timedelta(minutes=60), 180)):
        with pytest.raises(InvalidGrid, match=r"^This slot overlaps another one\.$"):
            _slot(bare, start, minutes)
    assert Slot.objects.filter(programme=bare.programme).count() == 3


def test_only_organisers_delete_slots_and_nobody_changes_them_in_the_archive(u):
    with pytest.raises(NotAllowed):
        services.slot_delete(u.slots[0], actor=u.people[0])
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed):
        _slot(u, u.event.starts_at + dt.timedelta(hours=5), 30)
    with pytest.raises(PhaseClosed):
        services.slot_delete(u.slots[0], actor=u.organiser)
    assert Slot.objects.filter(programme=u.programme).count() == 2


def test_only_organisers_create_slots(u):
    with pytest.raises(NotAllowed):
        services.slot_create(u.programme, actor=u.people[0],
                             starts_at=u.event.starts_at + dt.timedelta(hours=5),
                             ends_at=u.event.starts_at + dt.timedelta(hours=6))
    assert Slot.objects.filter(programme=u.programme).count() == 2


def test_deleting_a_slot_takes_every_session_covering_it_and_no_other(u):
    two = u.propose(u.people[0], "Workshop", length=2)
    one = u.propose(u.people[1], "Talk")
    services.session_place(two, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(one, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    services.slot_delete(u.slots[1], actor=u.organiser)
    assert list(Slot.objects.filter(programme=u.programme)) == [u.slots[0]]
    assert _cells() == [(one.pk, u.rooms[1].pk, u.slots[0].pk)]
    assert list(Session.objects.values_list("proposal_id", flat=True)) == [one.pk]


def test_slot_runs_pair_the_slots_of_one_local_day_in_the_given_zone(bare):
    def slots(*hours_utc):
        day = dt.datetime(2031, 1, 10, tzinfo=UTC)
        return [Slot(pk=i + 1, starts_at=day + dt.timedelta(hours=h))
                for i, h in enumerate(hours_utc)]

    # 22:00 and 25:00 UTC are 17:00 and 20:00 in New York (one day there, two in UTC/Rome)
    evening = slots(22, 25)
    assert services.slot_runs(evening, NEW_YORK) == {1: evening}
    assert services.slot_runs(evening, UTC) == {}
    # 03:30 and 05:30 UTC: 22:30 and 00:30 in New York, one day in UTC and Rome
    night = slots(3.5, 5.5)
    assert services.slot_runs(night, NEW_YORK) == {}
    assert services.slot_runs(night, UTC) == {1: night}
    three = slots(9, 10, 11)
    assert services.slot_runs(three, UTC) == {1: three[:2], 2: three[1:]}


# --- Placing and moving --------------------------------------------------------------------

def test_a_slot_or_room_of_another_event_is_refused_with_its_sentence(site_tree, u):
    other = make_unconference(site_tree, people=0, rooms=1, slots=1)
    proposal = u.propose(u.people[0], "A")
    with pytest.raises(InvalidGrid, match=r"^This slot belongs to another event\.$"):
        services.session_place(proposal, room=u.rooms[0], slot=other.slots[0],
                               actor=u.organiser)
    with pytest.raises(InvalidGrid, match=r"^This room belongs to another event\.$"):
        services.session_place(proposal, room=other.rooms[0], slot=u.slots[0],
                               actor=u.organiser)
    assert not Session.objects.exists()


def test_a_two_slot_session_in_the_last_slot_is_refused_with_the_sentence(u):
    long = u.propose(u.people[0], "Workshop", length=2)
    with pytest.raises(InvalidGrid,
                       match=r"^A two-slot session needs the next slot of the same day\.$"):
        services.session_place(long, room=u.rooms[0], slot=u.slots[1], actor=u.organiser)
    short = u.propose(u.people[1], "Talk")
    placed = services.session_place(short, room=u.rooms[0], slot=u.slots[1], actor=u.organiser)
    assert (placed.first_slot_id, placed.last_slot_id) == (u.slots[1].pk, u.slots[1].pk)


def test_a_withdrawn_proposal_is_not_placed(u):
    proposal = u.propose(u.people[0], "A")
    services.proposal_withdraw(proposal, actor=u.people[0])
    with pytest.raises(InvalidProposal, match=r"^This proposal was withdrawn or merged\.$"):
        services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    assert not Session.objects.exists()


def test_each_grid_refusal_without_a_sentence_of_its_own_says_the_default(site_tree):
    u = make_unconference(site_tree, people=2, rooms=2, slots=1)
    a = u.propose(u.people[0], "A")
    b = u.propose(u.people[1], "B", co_hosts=(u.people[0],))
    slides = u.propose(u.people[1], "Slides", needs=[Equipment.PROJECTOR])
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(CellTaken, match=r"^Another session is already in this room at this "
                                        r"time\.$"):
        services.session_place(b, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(HostDoubleBooked, match=r"^A host of this session is in another "
                                               r"session at the same time\.$"):
        services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(EquipmentMissing, match=r"^The room lacks what this session needs\.$"):
        services.session_place(slides, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    assert _cells() == [(a.pk, u.rooms[0].pk, u.slots[0].pk)]


def test_a_proposal_whose_hosts_are_gone_can_still_be_placed(u):
    proposal = u.propose(u.people[0], "Orphan")
    proposal.hosts.clear()
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    assert _cells() == [(proposal.pk, u.rooms[0].pk, u.slots[0].pk)]
    assert session.sequence == 0


def test_a_session_moves_to_another_room_in_its_own_slot(u):
    proposal = u.propose(u.people[0], "A")
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    moved = services.session_place(proposal, room=u.rooms[1], slot=u.slots[0],
                                   actor=u.organiser)
    assert (moved.room_id, moved.first_slot_id, moved.sequence) == (
        u.rooms[1].pk, u.slots[0].pk, 1)
    assert _cells() == [(proposal.pk, u.rooms[1].pk, u.slots[0].pk)]


def test_every_kind_of_move_bumps_the_sequence_once_and_staying_put_does_not(u):
    proposal = u.propose(u.people[0], "A")
    first = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                   actor=u.organiser)
    assert (first.sequence, first.pinned, first.starts_at, first.ends_at) == (
        0, False, u.slots[0].starts_at, u.slots[0].ends_at)
    in_time = services.session_place(proposal, room=u.rooms[0], slot=u.slots[1],
                                     actor=u.organiser)
    assert (in_time.sequence, in_time.starts_at, in_time.ends_at) == (
        1, u.slots[1].starts_at, u.slots[1].ends_at)
    back = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                  actor=u.organiser)
    Proposal.objects.filter(pk=proposal.pk).update(length=2)  # an edit made it longer
    longer = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                    actor=u.organiser)
    assert (back.sequence, longer.sequence, longer.last_slot_id, longer.ends_at) == (
        2, 3, u.slots[1].pk, u.slots[1].ends_at)
    assert _cells() == [(proposal.pk, u.rooms[0].pk, u.slots[0].pk),
                        (proposal.pk, u.rooms[0].pk, u.slots[1].pk)]
    same = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                  actor=u.organiser)
    assert (same.pk, same.sequence) == (first.pk, 3)
    assert Session.objects.get().sequence == 3


def test_a_pinned_session_stays_put_unless_the_pin_is_given(u):
    proposal = u.propose(u.people[0], "A")
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser,
                           pinned=True)
    for room, slot in ((u.rooms[1], u.slots[0]), (u.rooms[0], u.slots[1])):
        with pytest.raises(SessionPinned, match=r"^This session is pinned: unpin it before "
                                                r"moving it\.$"):
            services.session_place(proposal, room=room, slot=slot, actor=u.organiser)
    again = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                   actor=u.organiser)
    assert (again.pinned, again.sequence) == (True, 0)
    moved = services.session_place(proposal, room=u.rooms[1], slot=u.slots[1],
                                   actor=u.organiser, pinned=False)
    assert (moved.pinned, moved.room_id, moved.first_slot_id) == (
        False, u.rooms[1].pk, u.slots[1].pk)
    free = services.session_place(proposal, room=u.rooms[0], slot=u.slots[1],
                                  actor=u.organiser)
    assert (free.pinned, free.room_id) == (False, u.rooms[0].pk)


def test_placing_is_for_organisers_and_not_in_the_archive(u):
    proposal = u.propose(u.people[0], "A")
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed):
        services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    assert not Session.objects.exists()


# --- Sessions ------------------------------------------------------------------------------

def test_unplacing_takes_out_that_session_only_and_only_for_organisers(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    session = services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(NotAllowed):
        services.session_unplace(session, actor=u.people[0])
    services.session_unplace(session, actor=u.organiser)
    assert _cells() == [(b.pk, u.rooms[1].pk, u.slots[0].pk)]
    assert Proposal.objects.filter(pk=a.pk).exists()


def test_unplacing_is_refused_in_the_archive(u):
    session = services.session_place(u.propose(u.people[0], "A"), room=u.rooms[0],
                                     slot=u.slots[0], actor=u.organiser)
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed):
        services.session_unplace(session, actor=u.organiser)
    assert Session.objects.count() == 1


def test_pinning_and_unpinning_store_a_boolean_for_organisers_only(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    session = services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    other = services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(NotAllowed):
        services.session_set_pinned(session, True, actor=u.people[0])
    pinned = services.session_set_pinned(session, 1, actor=u.organiser)
    assert (pinned.pk, pinned.pinned) == (session.pk, True)
    assert Session.objects.get(pk=other.pk).pinned is False
    assert services.session_set_pinned(session, 0, actor=u.organiser).pinned is False
    assert Session.objects.get(pk=session.pk).pinned is False


def test_attendance_is_recorded_by_hosts_and_organisers_within_bounds(u):
    proposal = u.propose(u.people[0], "A")
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    for nobody in (u.people[1], AnonymousUser(), None):
        with pytest.raises(NotAllowed, match=r"^You are not allowed to do this\.$"):
            services.session_set_attendance(session, 5, actor=nobody)
    for bad in (-1, 100_001, True, "5", 5.0):
        with pytest.raises(InvalidGrid,
                           match=r"^Give a number of people between 0 and 100000\.$"):
            services.session_set_attendance(session, bad, actor=u.organiser)
    assert Session.objects.get().attendance is None
    assert services.session_set_attendance(session, 0, actor=u.people[0]).attendance == 0
    assert services.session_set_attendance(session, 100_000,
                                           actor=u.organiser).attendance == 100_000
    assert Session.objects.get().attendance == 100_000
    assert services.session_set_attendance(session, None, actor=u.organiser).attendance is None
    assert Session.objects.get().attendance is None


def test_a_two_slot_session_takes_the_next_slot_in_time_not_the_next_created(bare):
    nine = bare.event.starts_at + dt.timedelta(hours=1)
    first = _slot(bare, nine, 45)
    _slot(bare, nine + dt.timedelta(hours=2), 45)  # created second, last in time
    second = _slot(bare, nine + dt.timedelta(hours=1), 45)
    room = services.room_save(bare.programme, actor=bare.organiser, name="Hall", capacity=9)
    long = bare.propose(bare.people[0], "Workshop", length=2)
    session = services.session_place(long, room=room, slot=first, actor=bare.organiser)
    assert (session.first_slot_id, session.last_slot_id) == (first.pk, second.pk)
    assert _cells() == [(long.pk, room.pk, first.pk), (long.pk, room.pk, second.pk)]


def test_the_same_day_for_a_two_slot_session_is_the_events_day_in_its_zone(bare):
    # 10:00 and 11:00 UTC are 23:00 and 00:00 in Auckland: two days there, one in Rome
    EventPage.objects.filter(pk=bare.event.pk).update(time_zone="Pacific/Auckland")
    first = _slot(bare, bare.event.starts_at + dt.timedelta(hours=2), 45)
    _slot(bare, bare.event.starts_at + dt.timedelta(hours=3), 45)
    room = services.room_save(bare.programme, actor=bare.organiser, name="Hall", capacity=9)
    long = bare.propose(bare.people[0], "Workshop", length=2)
    with pytest.raises(InvalidGrid,
                       match=r"^A two-slot session needs the next slot of the same day\.$"):
        services.session_place(long, room=room, slot=first, actor=bare.organiser)
    assert not Session.objects.exists()
