"""The period a space or network report covers: a year ("2026"), a quarter ("2026-Q2") or a
month ("2026-03"), as inclusive dates. Events belong to a period by the date they start on
in the network's time zone (settings.TIME_ZONE); ledger movements by the date they were
recorded on, in the same zone."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

_YEAR = re.compile(r"^([0-9]{4})$")
_QUARTER = re.compile(r"^([0-9]{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
MIN_YEAR, MAX_YEAR = 2000, 2100


class PeriodError(ValueError):
    """The text does not name a period this module understands."""


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def start_at(self) -> datetime.datetime:
        """The first instant of the period in the network's time zone."""
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))

    @property
    def end_before(self) -> datetime.datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time()))

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def _last_day(year: int, month: int) -> datetime.date:
    following = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return following - datetime.timedelta(days=1)


def period_parse(text: str) -> Period:
    """"2026" → the year, "2026-Q2" → April to June, "2026-03" → March. Raises PeriodError
    with a message for anything else (other shapes, a month 13, a year outside 2000-2100)."""
    text = str(text).strip()
    if match := _YEAR.match(text):
        year, first, last = int(match[1]), 1, 12
    elif match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first, last = 3 * quarter - 2, 3 * quarter
        text = f"{year}-Q{quarter}"
    elif (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12:
        year, first = int(match[1]), int(match[2])
        last = first
    else:
        raise PeriodError(_("“%(text)s” is not a period: write a year (2026), a quarter "
                            "(2026-Q2) or a month (2026-03).") % {"text": text[:40]})
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(_("The year must be between %(min)d and %(max)d.")
                          % {"min": MIN_YEAR, "max": MAX_YEAR})
    return Period(label=text, start=datetime.date(year, first, 1), end=_last_day(year, last))


def period_current_year() -> Period:
    return period_parse(str(timezone.localdate().year))
