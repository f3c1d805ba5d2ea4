"""The unconference programme's part of a member's own data: the proposals they made or
host, the dots they gave, the session notes they wrote. `home.privacy` orchestrates every
app's part. And who may be named as a session's host where (`hosts_visible_to`).

Hosts are named only as far as the directory's rule lets the reader see their profile
(`network.selectors.profiles_visible_to`, the rule the read API follows too): the public
feeds (the event's .ics, the JSON feed) read as an anonymous visitor, so they name hosts
with a public profile only; a member's own sessions feed reads as that member; the
programme's pages (proposals, a session, the outcomes, the grid PDF) as whoever asks (an
anonymous visitor's cached page names public profiles only). A host with a hidden profile
(or none) is left out of the list, never shown by another name. The event report, the
organisers' own document, names every host as it names every registration.

Guarantees of `member_data_erase`: the member's own proposals that are still being proposed
or voted on (and do not belong to an event that has started) are withdrawn through
`proposal_withdraw`, as the proposer would (their dots go back to the voters). Once a
programme is published, its sessions stay as the organisers planned them; the programme
names people only through their profile (`selectors.person_name`), which the network's
part deletes, so the erased member is shown as "—". Dots stay as an anonymous tally; notes
stay (they belong to the session and its co-authors), attached to the anonymised account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from network.privacy import export_datetime
from network.selectors import profiles_visible_to

from .exceptions import ProgrammeError
from .models import NoteRevision, Proposal, ProposalState, Vote
from .selectors import person_name
from .services import proposal_withdraw
from .services.common import PROPOSING_PHASES


def hosts_visible_to(viewer, hosts: Iterable) -> set[int]:
    """The ids of `hosts` (users) whose profile `viewer` may see (None: an anonymous
    reader), in one query (none for no hosts)."""
    ids = {host.pk for host in hosts}
    if not ids:
        return set()
    return set(profiles_visible_to(viewer).filter(user_id__in=ids)
               .values_list("user_id", flat=True))


def host_names_visible_to(viewer, proposals: Iterable[Proposal]) -> dict[int, list[str]]:
    """{proposal id: the display names of its hosts whose profile `viewer` may see, in host
    order}, in one query (with the proposals' hosts prefetched)."""
    proposals = list(proposals)
    visible = hosts_visible_to(viewer, [h for p in proposals for h in p.hosts.all()])
    return {p.pk: [person_name(h) for h in p.hosts.all() if h.pk in visible]
            for p in proposals}


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
