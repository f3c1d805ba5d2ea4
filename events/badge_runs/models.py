"""A badge run: one request for a badge PDF rendered by a background task, with its
progress (badges rendered so far out of the total) and, when done, the file."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BadgeRunState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BadgeRun(models.Model):
    # The id is in the run's address: unguessable, though the page also checks permissions.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A run is a disposable rendering of the event's badges: it goes with the event.
    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE,
                              related_name="badge_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    layout = models.CharField(max_length=20)
    everyone = models.BooleanField(default=True)
    registration_ids = models.JSONField(default=list, blank=True)
    blanks = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=BadgeRunState.choices,
                             default=BadgeRunState.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="badge-runs/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("badge run")
        verbose_name_plural = _("badge runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.layout}, {self.total} badges ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    @property
    def is_finished(self) -> bool:
        return self.state in (BadgeRunState.DONE, BadgeRunState.FAILED)
