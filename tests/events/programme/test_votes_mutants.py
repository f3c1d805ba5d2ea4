"""events.programme.services.votes exactly (issue 14, the mutation run): each refusal's
sentence, which ballot and which dot a withdrawal takes, and the ballot's row lock as
PostgreSQL receives it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Registration, RegistrationState
from events.programme import services
from events.programme.exceptions import (
    AlreadyVoted,
    InvalidProposal,
    NoDotsLeft,
    NotAParticipant,
    PhaseClosed,
)
from events.programme.models import Ballot, Phase, Vote
from tests.events.programme.factories import make_unconference, participant
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3, rooms=1, slots=1)


def _voting(u, *titles):
    proposals = [u.propose(u.people[0], title) for title in titles or ("A",)]
    u.set_phase(Phase.VOTING)
    return proposals


def test_each_refusal_of_a_dot_says_why(u):
    proposal = u.propose(u.people[0], "A")
    u.propose(u.people[0], "B")  # stays open: the refusal is about A itself
    with pytest.raises(PhaseClosed, match=r"^Voting is not open\.$"):
        services.vote_cast(proposal, actor=u.people[1])
    u.set_phase(Phase.VOTING)
    with pytest.raises(NotAParticipant,
                       match=r"^Only confirmed participants of the event can do this\.$"):
        services.vote_cast(proposal, actor=UserFactory())
    services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=1)
    services.vote_cast(proposal, actor=u.people[1])
    with pytest.raises(NoDotsLeft, match=r"^You have no dots left\.$"):
        services.vote_cast(proposal, actor=u.people[1])
    services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=2)
    with pytest.raises(AlreadyVoted, match=r"^You already put a dot on this proposal\.$"):
        services.vote_cast(proposal, actor=u.people[1])
    services.proposal_withdraw(proposal, actor=u.people[0])
    with pytest.raises(InvalidProposal, match=r"^This proposal was withdrawn or merged\.$"):
        services.vote_cast(proposal, actor=u.people[2])
    assert not Vote.objects.exists()


def test_a_dot_is_stored_on_the_voters_ballot_of_this_programme(u):
    [proposal] = _voting(u, "A")
    vote = services.vote_cast(proposal, actor=u.people[1])
    stored = Vote.objects.select_related("ballot").get()
    assert (stored.pk, stored.proposal_id, stored.ballot.user_id, stored.ballot.programme_id) \
        == (vote.pk, proposal.pk, u.people[1].pk, u.programme.pk)


def test_taking_a_dot_back_outside_voting_says_why_and_keeps_it(u):
    [proposal] = _voting(u, "A")
    services.vote_cast(proposal, actor=u.people[1])
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed, match=r"^Voting is not open\.$"):
        services.vote_withdraw(proposal, actor=u.people[1])
    assert Vote.objects.count() == 1


def test_taking_back_without_a_ballot_is_false_and_creates_none(u):
    [proposal] = _voting(u, "A")
    services.vote_cast(proposal, actor=u.people[1])
    assert services.vote_withdraw(proposal, actor=u.people[2]) is False
    assert list(Ballot.objects.values_list("user_id", flat=True)) == [u.people[1].pk]
    assert Vote.objects.count() == 1


def test_taking_back_uses_the_ballot_of_this_programme(site_tree, u):
    """The voter's older ballot in another programme holds no dot of this one."""
    other = make_unconference(site_tree, people=0, rooms=1, slots=1)
    voter = u.people[1]
    Registration.objects.create(event=other.event, user=voter,
                                state=RegistrationState.CONFIRMED)
    elsewhere = other.propose(voter, "Elsewhere")
    other.set_phase(Phase.VOTING)
    services.vote_cast(elsewhere, actor=voter)
    [proposal] = _voting(u, "Here")
    services.vote_cast(proposal, actor=voter)

    assert services.vote_withdraw(proposal, actor=voter) is True
    assert list(Vote.objects.values_list("proposal_id", flat=True)) == [elsewhere.pk]


def test_taking_back_one_of_stacked_dots_takes_the_latest(u):
    [proposal] = _voting(u, "A")
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=True)
    first = services.vote_cast(proposal, actor=u.people[1])
    services.vote_cast(proposal, actor=u.people[1])
    assert services.vote_withdraw(proposal, actor=u.people[1]) is True
    assert list(Vote.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_participant_of_another_event_gets_no_dot_here(site_tree, u):
    [proposal] = _voting(u, "A")
    other = make_unconference(site_tree, people=0, rooms=1, slots=1)
    with pytest.raises(NotAParticipant):
        services.vote_cast(proposal, actor=participant(other.event))
    assert not Ballot.objects.exists()


def _locks_of(sql_list: list[str]) -> list[str]:
    return [sql for sql in sql_list if "FOR UPDATE" in sql]


@pytest.mark.postgres
def test_casting_and_taking_back_lock_the_voters_ballot_row(u):
    """The promise of the module: the ballot row is locked while the dots are counted (the
    threads of test_concurrency.py show why), for a withdrawal too."""
    [proposal] = _voting(u, "A")
    with CaptureQueriesContext(connection) as cast:
        services.vote_cast(proposal, actor=u.people[1])
    with CaptureQueriesContext(connection) as withdraw:
        services.vote_withdraw(proposal, actor=u.people[1])
    for queries in (cast, withdraw):
        locks = _locks_of([q["sql"] for q in queries.captured_queries])
        assert len(locks) == 1, locks
        assert locks[0].startswith('SELECT "programme_ballot".'), locks
