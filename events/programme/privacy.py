"""The unconference programme's part of a member's own data: the proposals they made or
host, the dots they gave, the session notes they wrote. `home.privacy` orchestrates every
app's part.

Guarantees of `member_data_erase`: the member's own proposals that are still being proposed
or voted on (and do not belong to an event that has started) are withdrawn through
`proposal_withdraw`, as the proposer would (their dots go back to the voters). Once a
programme is published, its sessions stay as the organisers planned them; the programme
names people only through their profile (`selectors.person_name`), which the network's
part deletes, so the erased member is shown as "—". Dots stay as an anonymous tally; notes
stay (they belong to the session and its co-authors), attached to the anonymised account.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from network.privacy import export_datetime

from .exceptions import ProgrammeError
from .models import NoteRevision, Proposal, ProposalState, Vote
from .services import proposal_withdraw
from .services.common import PROPOSING_PHASES


def member_data_export(user) -> dict[str, Any]:
    """Proposals the member made or hosts, the dots they gave and the notes they wrote,
    JSON-serialisable."""
    proposals = (Proposal.objects.filter(Q(proposer=user) | Q(hosts=user)).distinct()
                 .select_related("programme__event").order_by("created_at", "pk"))
    hosted = set(Proposal.objects.filter(hosts=user).values_list("pk", flat=True))
    dots = (Vote.objects.filter(ballot__user=user)
            .values("proposal__title", "proposal__programme__event__title")
            .annotate(dots=Count("pk")).order_by("proposal__programme__event__title",
                                                 "proposal__title"))
    notes = (NoteRevision.objects.filter(author=user)
             .select_related("session__proposal", "session__programme__event")
             .order_by("created_at", "pk"))
    return {
        "proposals": [
            {"event": proposal.programme.event.title, "title": proposal.title,
             "description": proposal.description, "kind": proposal.kind,
             "state": proposal.state, "proposer": proposal.proposer_id == user.pk,
             "host": proposal.pk in hosted, "created_at": export_datetime(proposal.created_at)}
            for proposal in proposals
        ],
        "dots": [
            {"event": row["proposal__programme__event__title"],
             "proposal": row["proposal__title"], "dots": row["dots"]}
            for row in dots
        ],
        "session_notes": [
            {"event": note.session.programme.event.title,
             "session": note.session.proposal.title, "text": note.body,
             "created_at": export_datetime(note.created_at)}
            for note in notes
        ],
    }


def proposals_to_withdraw(user) -> list[Proposal]:
    """The member's own proposals still open to change by their proposer, at events that
    have not started."""
    return list(Proposal.objects.filter(
        proposer=user, state=ProposalState.SUBMITTED,
        programme__phase__in=PROPOSING_PHASES,
        programme__event__starts_at__gt=timezone.now()).order_by("pk"))


@transaction.atomic
def member_data_erase(user) -> dict[str, int]:
    """Withdraw the proposals the module's guarantees say, acting as their proposer. Safe
    to run twice. Returns how many were withdrawn and kept (the phase moved on meanwhile)."""
    withdrawn = kept = 0
    for proposal in proposals_to_withdraw(user):
        try:
            proposal_withdraw(proposal, actor=user)
        except ProgrammeError:
            kept += 1
        else:
            withdrawn += 1
    return {"proposals_withdrawn": withdrawn, "proposals_kept": kept}
