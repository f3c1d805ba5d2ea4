"""The secret of a member's personal calendar feed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarToken(models.Model):
    """The secret in the address of a member's personal calendar feed; revoking it kills the URL.

    Created and revoked through `events.calendar_tokens`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_tokens")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} ({'revoked' if self.revoked_at else 'active'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
