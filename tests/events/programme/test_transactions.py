"""Each programme service that locks a row runs in its own transaction (issue 14, the
mutation run): called outside any transaction on PostgreSQL, a service without its
`transaction.atomic` would take its row lock in autocommit, which Django refuses
(TransactionManagementError). The plain `db` tests run inside the test's transaction and
cannot notice."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from events.models import Registration, RegistrationRole
from events.programme import services
from events.programme.models import Cell, NoteRevision, Phase, Programme, Room, Session, Slot
from tests.events.programme.factories import make_unconference

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_every_locking_programme_service_runs_in_its_own_transaction(site_tree):
    u = make_unconference(site_tree, people=2, rooms=1, slots=2)
    organiser, programme = u.organiser, u.programme
    assert connection.get_autocommit()  # no transaction around the calls below

    services.programme_configure(programme, actor=organiser, dots_per_participant=4)
    Programme.objects.filter(pk=programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))
    caught_up = services.programme_phase_catch_up(Programme.objects.get(pk=programme.pk))
    assert (caught_up.phase, caught_up.dots_per_participant) == (Phase.VOTING, 4)

    room = services.room_save(programme, actor=organiser, name="Annex", capacity=5)
    room = services.room_save(programme, actor=organiser, name="Annex B", capacity=6, room=room)
    assert (room.name, room.capacity) == ("Annex B", 6)
    services.room_delete(room, actor=organiser)
    noon = u.event.starts_at + dt.timedelta(hours=4)
    slot = services.slot_create(programme, actor=organiser, starts_at=noon,
                                ends_at=noon + dt.timedelta(minutes=30))
    services.slot_delete(slot, actor=organiser)
    assert Room.objects.filter(programme=programme).count() == 1
    assert Slot.objects.filter(programme=programme).count() == 2

    proposal = u.propose(u.people[0], "Coffee")
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=organiser)
    assert services.session_set_pinned(session, True, actor=organiser).pinned is True
    assert services.session_set_attendance(session, 7, actor=organiser).attendance == 7

    u.set_phase(Phase.RUNNING)
    note = services.note_save(session, "Notes", actor=organiser)
    assert list(NoteRevision.objects.values_list("pk", "body")) == [(note.pk, "Notes")]
    [host] = services.hosts_make_registration_hosts(programme, actor=organiser)
    assert (host.user_id, host.role) == (u.people[0].pk, RegistrationRole.HOST)
    assert Registration.objects.get(pk=host.pk).role == RegistrationRole.HOST
    services.session_unplace(session, actor=organiser)
    assert not Session.objects.exists() and not Cell.objects.exists()

    u.set_phase(Phase.ARCHIVED)
    published = services.outcomes_publish(programme, actor=organiser)
    assert published.outcomes_published_at is not None
    assert Programme.objects.get(pk=programme.pk).outcomes_published_at \
        == published.outcomes_published_at
