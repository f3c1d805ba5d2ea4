"""The digest choice on "What I follow": one day of the week or never, and a time zone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from network.time_zones import time_zone_choices

from .models import DigestFrequency, FollowSettings, Weekday

NEVER = "never"


def _day_choices() -> list:
    return [(str(value), label) for value, label in Weekday.choices] + [
        (NEVER, _("Never (no digest)"))]


def _zone_choices() -> list:
    return [("", _("The time zone of my home space")), *time_zone_choices()]


class DigestSettingsForm(forms.Form):
    """`day`: "0" (Monday) to "6" (Sunday) or "never"; `time_zone`: "" or an IANA zone."""

    day = forms.ChoiceField(label=_("Digest day"), choices=_day_choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices, required=False,
                                  help_text=_("The digest leaves at 8 in the morning of "
                                              "your day, in this time zone."))

    @classmethod
    def initial_for(cls, row: FollowSettings) -> dict:
        day = NEVER if row.digest == DigestFrequency.NEVER else str(row.digest_weekday)
        return {"day": day, "time_zone": row.time_zone}

    def weekday(self) -> int | None:
        """The chosen weekday (0 = Monday), None for never (valid form only)."""
        day = self.cleaned_data["day"]
        return None if day == NEVER else int(day)
