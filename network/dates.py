"""Month and day names in dates, in the reader's language.

Italian writes them in lower case ("sabato 3 dicembre 2026", "3 dic"); Django's Italian
catalogue capitalises them ("Sabato 3 Dicembre"). The project's catalogue
(locale/it/LC_MESSAGES/django.po, which takes precedence over Django's) gives the lower-case
names for the `F`, `E`, `N`, `l` and `D` formats. Django's `M` format (the three-letter
month) title-cases whatever the catalogue says, so `month_abbreviation_keep_case()` makes it
keep the catalogue's case in the languages listed in LOWER_CASE_NAMES. English keeps "Dec".
"""

from __future__ import annotations

from django.utils.dateformat import DateFormat
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language

#: Languages whose month names are written in lower case inside a date.
LOWER_CASE_NAMES = frozenset({"it"})


def month_abbreviation(date_format: DateFormat) -> str:
    """The `M` format: "Dec" in English, "dic" in Italian."""
    name = str(MONTHS_3[date_format.data.month])
    if (get_language() or "").split("-")[0] in LOWER_CASE_NAMES:
        return name
    return name.title()


def month_abbreviation_keep_case() -> None:
    """Install `month_abbreviation` as Django's `M` date format (called once at start-up by
    NetworkConfig.ready; every `date` filter and `date_format` call then uses it)."""
    DateFormat.M = month_abbreviation
