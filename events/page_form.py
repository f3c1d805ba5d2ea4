"""The editor's form of an EventPage (its `base_form_class`).

Times are written and shown in the EVENT's own time zone, whatever the editor's own zone:
the Cambridge event at 17:00 America/New_York reads 17:00 in its form, labelled with the
zone, and is stored as 22:00 UTC. The zone is picked from a list.

Decided: the times in the form are the event's wall-clock times, so changing only the zone
keeps them (17:00 New York becomes 17:00 Chicago, one hour later in UTC). An editor who
moves an event to another zone checks the times on the same form.

Publishing an event whose start has passed needs a tick in "Yes, it starts in the past",
unless the live event already starts at that time (editing an old event's text asks nothing).

This module must not import events.models (models.py imports it).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel

from network.time_zones import time_zone_choices_or_default

#: The event's fields holding an instant, edited as local times of the event's zone.
LOCAL_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def local_to_utc(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The instant at wall-clock time `naive` in `zone`, or None when the clocks skip that
    time (the spring change). An hour that happens twice (autumn) is its first occurrence."""
    aware = naive.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


class LocalDateTimeField(forms.DateTimeField):
    """A date and time exactly as written (naive): the form reads it in the event's zone,
    not in the zone of the editor that Wagtail activates."""

    def to_python(self, value):
        with timezone.override(dt.UTC):
            result = super().to_python(value)
        if result is None or (isinstance(value, dt.datetime) and timezone.is_aware(value)):
            return result
        return result.replace(tzinfo=None)


class ConfirmationPanel(FieldPanel):
    """A checkbox shown only once the form asks for it (its error) or it was ticked."""

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self) -> bool:
            if self.bound_field is None:
                return False
            return bool(self.bound_field.errors) or bool(self.bound_field.value())


class EventPageForm(WagtailAdminPageForm):
    confirm_past_start = forms.BooleanField(
        label=_("Yes, it starts in the past"), required=False,
        help_text=_("Needed to publish an event whose start has already passed."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.space_zone_name = self._space_zone_name()
        zone_name = self.instance.time_zone if _zone(self.instance.time_zone) else ""
        shown_zone = _zone(zone_name or self.space_zone_name)
        for name in LOCAL_TIME_FIELDS:
            if name not in self.fields:
                continue
            old = self.fields[name]
            local = _("Local time in %(zone)s.") % {"zone": shown_zone.key}
            self.fields[name] = LocalDateTimeField(
                label=old.label, required=old.required, widget=old.widget,
                help_text=f"{old.help_text} {local}" if old.help_text else local)
            value = getattr(self.instance, name)
            if value is not None:
                self.initial[name] = timezone.localtime(value, shown_zone).replace(tzinfo=None)
        if "time_zone" in self.fields:
            default = _("The space's time zone (%(zone)s)") % {"zone": self.space_zone_name}
            self.fields["time_zone"].widget = forms.Select(
                choices=lambda: time_zone_choices_or_default(default))
            self.fields["time_zone"].help_text = _(
                "The times above are read in this time zone: changing it keeps them as "
                "written.")

    def _space_zone_name(self) -> str:
        parent = self.parent_page.specific if self.parent_page is not None else None
        name = getattr(parent, "time_zone", "")
        return name if _zone(name) else settings.TIME_ZONE

    def clean(self) -> dict:
        cleaned = super().clean()
        zone = _zone(cleaned.get("time_zone")) or _zone(self.space_zone_name)
        for name in LOCAL_TIME_FIELDS:
            value = cleaned.get(name)
            if value is None or timezone.is_aware(value):
                continue
            instant = local_to_utc(value, zone)
            if instant is None:
                self.add_error(name, _(
                    "%(time)s does not exist in %(zone)s: the clocks move forward then.")
                    % {"time": formats.date_format(value, "H:i"), "zone": zone.key})
                cleaned.pop(name, None)
            else:
                cleaned[name] = instant
        self._confirm_past_start(cleaned, zone)
        return cleaned

    def _confirm_past_start(self, cleaned: dict, zone: zoneinfo.ZoneInfo) -> None:
        starts = cleaned.get("starts_at")
        if (not self.data.get("action-publish") or starts is None or starts >= timezone.now()
                or cleaned.get("confirm_past_start")):
            return
        live = (type(self.instance)._default_manager.filter(pk=self.instance.pk, live=True)
                .values_list("starts_at", flat=True).first() if self.instance.pk else None)
        # The form shows minutes: a live start with seconds comes back without them.
        if live is not None and live.replace(second=0, microsecond=0) == starts:
            return
        self.add_error("confirm_past_start", _(
            "This event starts in the past (%(when)s, %(zone)s). Tick the box to publish "
            "it anyway.") % {"when": formats.date_format(timezone.localtime(starts, zone),
                                                         "DATETIME_FORMAT"),
                             "zone": zone.key})
