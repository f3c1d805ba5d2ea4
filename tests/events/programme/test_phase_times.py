"""Phases by time: the organiser sets when proposals, voting, the published programme,
the running day and the archive begin; at each time the phase moves forward by itself,
once, and the organiser can still move it by hand."""

import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from events.programme import services, tasks
from events.programme.exceptions import InvalidGrid
from events.programme.models import Phase, Programme, Vote
from tests.events.programme.factories import make_unconference

pytestmark = pytest.mark.django_db

ROME = zoneinfo.ZoneInfo("Europe/Rome")


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3, phase=Phase.PROPOSALS)


def fresh(u) -> Programme:
    return Programme.objects.get(pk=u.programme.pk)


def timetable(u, **times):
    return services.programme_configure(u.programme, actor=u.organiser,
                                        phase_times={Phase(k): v for k, v in times.items()})


def test_a_time_that_has_come_moves_the_phase_forward_once(u):
    now = timezone.now()
    timetable(u, voting=now + dt.timedelta(hours=1))
    programme = fresh(u)

    assert services.programme_phase_catch_up(programme, now=now).phase == Phase.PROPOSALS
    later = now + dt.timedelta(hours=1)
    assert services.programme_phase_catch_up(programme, now=later).phase == Phase.VOTING
    assert fresh(u).phase == Phase.VOTING
    assert fresh(u).timed_phase_applied == Phase.VOTING


def test_the_organiser_going_back_after_the_time_is_not_overruled(u):
    timetable(u, voting=timezone.now() + dt.timedelta(hours=1))
    # The hour has passed.
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.programme_phase_catch_up(fresh(u)).phase == Phase.VOTING

    services.programme_configure(fresh(u), actor=u.organiser, phase=Phase.PROPOSALS)

    assert services.programme_phase_catch_up(fresh(u)).phase == Phase.PROPOSALS
    assert fresh(u).phase == Phase.PROPOSALS


def test_an_organiser_already_further_ahead_stays_there(u):
    now = timezone.now()
    timetable(u, voting=now + dt.timedelta(minutes=5))
    services.programme_configure(fresh(u), actor=u.organiser, phase=Phase.SCHEDULED)

    assert services.programme_phase_catch_up(
        fresh(u), now=now + dt.timedelta(minutes=6)).phase == Phase.SCHEDULED


def test_several_times_passed_at_once_land_on_the_latest(u):
    now = timezone.now()
    timetable(u, voting=now + dt.timedelta(minutes=1),
              scheduled=now + dt.timedelta(minutes=2), running=now + dt.timedelta(minutes=3))

    assert services.programme_phase_catch_up(
        fresh(u), now=now + dt.timedelta(minutes=10)).phase == Phase.RUNNING


def test_a_time_in_the_past_when_saving_does_not_move_the_chosen_phase(u):
    past = timezone.now() - dt.timedelta(minutes=1)
    services.programme_configure(u.programme, actor=u.organiser, phase=Phase.PROPOSALS,
                                 phase_times={Phase.VOTING: past})

    assert services.programme_phase_catch_up(fresh(u)).phase == Phase.PROPOSALS


def test_nothing_due_costs_no_query(u, django_assert_num_queries):
    programme = fresh(u)
    with django_assert_num_queries(0):
        services.programme_phase_catch_up(programme)


@pytest.mark.parametrize("times, message", [
    ({"voting": 1, "proposals": 2}, "follow the order"),
    ({"running": 0, "scheduled": 1}, "follow the order"),
    ({"voting": 400 * 24}, "within a year"),
])
def test_a_timetable_out_of_order_or_far_away_is_refused_and_changes_nothing(u, times,
                                                                             message):
    start = u.event.starts_at
    with pytest.raises(InvalidGrid, match=message):
        timetable(u, **{k: start + dt.timedelta(hours=h) for k, h in times.items()})
    assert all(getattr(fresh(u), f) is None for f in ("proposals_open_at", "voting_opens_at",
                                                      "published_at", "running_at"))


def test_a_naive_time_is_refused(u):
    with pytest.raises(InvalidGrid, match="time zone"):
        timetable(u, voting=dt.datetime(2030, 1, 1, 10, 0))


def test_a_dot_is_accepted_the_moment_voting_opens_by_time(client, u):
    proposal = u.propose(u.people[0], "P")
    timetable(u, voting=timezone.now() + dt.timedelta(hours=1))
    client.force_login(u.people[1])
    vote_url = reverse("programme:vote", args=[u.event.pk, proposal.pk])
    closed = client.post(vote_url, {"action": "add"}, HTTP_ACCEPT="application/json")
    assert closed.status_code == 409
    # The hour has passed.
    Programme.objects.filter(pk=u.programme.pk).update(
        voting_opens_at=timezone.now() - dt.timedelta(seconds=1))

    opened = client.post(vote_url, {"action": "add"}, HTTP_ACCEPT="application/json")

    assert opened.status_code == 200
    assert Vote.objects.count() == 1
    assert fresh(u).phase == Phase.VOTING


def test_the_periodic_task_catches_up_every_due_programme_and_is_idempotent(u, site_tree):
    other = make_unconference(site_tree, people=1, phase=Phase.CLOSED)
    past = timezone.now() - dt.timedelta(minutes=1)
    for programme in (u.programme, other.programme):
        Programme.objects.filter(pk=programme.pk).update(voting_opens_at=past)

    assert tasks.programme_phases_catch_up_periodic.call() == 2
    assert tasks.programme_phases_catch_up_periodic.call() == 0
    assert set(Programme.objects.values_list("phase", flat=True)) == {Phase.VOTING}


def test_the_page_says_when_the_next_phase_begins_in_the_event_zone(client, u):
    voting = dt.datetime(2031, 3, 3, 18, 30, tzinfo=ROME)
    Programme.objects.filter(pk=u.programme.pk).update(voting_opens_at=voting)
    page = client.get(reverse("programme:home", args=[u.event.pk]))

    assert "Next: Voting open, from Mon 3 Mar, 18:30 (Europe/Rome)." in page.content.decode()


def _last_sunday_of_march_after(day: dt.date) -> dt.date:
    year = day.year if day < dt.date(day.year, 3, 25) else day.year + 1
    last = dt.date(year, 3, 31)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


@override_settings(LANGUAGE_CODE="en")
def test_the_organiser_sets_the_timetable_in_the_event_zone(client, u):
    client.force_login(u.organiser)
    admin = reverse("programme_admin:programme", args=[u.event.pk])
    spring = _last_sunday_of_march_after(u.event.local_starts_at.date())
    gap = client.post(admin, {  # no such time in Rome: clocks jump from 02:00 to 03:00
        "action": "settings", "phase": "proposals", "dots_per_participant": "3",
        "published_at": f"{spring.isoformat()}T02:30"})
    assert gap.status_code == 400
    assert fresh(u).published_at is None

    day = u.event.local_starts_at.date() - dt.timedelta(days=2)
    response = client.post(admin, {
        "action": "settings", "phase": "proposals", "dots_per_participant": "3",
        "voting_opens_at": f"{day.isoformat()}T10:15"})

    assert response.status_code == 302
    expected = dt.datetime(day.year, day.month, day.day, 10, 15, tzinfo=ROME)
    assert fresh(u).voting_opens_at == expected
    page = client.get(admin)
    assert f'value="{day.isoformat()}T10:15"' in page.content.decode()
