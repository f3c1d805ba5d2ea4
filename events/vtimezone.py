"""VTIMEZONE components (RFC 5545 §3.6.5) built from the system's zoneinfo.

Why not icalendar's `Timezone.from_tzid`: it writes every onset in the offset *after* the
change (a DAYLIGHT onset of 03:00 for Europe/Rome instead of 02:00), and it covers only the
years it is given, so two feeds would carry two different definitions of one TZID; clients
that keep the first definition they saw then show events an hour off.

Guarantees of `vtimezone_ical(key)`:
- one definition per zone, the same bytes in every feed and file (it depends only on the
  zone and on `first_year`, which is `COVERAGE_FIRST_YEAR` unless an event is older);
- it agrees with zoneinfo at every instant from 1 January of `first_year` (local time) on:
  the zone's current rules are written as RRULEs (open-ended), every earlier change of
  offset as an explicit onset (DTSTART plus RDATEs);
- each onset's DTSTART is the local time in the offset *before* the change (TZOFFSETFROM),
  as §3.6.5 reads it: Europe/Rome's DAYLIGHT begins at 02:00, its STANDARD at 03:00.
"""

import calendar as calendar_module
import datetime as dt
import functools
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

#: The first year every definition covers: earlier only when a feed holds an older event.
COVERAGE_FIRST_YEAR = 1970
#: Up to where the zone's changes are read to find the rules in force (tzdata applies its
#: final rule to every later year, so a rule that holds up to here holds for ever).
_SCAN_LAST_YEAR = 2100
#: How many of a kind's latest onsets a rule is inferred from (a full 28-year calendar cycle).
_RULE_SAMPLE = 28
_DAY = 86_400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class _State(NamedTuple):
    """What a zone is at an instant (a tuple: the scan compares tens of thousands of them)."""

    offset: dt.timedelta
    name: str
    daylight: bool


@dataclass(frozen=True)
class _Onset:
    """A change of state, with its local time in the offset before the change."""

    local: dt.datetime
    before: _State
    after: _State

    @property
    def kind(self) -> tuple[dt.timedelta, _State]:
        return self.before.offset, self.after


@dataclass(frozen=True)
class _Rule:
    """A yearly rule: month, local time, and either a fixed day or a weekday in a day range."""

    month: int
    time: dt.time
    day: int | None = None          # fixed day of the month
    weekday: int | None = None      # 0 = Monday
    first_day: int | None = None    # the weekday falls in first_day .. first_day + 6
    last: bool = False              # the last such weekday of the month

    def date_in(self, year: int) -> dt.date:
        if self.day is not None:
            return dt.date(year, self.month, self.day)
        length = calendar_module.monthrange(year, self.month)[1]
        first = length - 6 if self.last else self.first_day
        start = dt.date(year, self.month, first)
        return start + dt.timedelta(days=(self.weekday - start.weekday()) % 7)

    def occurrence(self, year: int) -> dt.datetime:
        return dt.datetime.combine(self.date_in(year), self.time)

    def rrule(self) -> vRecur:
        if self.day is not None:
            return vRecur(freq="YEARLY", bymonth=self.month, bymonthday=self.day)
        weekday = _WEEKDAYS[self.weekday]
        if self.last:
            return vRecur(freq="YEARLY", bymonth=self.month, byday="-1" + weekday)
        if (self.first_day - 1) % 7 == 0:
            return vRecur(freq="YEARLY", bymonth=self.month,
                          byday=f"{(self.first_day - 1) // 7 + 1}{weekday}")
        return vRecur(freq="YEARLY", bymonth=self.month, byday=weekday,
                      bymonthday=list(range(self.first_day, self.first_day + 7)))


_ZERO = dt.timedelta(0)


def _state(zone: ZoneInfo, timestamp: int) -> _State:
    moment = dt.datetime.fromtimestamp(timestamp, zone)
    return _State(moment.utcoffset(), moment.tzname() or "", (moment.dst() or _ZERO) > _ZERO)


def _onsets(zone: ZoneInfo, start: int, end: int) -> tuple[_State, list[_Onset]]:
    """The state at `start` and every change up to `end` (UTC timestamps), to the second.

    Read a day at a time, then bisected; no zone changes twice within one day.
    """
    first = current = _state(zone, start)
    onsets: list[_Onset] = []
    moment = start
    while moment < end:
        following = min(moment + _DAY, end)
        state = _state(zone, following)
        if state != current:
            low, high = moment, following   # state(low) == current != state(high)
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            local = (dt.datetime.fromtimestamp(high, dt.UTC) + current.offset).replace(
                tzinfo=None)
            onsets.append(_Onset(local, current, state))
            current = state
        moment = following
    return first, onsets


