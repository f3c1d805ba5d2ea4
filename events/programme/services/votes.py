"""Dots: cast and take back, with the participant's ballot row locked."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import (
    AlreadyVoted,
    InvalidProposal,
    NoDotsLeft,
    NotAParticipant,
)
from ..models import (
    Ballot,
    Phase,
    Programme,
    Proposal,
    ProposalState,
    Vote,
)
from .common import (
    RACE_WINDOW_SECONDS,
    _require_phase,
    _vote_lock_disabled,
    user_is_participant,
)

# --- Dots ----------------------------------------------------------------------------------

def _ballot_locked(programme: Programme, user) -> Ballot:
    ballot, _created = Ballot.objects.get_or_create(programme=programme, user=user)
    if _vote_lock_disabled():
        return ballot
    return Ballot.objects.select_for_update().get(pk=ballot.pk)

@transaction.atomic
def vote_cast(proposal: Proposal, *, actor) -> Vote:
    """Put one of the actor's dots on `proposal` (participants, while voting is open).

    Guarantees: a participant never has more dots placed than the programme's
    `dots_per_participant`, however many votes they send at once; without stacking, at most
    one dot per proposal.

    Raises: PhaseClosed, NotAParticipant, InvalidProposal (withdrawn or merged),
    NoDotsLeft, AlreadyVoted."""
    programme = Programme.objects.select_related("event").get(pk=proposal.programme_id)
    _require_phase(programme, (Phase.VOTING,), _("Voting is not open."))
    if not user_is_participant(programme, actor):
        raise NotAParticipant()
    if not Proposal.objects.filter(pk=proposal.pk, state=ProposalState.SUBMITTED).exists():
        raise InvalidProposal(_("This proposal was withdrawn or merged."))
    ballot = _ballot_locked(programme, actor)
    placed = list(ballot.votes.values_list("proposal_id", flat=True))
    if len(placed) >= programme.dots_per_participant:
        raise NoDotsLeft()
    if not programme.stacking_allowed and proposal.pk in placed:
        raise AlreadyVoted()
    if _vote_lock_disabled():
        time.sleep(RACE_WINDOW_SECONDS)
    return Vote.objects.create(ballot=ballot, proposal_id=proposal.pk)

@transaction.atomic
def vote_withdraw(proposal: Proposal, *, actor) -> bool:
    """Take back one of the actor's dots from `proposal` while voting is open.
    Returns False when there was none.

    Raises: PhaseClosed."""
    programme = Programme.objects.get(pk=proposal.programme_id)
    _require_phase(programme, (Phase.VOTING,), _("Voting is not open."))
    ballot = Ballot.objects.filter(programme=programme, user=actor).first()
    if ballot is None:
        return False
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    vote = ballot.votes.filter(proposal_id=proposal.pk).order_by("-id").first()
    if vote is None:
        return False
    vote.delete()
    return True
