"""The programme demo: the 2017 Racale non-conference archived with proposals, dots, a grid,
notes and published outcomes; an upcoming unconference in the voting phase where the demo
member still has dots; running it again changes nothing."""

import pytest

from credits.demo import load_credits_demo
from events.demo import ESPRESSO_2017_SLUG, load_events_demo
from events.models import EventFormat, Registration, RegistrationState
from events.programme.demo import DEMO_MEMBER_EMAIL, load_programme_demo
from events.programme.models import (
    Cell,
    NoteRevision,
    Phase,
    Programme,
    Proposal,
    Session,
    Vote,
)
from events.programme.selectors import user_dots_left
from network.demo import load_network_demo

pytestmark = [pytest.mark.django_db, pytest.mark.strictest_db]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Loaded once for the module (the demo is large), rolled back at its end."""
    from django.db import connection, transaction

    from home.services import site_tree_ensure

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        tree = site_tree_ensure()
        load_network_demo(tree.spaces, tree.members)
        load_credits_demo()
        load_events_demo()
        first = load_programme_demo()
        second = load_programme_demo()
        yield first, second
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        connection.close()


def test_racale_2017_is_archived_with_its_grid_notes_and_outcomes(demo):
    programme = Programme.objects.get(event__slug=ESPRESSO_2017_SLUG)
    assert programme.phase == Phase.ARCHIVED
    assert programme.outcomes_published_at is not None
    assert Proposal.objects.filter(programme=programme).count() == 12
    assert Vote.objects.filter(proposal__programme=programme).count() > 12
    sessions = Session.objects.filter(programme=programme)
    assert sessions.count() >= 12 - 1  # 4 rooms x 5 slots hold all twelve (one is two slots)
    assert sessions.filter(pinned=True).count() == 1
    assert Cell.objects.filter(session__programme=programme).count() == sessions.count() + 1
    assert NoteRevision.objects.filter(session__programme=programme).count() == 4
    assert programme.last_schedule_report["status"] in ("OPTIMAL", "FEASIBLE")


def test_an_upcoming_unconference_is_in_the_voting_phase_with_dots_for_the_member(demo):
    programme = Programme.objects.exclude(event__slug=ESPRESSO_2017_SLUG).get()
    assert programme.event.format == EventFormat.UNCONFERENCE
    assert programme.phase == Phase.VOTING
    assert programme.proposals.count() == 6
    member = Registration.objects.get(event=programme.event, user__email=DEMO_MEMBER_EMAIL,
                                      state=RegistrationState.CONFIRMED).user
    assert user_dots_left(programme, member) == 3


def test_loading_again_creates_nothing(demo):
    first, second = demo
    assert first.programmes == 2 and first.proposals == 18
    assert (second.programmes, second.proposals, second.votes) == (0, 0, 0)
