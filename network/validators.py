"""Validators for user-entered network data."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    """Accept only IANA time-zone names known to this system (e.g. Europe/Rome)."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone, e.g. Europe/Rome."),
                              params={"value": value}, code="invalid_time_zone")


def validate_no_control_characters(value: str) -> None:
    """One-line names: refuse newlines, tabs and other control characters."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(_("Use a single line without control characters."),
                              code="control_characters")
