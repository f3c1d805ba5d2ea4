"""Events: EventPage (under a SpacePage) and the network listing page (EventIndexPage).

Every state change that counts seats lives in `events.services`.
"""

import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager
from wagtail.search import index

from network.validators import validate_no_control_characters, validate_time_zone

from ..blocks import EventBodyBlock
from ..page_form import ConfirmationPanel, EventPageForm
from .event_queryset import EventPageQuerySet

MAX_EVENT_DURATION = timedelta(days=14)
#: the earliest a reminder may leave: two weeks before the start
MAX_REMINDER_HOURS = 24 * 14


class EventFormat(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    SEMINAR = "seminar", _("Seminar")
    MEETUP = "meetup", _("Meetup")
    TALK = "talk", _("Talk")
    UNCONFERENCE = "unconference", _("Unconference")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    POSTPONED = "postponed", _("Postponed")


class EventTopic(TaggedItemBase):
    content_object = ParentalKey("events.EventPage", on_delete=models.CASCADE,
                                 related_name="tagged_topics")


class RegistrationWindow(StrEnum):
    """Whether people may register for an event now and, if not, why
    (`EventPage.registration_window`)."""

    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    UNPUBLISHED = "unpublished"
    ELSEWHERE = "elsewhere"  # imported: people register on the site it comes from


class EventPage(Page):
    """One event of a space. Times are stored in UTC and shown in the event's time zone."""

    format = models.CharField(_("format"), max_length=20, choices=EventFormat.choices,
                              default=EventFormat.WORKSHOP)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(EventBodyBlock(), blank=True, verbose_name=_("description"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True,
                                 validators=[validate_time_zone],
                                 help_text=_("Empty = the space's time zone."))
    room = models.CharField(_("room"), max_length=120, blank=True,
                            validators=[validate_no_control_characters])
    address_override = models.CharField(_("address (if not at the space)"), max_length=255,
                                        blank=True, validators=[validate_no_control_characters])
    online_url = models.URLField(_("online link"), blank=True,
                                 help_text=_("For hybrid or online events."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default="it")
    topics = ClusterTaggableManager(through=EventTopic, blank=True, verbose_name=_("topics"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True,
                                           validators=[MinValueValidator(1),
                                                       MaxValueValidator(1_000_000)],
                                           help_text=_("Empty = unlimited."))
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True,
                                                 help_text=_("Empty = as soon as published."))
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True,
                                                  blank=True,
                                                  help_text=_("Empty = when the event starts."))
    waitlist_enabled = models.BooleanField(_("waiting list"), default=True)
    price_credits = models.PositiveIntegerField(_("price (credits)"), default=0,
                                                validators=[MaxValueValidator(1_000_000)])
    cancellation_deadline_hours = models.PositiveIntegerField(
        _("free cancellation until (hours before start)"), default=24,
        validators=[MaxValueValidator(24 * 60)])
    reward_host = models.PositiveIntegerField(_("credits earned by hosts"), default=0,
                                              validators=[MaxValueValidator(100_000)])
    reward_speaker = models.PositiveIntegerField(_("credits earned by speakers"), default=0,
                                                 validators=[MaxValueValidator(100_000)])
    reward_volunteer = models.PositiveIntegerField(_("credits earned by volunteers"), default=0,
                                                   validators=[MaxValueValidator(100_000)])
    guests_allowed = models.BooleanField(_("guests without an account may register"),
                                         default=False, help_text=_("Free events only."))
    checkin_opens_hours_before = models.PositiveIntegerField(
        _("check-in opens (hours before start)"), default=2,
        validators=[MaxValueValidator(24 * 7)],
        help_text=_("Check-in at the door is open from this many hours before the start "
                    "until the end."))
    # events.reminders: one e-mail per confirmed person this many hours before the start.
    reminder_hours_before = models.PositiveIntegerField(
        _("reminder (hours before start)"), null=True, blank=True, default=24,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REMINDER_HOURS)],
        help_text=_("Confirmed people get an e-mail with their ticket this many hours before "
                    "the start. Empty = no reminder."))
    status = models.CharField(_("status"), max_length=20, choices=EventStatus.choices,
                              default=EventStatus.SCHEDULED)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Calendar identity (invariant 7): UID never changes, SEQUENCE grows on each
    # published change of time, place or status.
    ical_uid = models.CharField(max_length=120, unique=True, editable=False, default="")
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Denormalised from the ancestor SpacePage so listings filter with one join.
    space = models.ForeignKey("network.SpacePage", null=True, blank=True, editable=False,
                              on_delete=models.SET_NULL, related_name="events")
    # Imported from another site by events.federation: {"url": its page there, "feed_url",
    # "name", "uid", "recurrence_id", "data": what the feed said that has no column here
    # (venue, organizer, seats left...)}. Empty for the site's own events.
    origin = models.JSONField(default=dict, blank=True, editable=False)
    # One occurrence of a recurring series (events.models.series); `recurrence_id` is its
    # original start (the RECURRENCE-ID in .ics), kept when the occurrence is moved.
    series = models.ForeignKey("events.EventSeries", null=True, blank=True, editable=False,
                               on_delete=models.PROTECT, related_name="occurrences")
    recurrence_id = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PageManager.from_queryset(EventPageQuerySet)()
    # A copy is a new event of this site: its own UID, no origin, not a date of a series.
    exclude_fields_in_copy = ["ical_uid", "sequence", "origin", "series", "recurrence_id"]

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("format"), FieldPanel("language")]),
        FieldPanel("summary"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
            FieldPanel("time_zone"),
            ConfirmationPanel("confirm_past_start"),
        ], heading=_("When")),
        MultiFieldPanel([
            FieldPanel("room"), FieldPanel("address_override"), FieldPanel("online_url"),
        ], heading=_("Where")),
        FieldPanel("body"),
        FieldPanel("topics"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("capacity"), FieldPanel("waitlist_enabled")]),
            FieldRowPanel([FieldPanel("registration_opens_at"),
                           FieldPanel("registration_closes_at")]),
            FieldRowPanel([FieldPanel("price_credits"), FieldPanel("cancellation_deadline_hours")]),
            FieldPanel("guests_allowed"),
            FieldRowPanel([FieldPanel("checkin_opens_hours_before"),
                           FieldPanel("reminder_hours_before")]),
        ], heading=_("Registration")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("reward_host"), FieldPanel("reward_speaker"),
                           FieldPanel("reward_volunteer")]),
        ], heading=_("Rewards")),
        # Registration questions (events.models.questions): answers keep the question as
        # it was when answered, so editing one here never rewrites what people said.
        InlinePanel("questions", heading=_("Registration questions"),
                    label=_("Question")),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_reason")],
                        heading=_("Status")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("starts_at"),
        index.FilterField("format"),
        index.FilterField("status"),
    ]
    parent_page_types = ["network.SpacePage"]
    subpage_types = []
    # A copy (the admin's "Copy", or a translation) is a new calendar event with its own UID
    # and SEQUENCE, in the space it is copied under (save() derives it from the parent); a
    # translation's space becomes the original's when it is published (events.translations).
    exclude_fields_in_copy = ["ical_uid", "sequence", "space"]
    # Times in the event's own zone, the zone from a list, a past start confirmed.
    base_form_class = EventPageForm

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["starts_at"], name="event_starts_at_idx")]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors.setdefault("ends_at", []).append(_("The end must come after the start."))
            elif self.ends_at - self.starts_at > MAX_EVENT_DURATION:
                errors.setdefault("ends_at", []).append(_("An event lasts at most 14 days."))
        closes = self.registration_closes_at
        if closes and self.ends_at and closes > self.ends_at:
            errors.setdefault("registration_closes_at", []).append(
                _("Registration must close no later than the end of the event."))
        if (self.registration_opens_at and self.registration_closes_at
                and self.registration_opens_at >= self.registration_closes_at):
            errors.setdefault("registration_closes_at", []).append(
                _("Registration must close after it opens."))
        if self.guests_allowed and self.price_credits:
            errors.setdefault("guests_allowed", []).append(
                _("Only free events can accept guests without an account."))
        if self.status != EventStatus.SCHEDULED and not self.status_reason:
            errors.setdefault("status_reason", []).append(
                _("Say why the event is cancelled or postponed."))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Identity fields only: a stable UID and the owning space (derived from the tree).
        if not self.ical_uid:
            self.ical_uid = f"{uuid.uuid4()}@espresso"
        if self.space_id is None and self.depth and self.path:
            parent = self.get_parent()
            if parent is not None:
                self.space_id = parent.id
        super().save(*args, **kwargs)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        name = self.time_zone or (self.space.time_zone if self.space_id else settings.TIME_ZONE)
        return zoneinfo.ZoneInfo(name)

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.tz)

    @property
    def all_day(self) -> bool:
        """Imported from a calendar that gave dates, not times (iCalendar VALUE=DATE, a JSON
        item's `all_day`): stored as local midnight to midnight (events.all_day)."""
        return bool(((self.origin or {}).get("data") or {}).get("all_day"))

    @property
    def first_day(self) -> date:
        """The local date the event starts on."""
        return self.local_starts_at.date()

    @property
    def last_day(self) -> date:
        """The local date the event ends on; an end at midnight ends the day before."""
        end = self.local_ends_at
        if end.time() == time() and end.date() > self.first_day:
            return end.date() - timedelta(days=1)
        return end.date()

    @property
    def effective_registration_opens_at(self) -> datetime | None:
        """When registration opens: the date set, else the first publication."""
        return self.registration_opens_at or self.first_published_at

    @property
    def effective_registration_closes_at(self) -> datetime:
        """When registration closes: the date set, else the start of the event."""
        return self.registration_closes_at or self.starts_at

    def registration_window(self, now: datetime | None = None) -> RegistrationWindow:
        """The one answer to "may people register now?" (organisers may still add people
        outside the window: see `events.services.registration_create`)."""
        now = now or timezone.now()
        opens = self.effective_registration_opens_at
        if self.origin:
            return RegistrationWindow.ELSEWHERE
        if self.is_cancelled:
            return RegistrationWindow.CANCELLED
        if not self.live or opens is None:
            return RegistrationWindow.UNPUBLISHED
        if now < opens:
            return RegistrationWindow.NOT_YET_OPEN
        if now >= self.effective_registration_closes_at:
            return RegistrationWindow.CLOSED
        return RegistrationWindow.OPEN

    @property
    def is_free(self) -> bool:
        return self.price_credits == 0

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    def get_format_display(self) -> str:
        """The format's label in the active language; an unknown stored value as it is.

        Django's own `get_FOO_display` rebuilds the dict of every choice, translating each
        label, on every call: most of a feed VEVENT's Python beside icalendar's."""
        try:
            return str(EventFormat(self.format).label)
        except ValueError:
            return self.format

    def with_content_json(self, content):
        """Calendar identity belongs to the page, not to a revision: publishing an older
        revision must never bring back an old SEQUENCE (invariant 7), so keep the stored one."""
        obj = super().with_content_json(content)
        stored = (EventPage.objects.filter(pk=self.pk).values_list("sequence", "ical_uid")
                  .first() if self.pk else None)
        if stored is not None:
            obj.sequence, obj.ical_uid = stored
        return obj

    # --- Display helpers for the discovery side (templates, feeds) -----------------

    @property
    def time_zone_name(self) -> str:
        """The IANA name of the zone the event is shown in (its own, else its space's)."""
        return str(self.tz.key)

    @property
    def published_uid(self) -> str:
        """The UID feeds publish: an imported event keeps the UID its origin gave it (a
        single event, or a date of a series in another Espresso's JSON feed); our own events
        and the dates of an iCalendar series (which share the series' UID there) their
        `ical_uid`. In a public .ics a date of a series is written with its series' UID."""
        origin = self.origin or {}
        if "published_uid" in origin:
            return origin["published_uid"] or self.ical_uid
        if origin.get("uid") and not origin.get("recurrence_id"):
            return origin["uid"]
        return self.ical_uid

    @property
    def is_postponed(self) -> bool:
        return self.status == EventStatus.POSTPONED

    @property
    def is_hybrid(self) -> bool:
        return bool(self.online_url)

    @property
    def has_ended(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def venue_address(self) -> str:
        """The postal address of the venue: the override, else the space's address and city."""
        if self.address_override:
            return self.address_override
        if not self.space_id:
            return ""
        space = self.space
        return ", ".join(part for part in (space.address, space.city, space.region,
                                           space.country) if part)

    @property
    def location_text(self) -> str:
        """One line for calendars: room, space name, address."""
        venue = self.space.title if self.space_id else ""
        if self.origin:  # the origin's venue, not the importing space
            venue = ((self.origin.get("data") or {}).get("venue") or {}).get("name", "")
        parts = [self.room, venue, self.venue_address]
        return ", ".join(part for part in parts if part)

    @property
    def seats_taken(self) -> int:
        """Registrations holding a seat: the `with_seats_taken` annotation when the event was
        listed with it (events.selectors), else counted now the same way, on the original
        when this page is a translation (events.translations: one event, one seat list)."""
        annotated = self.__dict__.get("seats_taken_count")
        if annotated is not None:
            return annotated
        original = (EventPage.objects.filter(translation_key=self.translation_key)
                    .order_by("pk").values("pk")[:1])
        return (EventPage.objects.filter(pk=Subquery(original)).with_seats_taken()
                .values_list("seats_taken_count", flat=True).get())

    @property
    def seats_left(self) -> int | None:
        """Free seats, or None when the capacity is unlimited (an imported event: as its
        origin said at the last sync)."""
        if self.origin:
            return (self.origin.get("data") or {}).get("seats_left", self.capacity)
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)
