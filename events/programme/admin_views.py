"""The organisers' side of the programme in the Wagtail admin: the list of unconferences,
one programme's settings (phase, dots, rooms, slots, the scheduler, outcomes, rewards) and
the grid (rooms as columns, slots as rows: a session moves by choosing its new cell, or,
with JavaScript, by dragging it onto the cell, which posts the same form).

Every change is a POST that calls `services`; a refusal becomes an error message and
changes nothing. An event of another space is a 404.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from events.models import EventFormat, EventPage
from network.db_retry import db_retry
from network.permissions import spaces_organised_by, user_is_coordinator, user_organises_space

from . import selectors, services, tasks
from .exceptions import PhaseClosed, ProgrammeError
from .models import (
    MAX_DOTS,
    PHASE_TIME_FIELDS,
    Equipment,
    Phase,
    Programme,
    Proposal,
    Room,
    Session,
    Slot,
)


def user_may_manage_programmes(user) -> bool:
    return user_is_coordinator(user) or spaces_organised_by(user).exists()


def _events_for(user):
    qs = EventPage.objects.select_related("space")
    if not user_is_coordinator(user):
        qs = qs.filter(space__in=spaces_organised_by(user).values("pk"))
    return qs


def _phase_time_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class SettingsForm(forms.Form):
    """The phase, the dots and the optional timetable. Validate and render it inside
    `timezone.override(event.tz)`: the times are the event's local times."""

    phase = forms.ChoiceField(label=gettext_lazy("Phase"), choices=Phase.choices)
    dots_per_participant = forms.IntegerField(label=gettext_lazy("Dots per participant"),
                                              min_value=1, max_value=MAX_DOTS)
    stacking_allowed = forms.BooleanField(label=gettext_lazy("Several dots on one proposal"),
                                          required=False)
    proposals_open_at = _phase_time_field(gettext_lazy("Open proposals at"))
    voting_opens_at = _phase_time_field(gettext_lazy("Open voting at"))
    published_at = _phase_time_field(gettext_lazy("Publish the programme at"))
    running_at = _phase_time_field(gettext_lazy("Running from"))
    archived_at = _phase_time_field(gettext_lazy("Archive at"))

    @classmethod
    def initial_for(cls, programme) -> dict:
        return {"phase": programme.phase,
                "dots_per_participant": programme.dots_per_participant,
                "stacking_allowed": programme.stacking_allowed,
                **{field: getattr(programme, field) for field in PHASE_TIME_FIELDS.values()}}

    def phase_times(self) -> dict:
        return {phase: self.cleaned_data.get(field)
                for phase, field in PHASE_TIME_FIELDS.items()}


class RoomForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Room"), max_length=80)
    capacity = forms.IntegerField(label=gettext_lazy("Capacity"), min_value=1,
                                  max_value=100_000)
    equipment = forms.MultipleChoiceField(label=gettext_lazy("Equipment"),
                                          choices=Equipment.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)


class SlotForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(
        attrs={"type": "date"}))
    starts = forms.TimeField(label=gettext_lazy("Starts"), widget=forms.TimeInput(
        attrs={"type": "time"}))
    ends = forms.TimeField(label=gettext_lazy("Ends"), widget=forms.TimeInput(
        attrs={"type": "time"}))


class ProgrammeIndexView(WagtailAdminTemplateMixin, TemplateView):
    """Unconference events the user organises, with their programme's phase."""

    template_name = "programme/admin/index.html"
    page_title = gettext_lazy("Unconferences")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not user_may_manage_programmes(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        events = (_events_for(self.request.user).filter(format=EventFormat.UNCONFERENCE)
                  .order_by("-starts_at"))
        programmes = {p.event_id: p for p in Programme.objects.filter(
            event__in=events).annotate(proposal_count=Count("proposals"))}
        rows = [(event, programmes.get(event.pk)) for event in events[:200]]
        return {**super().get_context_data(**kwargs), "rows": rows}

    def post(self, request, *args, **kwargs):
        event = get_object_or_404(_events_for(request.user), pk=request.POST.get("event"))
        services.programme_ensure(event)
        return HttpResponseRedirect(reverse("programme_admin:programme", args=[event.pk]))


class _ProgrammeView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        event = get_object_or_404(EventPage.objects.select_related("space"),
                                  pk=kwargs["event_id"])
        if not user_organises_space(request.user, event.space_id):
            raise Http404
        self.programme = services.programme_ensure(event)
        self.programme.event = event
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.programme.event.title

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items,
                {"url": reverse("programme_admin:index"), "label": _("Unconferences")},
                {"url": "", "label": self.get_page_title(),
                 "sublabel": self.get_page_subtitle()}]

    def _back(self):
        return HttpResponseRedirect(self.request.path)

    def _run(self, action, success: str):
        try:
            db_retry(action)()  # a deadlock runs the (idempotent) action again
        except ProgrammeError as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(self.request, success)
        return self._back()


