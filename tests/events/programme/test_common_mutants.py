"""events.programme.services.common exactly (issue 14, the mutation run): who is a
participant, each refusal's sentence, the timetable's bounds, what a phase catch-up writes
(phase, the time applied, `updated_at`), the periodic job's count, the settings an organiser
saves, and the programme's row lock as PostgreSQL receives it."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Registration, RegistrationState
from events.programme import services
from events.programme.exceptions import InvalidGrid, NotAllowed, PhaseClosed
from events.programme.models import Phase, Programme
from events.programme.services import common
from tests.events.programme.factories import make_unconference, participant
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

TIME_FIELDS = ("proposals_open_at", "voting_opens_at", "published_at", "running_at",
               "archived_at")


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=2, rooms=1, slots=1)


def fresh(u) -> Programme:
    return Programme.objects.get(pk=u.programme.pk)


def timetable(u, **times):
    return services.programme_configure(u.programme, actor=u.organiser,
                                        phase_times={Phase(k): v for k, v in times.items()})


def _unchanged_timetable(u) -> bool:
    return all(getattr(fresh(u), f) is None for f in TIME_FIELDS)


# --- Who is who ----------------------------------------------------------------------------

def test_a_participant_is_an_active_member_holding_a_seat_at_this_event(site_tree, u):
    attended = participant(u.event)
    Registration.objects.filter(user=attended).update(state=RegistrationState.ATTENDED)
    inactive = participant(u.event, is_active=False)
    cancelled = participant(u.event)
    Registration.objects.filter(user=cancelled).update(state=RegistrationState.CANCELLED)
    elsewhere = participant(make_unconference(site_tree, people=0, rooms=0, slots=0).event)

    assert services.user_is_participant(u.programme, u.people[0]) is True
    assert services.user_is_participant(u.programme, attended) is True
    for nobody in (inactive, cancelled, elsewhere, UserFactory(), AnonymousUser(), None):
        assert services.user_is_participant(u.programme, nobody) is False
    # anything that is not a user at all is nobody either (no AttributeError)
    assert services.user_is_participant(u.programme, "admin") is False


def test_only_organisers_configure_and_the_refusal_says_so(u):
    for who in (u.people[0], None):
        with pytest.raises(NotAllowed, match=r"^Only the event's organisers can do this\.$"):
            services.programme_configure(u.programme, actor=who, dots_per_participant=7)
    assert fresh(u).dots_per_participant == 3


def test_a_refusal_by_phase_carries_the_services_sentence(u):
    with pytest.raises(PhaseClosed,
                       match=r"^Archive the programme before publishing its outcomes\.$"):
        services.outcomes_publish(u.programme, actor=u.organiser)


# --- The timetable -------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["lunch", Phase.CLOSED])
def test_a_phase_without_a_time_is_refused_by_name(u, key):
    with pytest.raises(InvalidGrid, match=r"^Unknown phase\.$"):
        services.programme_configure(u.programme, actor=u.organiser,
                                     phase_times={key: u.event.starts_at})
    assert _unchanged_timetable(u)


@pytest.mark.parametrize("value", [dt.datetime(2030, 1, 1, 10, 0),
                                   "2030-01-01T10:00+01:00", dt.date(2030, 1, 1)])
def test_a_time_without_its_zone_is_refused_with_the_sentence(u, value):
    with pytest.raises(InvalidGrid, match=r"^Give each phase's time with its time zone\.$"):
        timetable(u, voting=value)
    assert _unchanged_timetable(u)


@pytest.mark.parametrize("sign", [1, -1])
def test_a_time_exactly_a_year_and_a_day_from_the_event_is_the_last_accepted(u, sign):
    limit = u.event.starts_at + sign * dt.timedelta(days=366)
    beyond = limit + sign * dt.timedelta(microseconds=1)
    with pytest.raises(InvalidGrid,
                       match=r"^Each phase's time must be within a year of the event\.$"):
        timetable(u, archived=beyond)
    assert _unchanged_timetable(u)

    timetable(u, archived=limit)
    assert fresh(u).archived_at == limit


def test_a_new_time_out_of_order_with_a_stored_one_is_refused_with_the_sentence(u):
    start = u.event.starts_at
    timetable(u, voting=start - dt.timedelta(hours=2))
    with pytest.raises(InvalidGrid,
                       match=r"^The phases' times must follow the order of the phases\.$"):
        timetable(u, proposals=start - dt.timedelta(hours=1))
    assert fresh(u).proposals_open_at is None
    assert fresh(u).voting_opens_at == start - dt.timedelta(hours=2)


def test_two_phases_may_begin_at_the_same_time_and_none_clears_a_time(u):
    at = u.event.starts_at - dt.timedelta(days=1)
    timetable(u, voting=at, scheduled=at)
    assert (fresh(u).voting_opens_at, fresh(u).published_at) == (at, at)

    timetable(u, voting=None)
    assert (fresh(u).voting_opens_at, fresh(u).published_at) == (None, at)


# --- The settings --------------------------------------------------------------------------

@pytest.mark.parametrize("dots", [1, 50])
def test_one_and_fifty_dots_are_the_bounds(u, dots):
    services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=dots)
    assert fresh(u).dots_per_participant == dots


@pytest.mark.parametrize("dots", [0, 51, True, 2.0])
def test_dots_out_of_bounds_are_refused_with_the_bounds(u, dots):
    with pytest.raises(InvalidGrid, match=r"^Give between 1 and 50 dots\.$"):
        services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=dots)
    assert fresh(u).dots_per_participant == 3


def test_an_unknown_phase_is_refused_by_name_and_changes_nothing(u):
    with pytest.raises(InvalidGrid, match=r"^Unknown phase\.$"):
        services.programme_configure(u.programme, actor=u.organiser, phase="lunch",
                                     dots_per_participant=9)
    assert (fresh(u).phase, fresh(u).dots_per_participant) == (Phase.PROPOSALS, 3)


def test_stacking_is_stored_as_a_boolean(u):
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=1)
    assert fresh(u).stacking_allowed is True
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=0)
    assert fresh(u).stacking_allowed is False


def test_the_callers_programme_gets_every_value_saved(u):
    programme = u.programme
    before = fresh(u).updated_at
    voting = u.event.starts_at - dt.timedelta(days=2)

    returned = services.programme_configure(
        programme, actor=u.organiser, phase=Phase.VOTING, dots_per_participant=5,
        stacking_allowed=True, phase_times={Phase.VOTING: voting})

    stored = fresh(u)
    assert stored.updated_at > before
    for obj in (programme, returned):
        assert (obj.phase, obj.dots_per_participant, obj.stacking_allowed, obj.voting_opens_at,
                obj.timed_phase_applied, obj.updated_at) == (
            Phase.VOTING, 5, True, voting, "", stored.updated_at)
    assert (stored.phase, stored.dots_per_participant, stored.stacking_allowed,
            stored.voting_opens_at, stored.timed_phase_applied) == (
        Phase.VOTING, 5, True, voting, "")


def test_choosing_a_phase_marks_the_time_already_past_as_applied(u):
    past = timezone.now() - dt.timedelta(minutes=1)
    services.programme_configure(u.programme, actor=u.organiser, phase=Phase.PROPOSALS,
                                 phase_times={Phase.VOTING: past})
    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.PROPOSALS, Phase.VOTING)
    assert u.programme.timed_phase_applied == Phase.VOTING


def test_saving_other_settings_first_applies_a_time_that_has_come(u):
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(minutes=1))
    services.programme_configure(fresh(u), actor=u.organiser, dots_per_participant=4)
    stored = fresh(u)
    assert (stored.phase, stored.timed_phase_applied, stored.dots_per_participant) == (
        Phase.VOTING, Phase.VOTING, 4)


# --- The phase by time ---------------------------------------------------------------------

def test_a_catch_up_writes_the_phase_the_time_applied_and_its_moment(u):
    now = timezone.now() + dt.timedelta(hours=2)
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=now - dt.timedelta(hours=1))
    programme = fresh(u)

    assert services.programme_phase_catch_up(programme, now=now) is programme

    assert (programme.phase, programme.timed_phase_applied) == (Phase.VOTING, Phase.VOTING)
    stored = fresh(u)
    assert (stored.phase, stored.timed_phase_applied, stored.updated_at) == (
        Phase.VOTING, Phase.VOTING, now)


def test_a_catch_up_never_moves_the_phase_back_but_records_the_time(u):
    u.set_phase(Phase.RUNNING)
    now = timezone.now()
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=now - dt.timedelta(minutes=1))
    programme = services.programme_phase_catch_up(fresh(u), now=now)
    assert (programme.phase, programme.timed_phase_applied) == (Phase.RUNNING, Phase.VOTING)
    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.RUNNING, Phase.VOTING)


def test_a_catch_up_without_a_moment_reads_the_clock(u):
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.programme_phase_catch_up(fresh(u)).phase == Phase.VOTING


def test_the_job_counts_the_programmes_whose_phase_moved_at_its_moment(site_tree, u):
    later = timezone.now() + dt.timedelta(days=1)
    ahead = make_unconference(site_tree, people=0, rooms=0, slots=0, phase=Phase.SCHEDULED)
    archived = make_unconference(site_tree, people=0, rooms=0, slots=0, phase=Phase.ARCHIVED)
    for programme in (u.programme, ahead.programme, archived.programme):
        Programme.objects.filter(pk=programme.pk).update(
            voting_opens_at=later - dt.timedelta(hours=1))

    assert services.programmes_phase_catch_up(now=timezone.now()) == 0
    assert services.programmes_phase_catch_up(now=later) == 1

    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.VOTING, Phase.VOTING)
    assert (fresh(ahead).phase, fresh(ahead).timed_phase_applied) == (
        Phase.SCHEDULED, Phase.VOTING)
    # an archived programme is left as it is: no time is applied to it any more
    assert (fresh(archived).phase, fresh(archived).timed_phase_applied) == (Phase.ARCHIVED, "")
    assert services.programmes_phase_catch_up(now=later) == 0


def test_the_job_without_a_moment_reads_the_clock(u):
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.programmes_phase_catch_up() == 1
    assert fresh(u).phase == Phase.VOTING


def test_a_grid_change_marks_the_programme_changed(u, settings):
    before = fresh(u).updated_at
    services.room_save(u.programme, actor=u.organiser, name="Annex", capacity=5)
    assert fresh(u).updated_at > before


def test_the_control_runs_grid_switch_skips_the_mark(u, settings):
    settings.PROGRAMME_DISABLE_GRID_LOCK = True
    before = fresh(u).updated_at
    services.room_save(u.programme, actor=u.organiser, name="Annex", capacity=5)
    assert fresh(u).updated_at == before


def test_programme_ensure_is_idempotent_per_event(site_tree, u):
    assert services.programme_ensure(u.event) == u.programme
    other = make_unconference(site_tree, people=0, rooms=0, slots=0)
    assert services.programme_ensure(other.event) == other.programme != u.programme


# --- The row lock as PostgreSQL receives it ------------------------------------------------

def _locks_of(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]


@pytest.mark.postgres
def test_a_grid_change_locks_only_the_programme_row_with_its_event_read_at_once(u):
    """The event's row is not locked here: registrations lock it (events.services), and a
    grid change must not take part in their lock order."""
    with CaptureQueriesContext(connection) as queries:
        services.room_save(u.programme, actor=u.organiser, name="Annex", capacity=5)
    [lock] = _locks_of(queries)
    assert lock.startswith('SELECT "programme_programme".'), lock
    assert 'INNER JOIN "events_eventpage"' in lock, lock
    assert lock.endswith('FOR UPDATE OF "programme_programme"'), lock


@pytest.mark.postgres
def test_a_catch_up_locks_the_programme_row(u):
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))
    with CaptureQueriesContext(connection) as queries:
        services.programme_phase_catch_up(fresh(u))
    [lock] = _locks_of(queries)
    assert lock.startswith('SELECT "programme_programme".'), lock
    assert lock.endswith('FOR UPDATE OF "programme_programme"'), lock


def test_a_time_already_past_set_alone_does_not_move_the_phase_later(u):
    past = timezone.now() - dt.timedelta(minutes=1)
    timetable(u, voting=past)
    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.PROPOSALS, Phase.VOTING)
    assert services.programme_phase_catch_up(fresh(u)).phase == Phase.PROPOSALS


def test_a_locked_catch_up_says_whether_it_applied_a_time(u):
    now = timezone.now()
    programme = fresh(u)
    assert common._catch_up_locked(programme, now) is False
    programme.voting_opens_at = now - dt.timedelta(minutes=1)
    assert common._catch_up_locked(programme, now) is True
    assert common._catch_up_locked(programme, now) is False


def test_a_time_applied_ahead_of_the_clock_is_kept_by_other_settings_not_by_a_phase(u):
    """A catch-up given a moment ahead (the job's `now`) applies the voting time once.
    Saving other settings keeps that mark (each time acts once); choosing a phase by hand
    starts over from the moment of the choice, when that time is still to come: it moves
    the phase when it comes."""
    voting = timezone.now() + dt.timedelta(hours=1)
    timetable(u, voting=voting)
    assert services.programmes_phase_catch_up(now=voting + dt.timedelta(hours=1)) == 1
    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.VOTING, Phase.VOTING)

    services.programme_configure(fresh(u), actor=u.organiser, dots_per_participant=4)
    assert (fresh(u).phase, fresh(u).timed_phase_applied, fresh(u).dots_per_participant) == (
        Phase.VOTING, Phase.VOTING, 4)

    services.programme_configure(fresh(u), actor=u.organiser, phase=Phase.PROPOSALS)
    assert (fresh(u).phase, fresh(u).timed_phase_applied) == (Phase.PROPOSALS, "")
    assert services.programme_phase_catch_up(fresh(u), now=voting).phase == Phase.VOTING
