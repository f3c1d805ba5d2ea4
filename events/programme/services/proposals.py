"""Proposals: create, edit, withdraw, merge duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from network.validators import validate_no_control_characters

from ..exceptions import (
    InvalidProposal,
    NotAllowed,
    NotAParticipant,
)
from ..models import (
    Equipment,
    Programme,
    Proposal,
    ProposalKind,
    ProposalState,
    Session,
)
from .common import (
    DESCRIPTION_MAX,
    MAX_HOSTS,
    ORGANISER_EDIT_PHASES,
    PROPOSING_PHASES,
    TITLE_MAX,
    _lock_programme,
    _require_organiser,
    _require_phase,
    user_is_organiser,
    user_is_participant,
)
from .grid import (
    _place_locked,
)

# --- Proposals -----------------------------------------------------------------------------

@dataclass
class ProposalData:
    title: str
    description: str = ""
    kind: str = ProposalKind.DISCUSSION
    length: int = 1
    language: str = "it"
    needs: tuple[str, ...] = ()
    co_hosts: tuple = ()

def _clean_proposal(programme: Programme, data: ProposalData, proposer) -> ProposalData:
    title = " ".join((data.title or "").split()) if data.title else ""
    try:
        validate_no_control_characters(title)
    except ValidationError as exc:
        raise InvalidProposal(_("The title must be one line.")) from exc
    if not title:
        raise InvalidProposal(_("Give the session a title."))
    if len(title) > TITLE_MAX:
        raise InvalidProposal(_("Keep the title under %(max)s characters.") % {"max": TITLE_MAX})
    description = (data.description or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidProposal(_("Keep the description under %(max)s characters.")
                              % {"max": DESCRIPTION_MAX})
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in description):
        raise InvalidProposal(_("The description contains control characters."))
    if data.kind not in ProposalKind.values:
        raise InvalidProposal(_("Unknown kind of session."))
    if data.length not in (1, 2) or isinstance(data.length, bool):
        raise InvalidProposal(_("A session lasts one or two slots."))
    if data.language not in dict(settings.LANGUAGES):
        raise InvalidProposal(_("Unknown language."))
    needs = tuple(sorted(set(data.needs)))
    if not set(needs) <= set(Equipment.values):
        raise InvalidProposal(_("Unknown equipment."))
    co_hosts = tuple({u.pk: u for u in data.co_hosts if proposer is None or u.pk != proposer.pk}
                     .values())
    if len(co_hosts) + 1 > MAX_HOSTS:
        raise InvalidProposal(_("A session has at most %(max)s hosts.") % {"max": MAX_HOSTS})
    for user in co_hosts:
        if not user_is_participant(programme, user):
            raise InvalidProposal(_("Co-hosts must be participants of the event."))
    return ProposalData(title=title, description=description, kind=data.kind,
                        length=data.length, language=data.language, needs=needs,
                        co_hosts=co_hosts)

@transaction.atomic
def proposal_create(programme: Programme, *, actor, data: ProposalData) -> Proposal:
    """A participant proposes a session while proposals or voting are open; organisers may
    add one in any phase but the archive. The proposer is its first host.

    Raises: PhaseClosed, NotAParticipant, InvalidProposal."""
    organiser = user_is_organiser(programme, actor)
    if organiser:
        _require_phase(programme, ORGANISER_EDIT_PHASES)
    else:
        _require_phase(programme, PROPOSING_PHASES,
                       _("Proposals are not open for this event."))
        if not user_is_participant(programme, actor):
            raise NotAParticipant()
    clean = _clean_proposal(programme, data, actor)
    proposal = Proposal.objects.create(
        programme=programme, title=clean.title, description=clean.description,
        kind=clean.kind, length=clean.length, language=clean.language, needs=list(clean.needs),
        proposer=actor)
    proposal.hosts.set([actor, *clean.co_hosts])
    return proposal

def _check_may_edit(proposal: Proposal, actor) -> None:
    """Raises unless the actor may edit the proposal now (as an organiser or its proposer)."""
    programme = proposal.programme
    if user_is_organiser(programme, actor):
        _require_phase(programme, ORGANISER_EDIT_PHASES)
        return
    if proposal.proposer_id is None or actor is None or proposal.proposer_id != actor.pk:
        raise NotAllowed(_("Only the proposer and the organisers can change a proposal."))
    _require_phase(programme, PROPOSING_PHASES,
                   _("Proposals can be changed only until the programme is published."))

@transaction.atomic
def proposal_update(proposal: Proposal, *, actor, data: ProposalData) -> Proposal:
    """The proposer edits their proposal until the programme is published; organisers edit
    any proposal until the archive. A placed session keeps its cells only if its new length,
    needs and hosts still fit them.

    Raises: NotAllowed, PhaseClosed, InvalidProposal, EquipmentMissing, HostDoubleBooked,
    InvalidGrid (a longer session that does not fit its place)."""
    _lock_programme(proposal.programme)
    proposal = Proposal.objects.select_related("programme__event").get(pk=proposal.pk)
    _check_may_edit(proposal, actor)
    if not proposal.is_active:
        raise InvalidProposal(_("This proposal was withdrawn or merged."))
    clean = _clean_proposal(proposal.programme, data, proposal.proposer)
    proposal.title, proposal.description = clean.title, clean.description
    proposal.kind, proposal.length, proposal.language = clean.kind, clean.length, clean.language
    proposal.needs = list(clean.needs)
    proposal.save()
    hosts = [u for u in [proposal.proposer, *clean.co_hosts] if u is not None]
    proposal.hosts.set(hosts)
    session = Session.objects.filter(proposal=proposal).select_related("room").first()
    if session is not None:
        _place_locked(proposal, session.room, session.first_slot, pinned=session.pinned)
    return proposal

@transaction.atomic
def proposal_withdraw(proposal: Proposal, *, actor) -> Proposal:
    """The proposer (until the programme is published) or an organiser withdraws a proposal;
    its dots go back to the voters and its session leaves the grid.

    Raises: NotAllowed, PhaseClosed."""
    _lock_programme(proposal.programme)
    proposal = Proposal.objects.select_related("programme__event").get(pk=proposal.pk)
    _check_may_edit(proposal, actor)
    if proposal.state != ProposalState.SUBMITTED:
        return proposal
    Session.objects.filter(proposal=proposal).delete()
    proposal.votes.all().delete()
    proposal.state = ProposalState.WITHDRAWN
    proposal.save(update_fields=["state", "updated_at"])
    return proposal

@transaction.atomic
def proposal_merge(duplicate: Proposal, into: Proposal, *, actor) -> Proposal:
    """Merge a duplicate into another proposal (organisers only): its hosts join the
    target's, its dots move to the target (without stacking, a voter who had a dot on both
    gets the second dot back), its session leaves the grid.

    Raises: NotAllowed, PhaseClosed, InvalidProposal (same proposal, other programme,
    inactive proposal)."""
    programme = _lock_programme(duplicate.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    if duplicate.pk == into.pk or duplicate.programme_id != into.programme_id:
        raise InvalidProposal(_("Choose another proposal of the same event."))
    duplicate = Proposal.objects.get(pk=duplicate.pk)
    into = Proposal.objects.get(pk=into.pk)
    if not (duplicate.is_active and into.is_active):
        raise InvalidProposal(_("Only submitted proposals can be merged."))
    into.hosts.add(*duplicate.hosts.all())
    if not programme.stacking_allowed:
        already = set(into.votes.values_list("ballot_id", flat=True))
        seen: set[int] = set(already)
        for vote in duplicate.votes.order_by("id"):
            if vote.ballot_id in seen:
                vote.delete()
            else:
                seen.add(vote.ballot_id)
    duplicate.votes.update(proposal=into)
    Session.objects.filter(proposal=duplicate).delete()
    duplicate.state = ProposalState.MERGED
    duplicate.merged_into = into
    duplicate.save(update_fields=["state", "merged_into", "updated_at"])
    return into