class ProgrammeSettingsView(_ProgrammeView):
    template_name = "programme/admin/programme.html"
    page_title = gettext_lazy("Programme")

    def get_context_data(self, **kwargs):
        p = self.programme
        return {
            **super().get_context_data(**kwargs), "programme": p, "event": p.event,
            "settings_form": kwargs.get("settings_form") or SettingsForm(
                initial=SettingsForm.initial_for(p)),
            "room_form": kwargs.get("room_form") or RoomForm(),
            "slot_form": kwargs.get("slot_form") or SlotForm(initial={
                "day": p.event.local_starts_at.date()}),
            "rooms": Room.objects.filter(programme=p),
            "slots": Slot.objects.filter(programme=p).order_by("starts_at"),
            "report": p.last_schedule_report, "tz": p.event.time_zone_name,
            "proposal_count": p.proposals.filter(state="submitted").count(),
            "session_count": p.sessions.count(),
        }

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        p, actor = self.programme, request.user
        if action == "settings":
            form = SettingsForm(request.POST)
            with timezone.override(p.event.tz):
                valid = form.is_valid()
            if not valid:
                return self._invalid(settings_form=form)
            data = form.cleaned_data
            return self._run(lambda: services.programme_configure(
                p, actor=actor, phase=data["phase"],
                dots_per_participant=data["dots_per_participant"],
                stacking_allowed=data["stacking_allowed"], phase_times=form.phase_times()),
                _("Programme saved."))
        if action == "room":
            form = RoomForm(request.POST)
            if not form.is_valid():
                return self._invalid(room_form=form)
            data = form.cleaned_data
            return self._run(lambda: services.room_save(
                p, actor=actor, name=data["name"], capacity=data["capacity"],
                equipment=data["equipment"]), _("Room added."))
        if action == "room_delete":
            room = get_object_or_404(Room, programme=p, pk=request.POST.get("room"))
            return self._run(lambda: services.room_delete(room, actor=actor),
                             _("Room deleted."))
        if action == "slot":
            form = SlotForm(request.POST)
            if not form.is_valid():
                return self._invalid(slot_form=form)
            data, tz = form.cleaned_data, p.event.tz
            starts = dt.datetime.combine(data["day"], data["starts"], tzinfo=tz)
            ends = dt.datetime.combine(data["day"], data["ends"], tzinfo=tz)
            return self._run(lambda: services.slot_create(p, actor=actor, starts_at=starts,
                                                          ends_at=ends), _("Slot added."))
        if action == "slot_delete":
            slot = get_object_or_404(Slot, programme=p, pk=request.POST.get("slot"))
            return self._run(lambda: services.slot_delete(slot, actor=actor),
                             _("Slot deleted."))
        if action in ("schedule", "replan"):
            def enqueue():
                if p.phase not in services.SCHEDULING_PHASES:
                    raise PhaseClosed(_("Schedule once voting is open and until the "
                                        "programme is archived."))
                tasks.programme_schedule_on_commit(p, actor=actor,
                                                   full_replan=action == "replan")
            return self._run(enqueue, _("The scheduler is filling the grid; the report "
                                        "below shows its result."))
        if action == "outcomes":
            return self._run(lambda: services.outcomes_publish(p, actor=actor),
                             _("Outcomes published."))
        if action == "reward_hosts":
            return self._run(lambda: services.hosts_make_registration_hosts(p, actor=actor),
                             _("Hosts of the sessions that took place are now hosts of the "
                               "event: they earn the host reward at check-in."))
        messages.error(request, _("Unknown action."))
        return self._back()

    def _invalid(self, **forms_):
        response = self.render_to_response(self.get_context_data(**forms_))
        response.status_code = 400
        return response


