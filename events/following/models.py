"""What members follow (a space, a topic, a format), their digest choice, and the record of
every digest sent, which is what makes sending idempotent.

State changes go through `events.following.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import EventFormat
from network.validators import validate_time_zone


class FollowKind(models.TextChoices):
    SPACE = "space", _("Space")
    TOPIC = "topic", _("Topic")
    FORMAT = "format", _("Format")


class Follow(models.Model):
    """A member follows one space, one topic (a tag of events) or one format."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="follows")
    kind = models.CharField(_("kind"), max_length=10, choices=FollowKind.choices)
    space = models.ForeignKey("network.SpacePage", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="followers")
    topic = models.ForeignKey("taggit.Tag", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="followers")
    format = models.CharField(_("format"), max_length=20, blank=True, default="",
                              choices=EventFormat.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["kind", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="space", space__isnull=False, topic__isnull=True, format="")
                           | Q(kind="topic", space__isnull=True, topic__isnull=False, format="")
                           | (Q(kind="format", space__isnull=True, topic__isnull=True)
                              & ~Q(format=""))),
                name="follow_one_target_of_its_kind"),
            models.UniqueConstraint(fields=["user", "space"], condition=Q(kind="space"),
                                    name="follow_space_once"),
            models.UniqueConstraint(fields=["user", "topic"], condition=Q(kind="topic"),
                                    name="follow_topic_once"),
            models.UniqueConstraint(fields=["user", "format"], condition=Q(kind="format"),
                                    name="follow_format_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.kind == FollowKind.SPACE:
            return self.space.title
        if self.kind == FollowKind.TOPIC:
            return self.topic.name
        return str(EventFormat(self.format).label)


class DigestFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Once a week")
    NEVER = "never", _("Never")


class Weekday(models.IntegerChoices):
    """Python's numbering (`date.weekday()`): Monday is 0."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class FollowSettings(models.Model):
    """A member's digest choice. No row = the default (weekly on Monday, in the time zone of
    their home space, once they follow something)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="follow_settings")
    digest = models.CharField(_("digest e-mail"), max_length=10, choices=DigestFrequency.choices,
                              default=DigestFrequency.WEEKLY)
    digest_weekday = models.PositiveSmallIntegerField(_("digest day"), choices=Weekday.choices,
                                                      default=Weekday.MONDAY)
    #: empty: the member's home space's zone, else the site's (`digest.member_time_zone`)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="",
                                 validators=[validate_time_zone])

    class Meta:
        verbose_name = _("following settings")
        verbose_name_plural = _("following settings")
        constraints = [models.CheckConstraint(condition=Q(digest_weekday__lte=6),
                                              name="follow_settings_weekday_0_to_6")]

    def __str__(self) -> str:
        return f"{self.user}: {self.digest}"


class Digest(models.Model):
    """One digest sent to a member for one week (`week` is that week's Monday in the
    member's time zone, see `digest.digest_schedule`). The unique (user, week) row is the
    claim: two workers cannot both send a member's digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="digests")
    week = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-week", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "week"],
                                               name="digest_one_per_user_and_week")]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"


class DigestEvent(models.Model):
    """An event told to a member in a digest: never told again (unique per member)."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"],
                                               name="digest_event_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ← {self.event_id}"
