"""The participant's pages: the programme of an event, propose, edit, withdraw, dots,
a session's notes, my sessions. Phone first; every action is a plain form POST (a small
script on the programme page sends dots without a reload when JavaScript runs)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.calendar_tokens import calendar_token_active

from .. import selectors, services
from ..exceptions import InvalidProposal, NotesConflict, ProgrammeError
from ..forms import NotesForm, ProposalForm
from ..models import Phase, Proposal, ProposalState, Session
from ..notes import render_markdown
from ..privacy import host_names_visible_to
from .common import load_programme, refusal_response, wants_json


def _home_url(programme, anchor: str = "") -> str:
    return reverse("programme:home", args=[programme.event_id]) + anchor


def programme_home(request: HttpRequest, event_id: int) -> HttpResponse:
    programme = load_programme(request, event_id)
    user = request.user
    is_participant = services.user_is_participant(programme, user)
    is_organiser = services.user_is_organiser(programme, user)
    voting = programme.phase == Phase.VOTING
    proposals = list(selectors.proposals_for_voting(programme) if voting
                     else selectors.proposals_active(programme))
    mine = selectors.user_dots(programme, user)
    names = host_names_visible_to(user, proposals)
    for proposal in proposals:
        proposal.my_dots = mine.get(proposal.pk, 0)
        proposal.host_names = names[proposal.pk]
        proposal.is_mine = user.is_authenticated and proposal.proposer_id == user.pk
    context = {
        "programme": programme, "event": programme.event, "proposals": proposals,
        "is_participant": is_participant, "is_organiser": is_organiser,
        "can_propose": programme.phase in services.PROPOSING_PHASES and (
            is_participant or is_organiser),
        "can_vote": voting and is_participant,
        "dots_left": selectors.user_dots_left(programme, user) if is_participant else 0,
        "grid": selectors.programme_grid(programme) if programme.grid_is_public else None,
        "my_sessions": selectors.sessions_of_user(programme, user)
        if programme.grid_is_public else [],
    }
    return render(request, "programme/home.html", context)


def _proposal_form_view(request, programme, *, proposal: Proposal | None):
    proposer = proposal.proposer if proposal else request.user
    initial = {}
    if proposal is not None:
        initial = {"title": proposal.title, "description": proposal.description,
                   "kind": proposal.kind, "length": proposal.length,
                   "language": proposal.language, "needs": proposal.needs,
                   "co_hosts": [h for h in proposal.hosts.all() if h.pk != proposal.proposer_id]}
    else:
        initial = {"language": programme.event.language}
    form = ProposalForm(request.POST or None, initial=initial, programme=programme,
                        proposer=proposer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if proposal is None:
                    saved = services.proposal_create(programme, actor=request.user,
                                                     data=form.to_data())
                    messages.success(request, _("Your proposal is in."))
                else:
                    saved = services.proposal_update(proposal, actor=request.user,
                                                     data=form.to_data())
                    messages.success(request, _("Proposal saved."))
                return redirect(_home_url(programme, f"#proposal-{saved.pk}"))
            except InvalidProposal as exc:
                form.add_error(None, str(exc))
            except ProgrammeError as exc:
                return refusal_response(request, exc, _home_url(programme))
        status = 400
    return render(request, "programme/proposal_form.html",
                  {"programme": programme, "event": programme.event, "form": form,
                   "proposal": proposal}, status=status)


@login_required
def proposal_create(request: HttpRequest, event_id: int) -> HttpResponse:
    programme = load_programme(request, event_id)
    if request.method == "GET" and not (
            services.user_is_organiser(programme, request.user)
            or (programme.phase in services.PROPOSING_PHASES
                and services.user_is_participant(programme, request.user))):
        messages.error(request, _("Proposals are open to the event's participants while "
                                  "proposals or voting are open."))
        return redirect(_home_url(programme))
    return _proposal_form_view(request, programme, proposal=None)


@login_required
def proposal_edit(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    programme = load_programme(request, event_id)
    proposal = get_object_or_404(Proposal, pk=pk, programme=programme,
                                 state=ProposalState.SUBMITTED)
    proposal.programme = programme
    if proposal.proposer_id != request.user.pk and not services.user_is_organiser(
            programme, request.user):
        return HttpResponse(_("Only the proposer and the organisers can change a proposal."),
                            status=403, content_type="text/plain; charset=utf-8")
    return _proposal_form_view(request, programme, proposal=proposal)


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    programme = load_programme(request, event_id)
    proposal = get_object_or_404(Proposal, pk=pk, programme=programme)
    proposal.programme = programme
    try:
        services.proposal_withdraw(proposal, actor=request.user)
    except ProgrammeError as exc:
        return refusal_response(request, exc, _home_url(programme))
    messages.success(request, _("The proposal was withdrawn."))
    return redirect(_home_url(programme))


@login_required
@require_POST
def vote(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    """Add (`action=add`) or take back (`action=remove`) one dot. Answers JSON to a script,
    a redirect to the proposal otherwise."""
    programme = load_programme(request, event_id)
    proposal = get_object_or_404(Proposal, pk=pk, programme=programme)
    proposal.programme = programme
    action = request.POST.get("action", "add")
    if action not in ("add", "remove"):
        return HttpResponse(_("Unknown action."), status=400,
                            content_type="text/plain; charset=utf-8")
    try:
        if action == "add":
            services.vote_cast(proposal, actor=request.user)
        else:
            services.vote_withdraw(proposal, actor=request.user)
    except ProgrammeError as exc:
        return refusal_response(request, exc, _home_url(programme, f"#proposal-{pk}"))
    mine = selectors.user_dots(programme, request.user)
    if wants_json(request):
        return JsonResponse({"proposal": pk, "mine": mine.get(pk, 0),
                             "dots": proposal.votes.count(),
                             "dots_left": max(programme.dots_per_participant
                                              - sum(mine.values()), 0)})
    return redirect(_home_url(programme, f"#proposal-{pk}"))


def session_detail(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    """A session: when and where, hosts, the notes (rendered Markdown, sanitised), and for
    hosts and participants while it runs, the editor; older versions listed."""
    programme = load_programme(request, event_id)
    if not programme.grid_is_public and not services.user_is_organiser(programme,
                                                                         request.user):
        return redirect(_home_url(programme))
    session = get_object_or_404(Session.objects.select_related("room", "proposal"),
                                pk=pk, programme=programme)
    session.programme = programme
    latest = selectors.session_notes(session)
    may_edit = services.user_may_edit_notes(session, request.user)
    form = NotesForm(request.POST or None, initial={
        "body": latest.body if latest else "", "base_revision": latest.pk if latest else 0})
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                services.note_save(session, form.cleaned_data["body"], actor=request.user,
                                   base_revision_id=form.cleaned_data["base_revision"])
                messages.success(request, _("Notes saved."))
                return redirect(request.path)
            except NotesConflict as exc:
                # Keep the writer's text in the editor; the next save starts from the
                # version saved meanwhile, which the page now shows.
                latest = exc.latest
                form = NotesForm({"body": form.cleaned_data["body"],
                                  "base_revision": latest.pk if latest else 0})
                form.is_valid()
                form.add_error(None, str(exc))
                status = 409
            except InvalidProposal as exc:
                form.add_error("body", str(exc))
                status = 400
            except ProgrammeError as exc:
                return refusal_response(request, exc, request.path)
        else:
            status = 400
    revisions = list(session.note_revisions.select_related("author", "author__profile")[:20])
    return render(request, "programme/session.html", {
        "programme": programme, "event": programme.event, "session": session,
        "hosts": host_names_visible_to(request.user, [session.proposal])[session.proposal_id],
        "notes_html": render_markdown(latest.body) if latest else "",
        "latest": latest, "revisions": revisions, "form": form if may_edit else None,
    }, status=status)


@login_required
def my_sessions(request: HttpRequest, event_id: int) -> HttpResponse:
    """Phone view: the sessions I host or put a dot on, now/next first."""
    programme = load_programme(request, event_id)
    grid = selectors.programme_grid(programme)
    sessions = selectors.sessions_of_user(programme, request.user) \
        if programme.grid_is_public else []
    now_ids = {s.pk for s in grid.now}
    next_ids = {s.pk for s in grid.next}
    token = calendar_token_active(request.user)
    feed_url = (reverse("programme:sessions_calendar", kwargs={"token": token.token})
                if token else None)
    return render(request, "programme/mine.html", {
        "programme": programme, "event": programme.event, "sessions": sessions,
        "now_ids": now_ids, "next_ids": next_ids, "grid": grid, "feed_url": feed_url})
