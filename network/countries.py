"""Country names in the reader's language.

A space's country is free text (`SpacePage.country`, "Italy" by default), typed by its
organisers, usually in English. Pages show it in the reader's language ("Italia" on an
Italian page) with Babel's CLDR names: a stored English, Italian (any of
WAGTAIL_CONTENT_LANGUAGES) or ISO 3166 code name is recognised; anything else is shown as
stored. Nothing is written: the stored text stays what the directory filters on.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.conf import settings

from .translations import content_language


@lru_cache(maxsize=8)
def _names(language: str) -> dict[str, str]:
    """ISO 3166 alpha-2 code -> country name in `language` (Babel's CLDR data)."""
    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return {}
    return {code: name for code, name in territories.items() if len(code) == 2}


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """Any known name (casefolded) or code of a country -> its ISO code."""
    codes: dict[str, str] = {}
    for language, _label in settings.WAGTAIL_CONTENT_LANGUAGES:
        for code, name in _names(language).items():
            codes.setdefault(name.casefold(), code)
    for code in _names(settings.LANGUAGE_CODE):
        codes.setdefault(code.casefold(), code)
    return codes


def country_name(country: str, language: str | None = None) -> str:
    """`country` (as stored) named in `language` (default: the active one); as stored when
    it names no country Babel knows."""
    stored = (country or "").strip()
    code = _codes().get(stored.casefold())
    if code is None:
        return country or ""
    return _names(content_language(language)).get(code, country)