class ProgrammeGridView(_ProgrammeView):
    """Rooms as columns, slots as rows. Each session offers the free cells it fits in; the
    proposals not placed yet, the merge of duplicates and withdrawals sit below."""

    template_name = "programme/admin/grid.html"
    page_title = gettext_lazy("Grid")

    def get_context_data(self, **kwargs):
        p = self.programme
        grid = selectors.programme_grid(p, with_unplaced=True)
        tz = p.event.tz
        occupied = {(cell.room_id, cell.slot_id) for s in selectors.sessions_placed(p)
                    for cell in s.cells.all()}
        free_cells = [
            (f"{room.pk}:{row.slot.pk}",
             f"{room.name} · {timezone.localtime(row.slot.starts_at, tz):%a %H:%M}")
            for row in grid.rows for room in grid.rooms
            if (room.pk, row.slot.pk) not in occupied]
        proposals = list(selectors.proposals_active(p))
        # (slot row, [(room, "room id:slot id", what is there)]): every cell names itself,
        # so a session dragged onto it (static/js/programme-grid.js) posts the same "move"
        # as the cell chooser below each session.
        cell_rows = [(row, [(room, f"{room.pk}:{row.slot.pk}", cell)
                            for room, cell in zip(grid.rooms, row.cells, strict=True)])
                     for row in grid.rows]
        return {**super().get_context_data(**kwargs), "programme": p, "event": p.event,
                "grid": grid, "cell_rows": cell_rows, "free_cells": free_cells,
                "proposals": proposals, "tz": p.event.time_zone_name}

    def post(self, request, *args, **kwargs):
        p, actor = self.programme, request.user
        action = request.POST.get("action")
        if action in ("place", "move"):
            proposal = get_object_or_404(Proposal, programme=p, pk=request.POST.get("proposal"))
            try:
                room_id, slot_id = (int(x) for x in request.POST.get("cell", "").split(":"))
            except ValueError:
                messages.error(request, _("Choose a cell."))
                return self._back()
            room = get_object_or_404(Room, programme=p, pk=room_id)
            slot = get_object_or_404(Slot, programme=p, pk=slot_id)
            return self._run(lambda: services.session_place(proposal, room=room, slot=slot,
                                                            actor=actor),
                             _("“%(title)s” moved.") % {"title": proposal.title})
        if action in ("pin", "unpin", "unplace", "attendance"):
            session = get_object_or_404(Session, programme=p, pk=request.POST.get("session"))
            if action == "unplace":
                return self._run(lambda: services.session_unplace(session, actor=actor),
                                 _("Session taken out of the grid."))
            if action == "attendance":
                raw = request.POST.get("attendance", "").strip()
                try:
                    value = int(raw) if raw else None
                except ValueError:
                    messages.error(request, _("Give a whole number of people."))
                    return self._back()
                return self._run(lambda: services.session_set_attendance(
                    session, value, actor=actor), _("Attendance saved."))
            return self._run(lambda: services.session_set_pinned(session, action == "pin",
                                                                 actor=actor),
                             _("Pinned.") if action == "pin" else _("Unpinned."))
        if action == "merge":
            duplicate = get_object_or_404(Proposal, programme=p, pk=request.POST.get("proposal"))
            into = get_object_or_404(Proposal, programme=p, pk=request.POST.get("into") or 0)
            return self._run(lambda: services.proposal_merge(duplicate, into, actor=actor),
                             _("Proposals merged."))
        if action == "withdraw":
            proposal = get_object_or_404(Proposal, programme=p, pk=request.POST.get("proposal"))
            return self._run(lambda: services.proposal_withdraw(proposal, actor=actor),
                             _("Proposal withdrawn."))
        messages.error(request, _("Unknown action."))
        return self._back()
