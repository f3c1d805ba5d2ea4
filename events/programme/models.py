"""The unconference programme of an event: phase, proposals, dots, rooms, slots, sessions,
notes.

Thin models: every change that must keep an invariant (the dot limit, one session per room
and slot, no host in two places, the phase rules) is a function of
`events.programme.services`.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.validators import validate_no_control_characters

MAX_DOTS = 50
MAX_ROOM_CAPACITY = 100_000


class Phase(models.TextChoices):
    CLOSED = "closed", _("Closed")
    PROPOSALS = "proposals", _("Proposals open")
    VOTING = "voting", _("Voting open")
    SCHEDULED = "scheduled", _("Programme published")
    RUNNING = "running", _("Running")
    ARCHIVED = "archived", _("Archived")


#: The order of the phases (an organiser may move forwards or backwards).
PHASE_ORDER = [value for value, _label in Phase.choices]

#: The phases that may start at a set time, and the Programme field holding that time.
PHASE_TIME_FIELDS = {
    Phase.PROPOSALS: "proposals_open_at",
    Phase.VOTING: "voting_opens_at",
    Phase.SCHEDULED: "published_at",
    Phase.RUNNING: "running_at",
    Phase.ARCHIVED: "archived_at",
}


class Equipment(models.TextChoices):
    PROJECTOR = "projector", _("Projector")
    WHITEBOARD = "whiteboard", _("Whiteboard")
    QUIET = "quiet", _("Quiet room")


class ProposalKind(models.TextChoices):
    TALK = "talk", _("Talk")
    WORKSHOP = "workshop", _("Workshop")
    DISCUSSION = "discussion", _("Discussion")
    DEMO = "demo", _("Demo")
    OTHER = "other", _("Other")


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged")


class Programme(models.Model):
    """The unconference side of one event. Its row is also the lock that serialises every
    change of the grid (`services` takes it with SELECT ... FOR UPDATE)."""

    event = models.OneToOneField("events.EventPage", on_delete=models.CASCADE,
                                 related_name="programme")
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices,
                             default=Phase.CLOSED)
    dots_per_participant = models.PositiveSmallIntegerField(
        _("dots per participant"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DOTS)])
    stacking_allowed = models.BooleanField(
        _("several dots on one proposal"), default=False,
        help_text=_("Let participants put more than one of their dots on the same proposal."))
    outcomes_published_at = models.DateTimeField(_("outcomes published"), null=True, blank=True)
    # Optional timetable: at each set time the phase moves forward to that phase, once
    # (`services.programme_phase_catch_up`); the organiser may still move it by hand.
    proposals_open_at = models.DateTimeField(_("proposals open at"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("voting opens at"), null=True, blank=True)
    published_at = models.DateTimeField(_("programme published at"), null=True, blank=True)
    running_at = models.DateTimeField(_("running from"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    #: The last phase a set time moved the programme to (a time acts once: an organiser
    #: who moves back after it is not overruled).
    timed_phase_applied = models.CharField(max_length=12, blank=True, editable=False)
    last_schedule_report = models.JSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return f"{self.event} ({self.get_phase_display()})"

    def phase_due(self, now) -> str | None:
        """The latest phase whose set time has come by `now` (None when none has)."""
        due = None
        for phase in PHASE_ORDER:
            at = getattr(self, PHASE_TIME_FIELDS.get(phase, ""), None)
            if at is not None and at <= now:
                due = phase
        return due

    def phase_next_timed(self, now) -> tuple[str, object] | None:
        """The next phase that starts at a set time after `now`, with that time."""
        later = [(phase, getattr(self, field)) for phase, field in PHASE_TIME_FIELDS.items()
                 if getattr(self, field) is not None and getattr(self, field) > now
                 and PHASE_ORDER.index(phase) > PHASE_ORDER.index(self.phase)]
        return min(later, key=lambda item: item[1]) if later else None

    @property
    def upcoming_phase(self) -> dict | None:
        """The next timed phase for people to read: {"label", "at", "zone"}, or None."""
        upcoming = self.phase_next_timed(timezone.now())
        if upcoming is None:
            return None
        return {"label": Phase(upcoming[0]).label, "at": upcoming[1],
                "zone": self.event.time_zone_name}

    @property
    def grid_is_public(self) -> bool:
        return self.phase in (Phase.SCHEDULED, Phase.RUNNING, Phase.ARCHIVED)


class Room(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=80, validators=[validate_no_control_characters])
    capacity = models.PositiveIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ROOM_CAPACITY)])
    equipment = models.JSONField(_("equipment"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["programme", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"],
                                               name="programme_room_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def equipment_labels(self) -> list[str]:
        labels = dict(Equipment.choices)
        return [str(labels.get(value, value)) for value in self.equipment]


class Slot(models.Model):
    """A time slot of the grid. Slots never overlap; breaks are the gaps between them."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["programme", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="programme_slot_ends_after_start"),
            models.UniqueConstraint(fields=["programme", "starts_at"],
                                    name="programme_slot_unique_start"),
        ]

    def __str__(self) -> str:
        tz = self.programme.event.tz
        start, end = timezone.localtime(self.starts_at, tz), timezone.localtime(self.ends_at, tz)
        return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


class Proposal(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ProposalKind.choices,
                            default=ProposalKind.DISCUSSION)
    length = models.PositiveSmallIntegerField(
        _("length (slots)"), default=1, choices=[(1, _("One slot")), (2, _("Two slots"))])
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default="it")
    needs = models.JSONField(_("needs"), default=list, blank=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                 on_delete=models.SET_NULL, related_name="programme_proposals")
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="programme_hosting",
                                   verbose_name=_("hosts"))
    state = models.CharField(_("state"), max_length=10, choices=ProposalState.choices,
                             default=ProposalState.SUBMITTED)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session proposal")
        verbose_name_plural = _("session proposals")
        ordering = ["programme", "created_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state == ProposalState.SUBMITTED


class Ballot(models.Model):
    """One participant's ballot in one programme: the row locked while they vote, so two
    parallel votes of the same person are counted one after the other."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="programme_ballots")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "user"],
                                               name="programme_one_ballot_per_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.programme_id}"


class Vote(models.Model):
    """One dot on one proposal (several rows for the same proposal when stacking is on)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("dot")
        verbose_name_plural = _("dots")
        indexes = [models.Index(fields=["proposal"], name="programme_vote_proposal_idx")]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.proposal_id}"


class Session(models.Model):
    """A proposal placed in the grid: a room and one or two consecutive slots (its cells).

    Calendar identity: `ical_uid` never changes, `sequence` grows on every move."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="session")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    first_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    last_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    pinned = models.BooleanField(_("pinned"), default=False,
                                 help_text=_("The automatic scheduler never moves it."))
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True,
                                             validators=[MaxValueValidator(MAX_ROOM_CAPACITY)])
    ical_uid = models.CharField(max_length=120, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["programme", "starts_at", "room__position", "id"]

    def __str__(self) -> str:
        return self.proposal.title

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"{uuid.uuid4()}@espresso"
        super().save(*args, **kwargs)


class Cell(models.Model):
    """One room and slot occupied by a session. The unique constraint is the database's own
    guarantee that a room holds one session at a time."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="cells")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="cells")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="cells")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "slot"],
                                               name="programme_one_session_per_cell")]

    def __str__(self) -> str:
        return f"{self.room_id}/{self.slot_id}"


class NoteRevision(models.Model):
    """One saved version of a session's notes (Markdown); the newest is the current text."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="note_revisions")
    body = models.TextField(_("notes"), max_length=50_000, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["session", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.session_id} @ {self.created_at:%Y-%m-%d %H:%M}"
