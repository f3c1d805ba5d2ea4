"""The time zones an editor picks from (spaces and events): a list, never free text."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.utils.translation import gettext_lazy as _

#: Offered first: where the network's spaces are, and the zones most events are in.
COMMON_TIME_ZONES = (
    "Europe/Rome", "Europe/London", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
    "Europe/Berlin", "Europe/Zurich", "Europe/Vienna", "Europe/Athens",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Tokyo", "Australia/Sydney", "UTC",
)


@cache
def all_time_zones() -> tuple[str, ...]:
    """Every IANA zone this system knows, sorted (the same set `validate_time_zone` takes)."""
    return tuple(sorted(known_time_zones()))


@cache
def known_time_zones() -> frozenset[str]:
    """Every IANA zone this system knows, read once per process: `available_timezones()`
    walks the zone directories on each call (~10 ms), and every save of a space or event
    validates its zone. A new tzdata takes effect at the next restart."""
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list:
    """Choices for a Select: the common zones first, then every zone, as two groups."""
    known = set(all_time_zones())
    common = [(name, name) for name in COMMON_TIME_ZONES if name in known]
    return [(_("Common"), common),
            (_("All time zones"), [(name, name) for name in all_time_zones()])]


def time_zone_choices_or_default(default_label: str) -> list:
    """`time_zone_choices()` after an empty choice labelled `default_label`."""
    return [("", default_label), *time_zone_choices()]
