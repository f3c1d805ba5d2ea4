import datetime

import pytest
from django.utils import translation

from reports.periods import PeriodError, period_parse


@pytest.mark.parametrize("text, label, start, end", [
    ("2026", "2026", (2026, 1, 1), (2026, 12, 31)),
    (" 2026-q2 ", "2026-Q2", (2026, 4, 1), (2026, 6, 30)),
    ("2024-02", "2024-02", (2024, 2, 1), (2024, 2, 29)),
    ("2026-12", "2026-12", (2026, 12, 1), (2026, 12, 31)),
])
def test_periods_are_years_quarters_and_months(text, label, start, end):
    period = period_parse(text)
    assert (period.label, period.start, period.end) == (
        label, datetime.date(*start), datetime.date(*end))


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-Q5", "2026-00", "1999", "2101",
                                  "2026-1", "\uff12\uff10\uff12\uff16", "2026-03-01", "=1+1",
                                  "9" * 400])
def test_anything_else_is_a_clear_error(text):
    with pytest.raises(PeriodError):
        period_parse(text)


def test_a_quarter_lists_its_months():
    assert period_parse("2026-Q4").months() == [(2026, 10), (2026, 11), (2026, 12)]


def test_surrounding_blanks_are_trimmed():
    assert period_parse("2026\n").label == "2026"


def test_the_message_is_in_italian_too():
    with translation.override("it"), pytest.raises(PeriodError, match="non è un periodo"):
        period_parse("2026-13")
