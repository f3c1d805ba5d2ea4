"""A space's subscriptions to other sites' calendars, and which of its events came from
which subscription.

Changed only through `events.federation.services`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.validators import validate_no_control_characters


class CalendarSubscription(models.Model):
    """A space imports the events of an iCalendar URL or of another Espresso's JSON feed."""

    space = models.ForeignKey("network.SpacePage", on_delete=models.CASCADE,
                              related_name="calendar_subscriptions", verbose_name=_("space"))
    url = models.URLField(_("calendar address"), max_length=2000,
                          help_text=_("An iCalendar (.ics) address or another Espresso's "
                                      "JSON feed (…/events/feed.json)."))
    name = models.CharField(_("name"), max_length=120, blank=True,
                            validators=[validate_no_control_characters],
                            help_text=_("Shown on imported events as their origin."))
    active = models.BooleanField(_("sync regularly"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")
    # Conditional GET on the next sync, and the hash of the last document read.
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True,
                                           editable=False)
    last_success_at = models.DateTimeField(_("last imported"), null=True, blank=True,
                                           editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_report = models.JSONField(default=dict, blank=True, editable=False)
    # When the feed's recurring events were last expanded (the import window moves with the
    # clock: a feed with series is read again at least daily, even when not modified).
    expanded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        ordering = ["space__title", "url"]
        constraints = [models.UniqueConstraint(fields=["space", "url"],
                                               name="subscription_one_per_space_url")]

    def __str__(self) -> str:
        return self.name or self.url

    @property
    def label(self) -> str:
        return self.name or self.url


class ImportedEvent(models.Model):
    """The link between an event of a feed (UID, RECURRENCE-ID) and the EventPage holding
    it here. Rows are never deleted by a sync: an event gone upstream is cancelled."""

    subscription = models.ForeignKey(CalendarSubscription, on_delete=models.CASCADE,
                                     related_name="imported_events")
    event = models.OneToOneField("events.EventPage", on_delete=models.CASCADE,
                                 related_name="imported_from")
    uid = models.CharField(max_length=255)
    recurrence_id = models.CharField(max_length=40, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    gone = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("imported event")
        verbose_name_plural = _("imported events")
        constraints = [models.UniqueConstraint(fields=["subscription", "uid", "recurrence_id"],
                                               name="imported_event_one_per_uid")]

    def __str__(self) -> str:
        return f"{self.uid} {self.recurrence_id}".strip()


class ImportedSeries(models.Model):
    """The link between a recurring event of a feed (its master's UID) and the EventSeries
    holding it here. Never deleted by a sync: a series gone upstream is cancelled."""

    subscription = models.ForeignKey(CalendarSubscription, on_delete=models.CASCADE,
                                     related_name="imported_series")
    series = models.OneToOneField("events.EventSeries", on_delete=models.CASCADE,
                                  related_name="imported_from")
    uid = models.CharField(max_length=255)
    sequence = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    gone = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("imported series")
        verbose_name_plural = _("imported series")
        constraints = [models.UniqueConstraint(fields=["subscription", "uid"],
                                               name="imported_series_one_per_uid")]

    def __str__(self) -> str:
        return self.uid
