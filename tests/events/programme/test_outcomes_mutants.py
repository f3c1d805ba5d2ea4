"""events.programme.services.outcomes exactly (issue 14, the mutation run): who may write
notes in which phase, what a note stores (line ends, bounds, control characters, author),
publishing and hiding the outcomes, whose sessions took place, and the hosts' role and reward
(what is locked, who is paid as whom, the refusal's sentence)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits.selectors import transfers_for_reference
from events import payments
from events.models import EventPage, Registration, RegistrationRole, RegistrationState
from events.programme import services
from events.programme.exceptions import (
    InvalidProposal,
    NotAllowed,
    NotesConflict,
    PhaseClosed,
    RewardNotPaid,
)
from events.programme.models import NoteRevision, Phase, Programme
from tests.events.programme.factories import make_unconference
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3, rooms=2, slots=2)


def _place(u, who, title, room=0, slot=0, **fields):
    proposal = u.propose(who, title, **fields)
    return services.session_place(proposal, room=u.rooms[room], slot=u.slots[slot],
                                  actor=u.organiser)


def _role(u, person) -> str:
    return Registration.objects.get(event=u.event, user=person).role


# --- Notes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("phase, organiser, others", [
    (Phase.CLOSED, False, False), (Phase.PROPOSALS, False, False),
    (Phase.VOTING, False, False), (Phase.SCHEDULED, True, False),
    (Phase.RUNNING, True, True), (Phase.ARCHIVED, True, False)])
def test_who_may_edit_notes_in_each_phase(u, phase, organiser, others):
    session = _place(u, u.people[0], "A")
    # a host who no longer holds a seat is still a host of the session
    Registration.objects.filter(user=u.people[0]).update(state=RegistrationState.CANCELLED)
    u.set_phase(phase)
    session.programme.refresh_from_db()
    assert services.user_may_edit_notes(session, u.organiser) is organiser
    assert services.user_may_edit_notes(session, u.people[0]) is others
    assert services.user_may_edit_notes(session, u.people[1]) is others
    for nobody in (UserFactory(), AnonymousUser(), None):
        assert services.user_may_edit_notes(session, nobody) is False


def test_a_participant_too_early_is_told_when_notes_are_written(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed, match=r"^Notes are written while the programme runs\.$"):
        services.note_save(session, "early", actor=u.people[1])
    with pytest.raises(NotAllowed, match=r"^You are not allowed to do this\.$"):
        services.note_save(session, "spam", actor=UserFactory())
    assert not NoteRevision.objects.exists()


def test_a_note_is_stored_with_unix_line_ends_and_its_author(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    note = services.note_save(session, "a\r\nb\rc\n\td  e", actor=u.people[1])
    stored = NoteRevision.objects.get()
    for obj in (note, stored):
        assert (obj.session_id, obj.body, obj.author_id) == (
            session.pk, "a\nb\nc\n\td  e", u.people[1].pk)


def test_empty_notes_are_a_version_too(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    services.note_save(session, "text", actor=u.organiser)
    empty = services.note_save(session, None, actor=u.organiser)
    assert empty.body == ""
    assert list(NoteRevision.objects.values_list("body", flat=True)) == ["", "text"]


def test_notes_of_the_limit_are_kept_and_longer_ones_are_refused_with_the_limit(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    with pytest.raises(InvalidProposal, match=r"^Notes are limited to 50000 characters\.$"):
        services.note_save(session, "x" * 50_001, actor=u.organiser)
    assert not NoteRevision.objects.exists()
    assert len(services.note_save(session, "x" * 50_000, actor=u.organiser).body) == 50_000
    # a Windows line end counts as one character
    assert len(services.note_save(session, "y" * 49_999 + "\r\n",
                                  actor=u.organiser).body) == 50_000


@pytest.mark.parametrize("body", ["a\x00b", "a\x1fb", "\x08"])
def test_control_characters_are_refused_with_the_sentence(u, body):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    with pytest.raises(InvalidProposal, match=r"^The notes contain control characters\.$"):
        services.note_save(session, body, actor=u.organiser)
    assert not NoteRevision.objects.exists()


def test_the_same_text_again_returns_the_latest_version_even_from_an_old_base(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    first = services.note_save(session, "one", actor=u.organiser, base_revision_id=0)
    second = services.note_save(session, "two", actor=u.people[1], base_revision_id=first.pk)
    again = services.note_save(session, "two", actor=u.organiser, base_revision_id=first.pk)
    assert again.pk == second.pk
    with pytest.raises(NotesConflict) as conflict:
        services.note_save(session, "three", actor=u.organiser, base_revision_id=first.pk)
    assert conflict.value.latest.pk == second.pk
    with pytest.raises(NotesConflict) as first_conflict:
        services.note_save(session, "three", actor=u.organiser, base_revision_id=0)
    assert first_conflict.value.latest.pk == second.pk
    assert services.note_save(session, "three", actor=u.organiser).body == "three"
    assert NoteRevision.objects.count() == 3


def test_the_first_note_from_a_stale_base_is_refused_with_no_version(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    with pytest.raises(NotesConflict) as conflict:
        services.note_save(session, "one", actor=u.organiser, base_revision_id=7)
    assert conflict.value.latest is None
    assert not NoteRevision.objects.exists()


def test_notes_are_kept_per_session(u):
    a = _place(u, u.people[0], "A")
    b = _place(u, u.people[1], "B", room=1)
    u.set_phase(Phase.RUNNING)
    services.note_save(a, "same", actor=u.organiser)
    note = services.note_save(b, "same", actor=u.organiser, base_revision_id=0)
    assert (note.session_id, NoteRevision.objects.count()) == (b.pk, 2)


@pytest.mark.postgres
def test_saving_notes_locks_only_the_sessions_row(u):
    session = _place(u, u.people[0], "A")
    u.set_phase(Phase.RUNNING)
    with CaptureQueriesContext(connection) as queries:
        services.note_save(session, "text", actor=u.organiser)
    [lock] = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert lock.startswith('SELECT "programme_session".'), lock
    assert lock.endswith('FOR UPDATE OF "programme_session"'), lock


# --- Outcomes ------------------------------------------------------------------------------

def test_publishing_and_hiding_the_outcomes_mark_the_programme_changed(u):
    u.set_phase(Phase.ARCHIVED)
    before = Programme.objects.get(pk=u.programme.pk).updated_at
    published = services.outcomes_publish(u.programme, actor=u.organiser)
    stored = Programme.objects.get(pk=u.programme.pk)
    assert published.outcomes_published_at is not None
    assert stored.outcomes_published_at == published.outcomes_published_at
    assert stored.updated_at > before
    hidden = services.outcomes_publish(u.programme, actor=u.organiser, publish=False)
    assert hidden.outcomes_published_at is None
    assert Programme.objects.get(pk=u.programme.pk).outcomes_published_at is None


def test_publishing_before_the_archive_says_to_archive_first(u):
    u.set_phase(Phase.RUNNING)
    with pytest.raises(PhaseClosed,
                       match=r"^Archive the programme before publishing its outcomes\.$"):
        services.outcomes_publish(u.programme, actor=u.organiser)
    assert Programme.objects.get(pk=u.programme.pk).outcomes_published_at is None


def test_only_organisers_publish_the_outcomes(u):
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(NotAllowed, match=r"^Only the event's organisers can do this\.$"):
        services.outcomes_publish(u.programme, actor=u.people[0])
    assert Programme.objects.get(pk=u.programme.pk).outcomes_published_at is None


# --- Hosts of the sessions held ------------------------------------------------------------

def test_the_hosts_of_sessions_held_here_each_once_in_order(site_tree, u):
    _place(u, u.people[2], "Two", co_hosts=(u.people[1],))
    _place(u, u.people[1], "Again", room=1, slot=1)
    _place(u, u.people[0], "Later", slot=1)
    withdrawn = u.propose(u.people[0], "Gone", co_hosts=(u.people[2],))
    services.proposal_withdraw(withdrawn, actor=u.people[0])
    other = make_unconference(site_tree, people=1, rooms=1, slots=1)
    _place(other, other.people[0], "Elsewhere")

    assert services.hosts_of_sessions_held(u.programme) == sorted(u.people,
                                                                  key=lambda p: p.pk)
    assert services.hosts_of_sessions_held(other.programme) == [other.people[0]]


def test_a_host_with_one_empty_session_keeps_the_one_that_took_place(site_tree, u):
    held = _place(u, u.people[0], "Held")
    empty = _place(u, u.people[0], "Empty", slot=1)
    services.session_set_attendance(held, 12, actor=u.organiser)
    services.session_set_attendance(empty, 0, actor=u.organiser)
    _place(u, u.people[1], "Nobody came", room=1)
    services.session_set_attendance(u.programme.sessions.get(proposal__title="Nobody came"), 0,
                                    actor=u.organiser)
    # the same host ran an empty session at another unconference
    other = make_unconference(site_tree, people=0, rooms=1, slots=1)
    Registration.objects.create(event=other.event, user=u.people[2],
                                state=RegistrationState.CONFIRMED)
    _place(u, u.people[2], "Here", room=1, slot=1)
    elsewhere = other.propose(u.people[2], "There")
    services.session_set_attendance(
        services.session_place(elsewhere, room=other.rooms[0], slot=other.slots[0],
                               actor=other.organiser), 0, actor=other.organiser)

    assert services.hosts_of_sessions_held(u.programme) == [u.people[0], u.people[2]]


# --- The hosts' registration role and reward -----------------------------------------------

@pytest.fixture
def reward_locks(monkeypatch) -> list[list[tuple[int, str]]]:
    """The rewards each registration_accounts_lock call was asked to lock: (user, role)."""
    calls: list[list[tuple[int, str]]] = []
    original = payments.registration_accounts_lock

    def spy(event, **kwargs):
        calls.append([(r.user_id, r.role) for r in kwargs.get("reward", [])])
        return original(event, **kwargs)

    monkeypatch.setattr(payments, "registration_accounts_lock", spy)
    return calls


def _rewarded(u, reward: int):
    """people[0] attended, people[1] is confirmed, people[2] attended as a speaker; each hosts
    a session that took place."""
    EventPage.objects.filter(pk=u.event.pk).update(reward_host=reward)
    Registration.objects.filter(user=u.people[0]).update(state=RegistrationState.ATTENDED)
    Registration.objects.filter(user=u.people[2]).update(state=RegistrationState.ATTENDED,
                                                         role=RegistrationRole.SPEAKER)
    for index, person in enumerate(u.people):
        _place(u, person, f"Session {index}", room=index % 2, slot=index // 2)
    return Programme.objects.select_related("event").get(pk=u.programme.pk)


def _reward_rows(u, person):
    registration = Registration.objects.get(event=u.event, user=person)
    return [(t.state, t.amount, t.code, t.created_by_id) for t in
            transfers_for_reference(payments.registration_reference(registration))]


def test_hosts_become_registration_hosts_and_who_attended_is_paid_as_the_organiser(u,
                                                                                  reward_locks):
    programme = _rewarded(u, 5)
    changed = services.hosts_make_registration_hosts(programme, actor=u.organiser)

    assert sorted((r.user_id, r.role, r.state) for r in changed) == [
        (u.people[0].pk, RegistrationRole.HOST, RegistrationState.ATTENDED),
        (u.people[1].pk, RegistrationRole.HOST, RegistrationState.CONFIRMED)]
    assert [_role(u, p) for p in u.people] == [RegistrationRole.HOST, RegistrationRole.HOST,
                                               RegistrationRole.SPEAKER]
    assert _reward_rows(u, u.people[0]) == [("posted", 5, "earn_host", u.organiser.pk)]
    assert _reward_rows(u, u.people[1]) == []
    assert _reward_rows(u, u.people[2]) == []
    # the accounts of the one reward are locked up front, once, before any role changes
    assert reward_locks[0] == [(u.people[0].pk, RegistrationRole.HOST)]
    # again: nobody left to change, nothing paid twice
    assert services.hosts_make_registration_hosts(programme, actor=u.organiser) == []
    assert _reward_rows(u, u.people[0]) == [("posted", 5, "earn_host", u.organiser.pk)]


def test_a_host_without_a_seat_here_is_not_given_the_role(site_tree, u):
    programme = _rewarded(u, 0)
    Registration.objects.filter(user=u.people[1]).update(state=RegistrationState.CANCELLED)
    other = make_unconference(site_tree, people=0, rooms=0, slots=0)
    Registration.objects.create(event=other.event, user=u.people[0],
                                state=RegistrationState.CONFIRMED)
    changed = services.hosts_make_registration_hosts(programme, actor=u.organiser)
    assert [r.user_id for r in changed] == [u.people[0].pk]
    assert [_role(u, p) for p in u.people[:2]] == [RegistrationRole.HOST,
                                                   RegistrationRole.ATTENDEE]
    assert Registration.objects.get(event=other.event).role == RegistrationRole.ATTENDEE


def test_a_reward_the_space_cannot_pay_says_why_and_changes_no_role(u):
    programme = _rewarded(u, 100_000)
    with pytest.raises(RewardNotPaid, match=r"^The space's account cannot pay this reward now "
                                            r"\(issuance limit reached\)\.$"):
        services.hosts_make_registration_hosts(programme, actor=u.organiser)
    assert [_role(u, p) for p in u.people] == [RegistrationRole.ATTENDEE,
                                               RegistrationRole.ATTENDEE,
                                               RegistrationRole.SPEAKER]
    assert _reward_rows(u, u.people[0]) == []


def test_only_organisers_make_hosts(u):
    programme = _rewarded(u, 5)
    with pytest.raises(NotAllowed, match=r"^Only the event's organisers can do this\.$"):
        services.hosts_make_registration_hosts(programme, actor=u.people[0])
    assert _role(u, u.people[0]) == RegistrationRole.ATTENDEE


@pytest.mark.postgres
def test_making_hosts_locks_the_event_row_first(u):
    programme = _rewarded(u, 5)
    with CaptureQueriesContext(connection) as queries:
        services.hosts_make_registration_hosts(programme, actor=u.organiser)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks[0].startswith(
        'SELECT "events_eventpage"."page_ptr_id" AS "pk" FROM "events_eventpage" '), locks[0]
    assert locks[0].endswith('FOR UPDATE OF "events_eventpage"'), locks[0]
    assert f'WHERE "events_eventpage"."page_ptr_id" = {u.event.pk} ' in locks[0], locks[0]


def test_a_session_one_person_attended_took_place(u):
    session = _place(u, u.people[0], "Small")
    services.session_set_attendance(session, 1, actor=u.organiser)
    assert services.hosts_of_sessions_held(u.programme) == [u.people[0]]


def test_a_host_with_another_role_first_in_line_does_not_stop_the_others(u):
    programme = _rewarded(u, 0)
    Registration.objects.filter(user=u.people[0]).update(role=RegistrationRole.VOLUNTEER)
    changed = services.hosts_make_registration_hosts(programme, actor=u.organiser)
    assert [r.user_id for r in changed] == [u.people[1].pk]
    assert [_role(u, p) for p in u.people] == [RegistrationRole.VOLUNTEER, RegistrationRole.HOST,
                                               RegistrationRole.SPEAKER]