def _infer_rule(sample: list[dt.datetime]) -> _Rule | None:
    """The yearly rule the sample follows, if there is one."""
    months = {onset.month for onset in sample}
    times = {onset.time() for onset in sample}
    if len(months) != 1 or len(times) != 1:
        return None
    month, time = months.pop(), times.pop()
    days = {onset.day for onset in sample}
    if len(days) == 1:
        return _Rule(month, time, day=days.pop())
    weekdays = {onset.weekday() for onset in sample}
    if len(weekdays) != 1:
        return None
    weekday = weekdays.pop()
    if all(onset.day + 7 > calendar_module.monthrange(onset.year, month)[1]
           for onset in sample):
        return _Rule(month, time, weekday=weekday, last=True)
    low, high = min(days), max(days)
    if high - low > 6:
        return None
    # "The n-th weekday" (BYDAY=2SU) when the days fit one of the first four weeks, else
    # "the weekday on or after day `low`" (BYDAY=FR;BYMONTHDAY=23,...,29).
    week_start = (low - 1) // 7 * 7 + 1
    first_day = week_start if high <= week_start + 6 and week_start <= 22 else low
    return _Rule(month, time, weekday=weekday, first_day=first_day)


def _rule_run(onsets: list[_Onset]) -> tuple[_Rule, int] | None:
    """For the onsets of one kind (oldest first): the rule of its latest onsets and the index
    of the first onset from which every year up to the end follows it without a gap."""
    sample = [onset.local for onset in onsets[-_RULE_SAMPLE:]]
    if len(sample) < _RULE_SAMPLE or sample[-1].year < _SCAN_LAST_YEAR - 1:
        return None
    rule = _infer_rule(sample)
    if rule is None:
        return None
    index = len(onsets)
    expected_year = onsets[-1].local.year
    while index > 0:
        onset = onsets[index - 1].local
        if onset.year != expected_year or onset != rule.occurrence(onset.year):
            break
        index -= 1
        expected_year -= 1
    return (rule, index) if index < len(onsets) else None


def _component(after: _State, offset_from: dt.timedelta, start: dt.datetime):
    component = TimezoneDaylight() if after.daylight else TimezoneStandard()
    component.add("dtstart", start)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", after.offset)
    if after.name:
        component.add("tzname", after.name)
    return component


@functools.lru_cache(maxsize=256)
def vtimezone_ical(key: str, first_year: int = COVERAGE_FIRST_YEAR) -> bytes:
    """The VTIMEZONE of zone `key` as iCalendar bytes, valid from 1 January `first_year`.

    Raises `zoneinfo.ZoneInfoNotFoundError` for an unknown zone.
    """
    zone = ZoneInfo(key)
    start = dt.datetime(first_year, 1, 1, tzinfo=zone)
    end = dt.datetime(_SCAN_LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)
    initial, onsets = _onsets(zone, int(start.timestamp()), int(end.timestamp()))
    by_kind: dict[tuple[dt.timedelta, _State], list[_Onset]] = {}
    for onset in onsets:
        by_kind.setdefault(onset.kind, []).append(onset)

    timezone = Timezone()
    timezone.add("tzid", key)
    first = _component(initial, initial.offset, start.replace(tzinfo=None))
    first.add("rdate", start.replace(tzinfo=None))
    timezone.add_component(first)
    for (offset_from, after), kind_onsets in by_kind.items():
        run = _rule_run(kind_onsets)
        explicit = kind_onsets[:run[1]] if run else kind_onsets
        if explicit:
            component = _component(after, offset_from, explicit[0].local)
            # Every onset as an RDATE, the first one too: DTSTART is an onset (§3.6.5), but
            # some readers (e.g. the `ical` library) only count RDATEs and RRULEs.
            for onset in explicit:
                component.add("rdate", onset.local)
            timezone.add_component(component)
        if run:
            rule, index = run
            component = _component(after, offset_from, kind_onsets[index].local)
            component.add("rrule", rule.rrule())
            timezone.add_component(component)
    return timezone.to_ical()


def coverage_first_year(local_starts: list[dt.datetime]) -> int:
    """`COVERAGE_FIRST_YEAR`, or the local year of the oldest start when that is earlier."""
    return min([COVERAGE_FIRST_YEAR, *(start.year for start in local_starts)])
