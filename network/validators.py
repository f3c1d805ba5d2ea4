"""Validators for user-entered network data."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .time_zones import known_time_zones


def validate_time_zone(value: str) -> None:
    """Accept only IANA time-zone names known to this system (e.g. Europe/Rome)."""
    if value not in known_time_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone, e.g. Europe/Rome."),
                              params={"value": value}, code="invalid_time_zone")


def validate_no_control_characters(value: str) -> None:
    """One-line names: refuse newlines, tabs and other control characters."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(_("Use a single line without control characters."),
                              code="control_characters")


MAX_LINKS = 10


def validate_link_lines(value: str) -> None:
    """Profile links: one http(s) address per line, at most MAX_LINKS, each a complete URL."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise ValidationError(_("Give at most %(max)s links."), params={"max": MAX_LINKS},
                              code="too_many_links")
    check = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(lines, start=1):
        try:
            check(line)
        except ValidationError:
            raise ValidationError(
                _("Line %(number)s is not a complete web address (https://…): “%(line)s”."),
                params={"number": number, "line": line[:80]}, code="invalid_link") from None
