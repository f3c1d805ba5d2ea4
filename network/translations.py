"""Pages in two languages: one page per language, one original (docs/translations.md).

With Wagtail's locales (WAGTAIL_I18N_ENABLED) a page and its translations share a
`translation_key`; each lives in its language's tree (the English home and its pages, the
Italian home and its pages) and is served under its language's prefix (/en/..., /it/...).
The **original** is the oldest page of a key: it holds the identity (an event's seats, a
space's organisers and accounts), and every list is built on originals (`originals()`),
then shown in the visitor's language (`pages_in_language()`).

A page that has no translation in the visitor's language is still served under that
language's prefix, in its own language (`home.models.HomePage.route` falls back to the
other trees): `page_url_in_language()` gives that address, so a visitor who reads Italian
keeps the Italian interface, and the page says that it is shown in its original language.

Figures (reports, credits, the organisers' lists of spaces) count originals only and name
them with `titles_in_language()`: each space and event once, in the reader's language.

Guarantees: `originals(qs)` keeps one page per translation key in the same single query;
`pages_in_language()` and `titles_in_language()` cost one query whatever the number of
pages; no function here writes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import ModelChoiceField, ModelChoiceIterator, ModelChoiceIteratorValue
from django.http import HttpRequest
from django.utils.translation import get_language, get_language_info
from wagtail.models import Locale, Page

from .pagecache.versions import cached_under_version

P = TypeVar("P", bound=Page)

#: Attributes a list's query put on an original (annotations, joined rows) that its
#: translation shows as its own: the facts are the original's.
CARRIED_ATTRIBUTES = ("seats_taken_count", "topic_names", "_prefetched_objects_cache")


def originals(queryset: QuerySet[P]) -> QuerySet[P]:
    """`queryset` without translations: each translated page once, as its original (the
    oldest page of its translation key), in the queryset's order, in one SQL query."""
    # wagtailcore_page alone (no join): its unique (translation_key, locale) index serves it.
    older = Page.objects.filter(translation_key=OuterRef("translation_key"),
                                pk__lt=OuterRef("pk"))
    return queryset.filter(~Exists(older))


def page_original(page: P) -> P:
    """The original of `page` (itself when it has no older translation), as the same model."""
    model = type(page)
    original = (model.objects.filter(translation_key=page.translation_key, pk__lt=page.pk)
                .order_by("pk").first())
    return original if original is not None else page


def titles_in_language(pks: Iterable[int], language: str | None = None) -> dict[int, str]:
    """For each page id in `pks`, the title a visitor reading `language` (default: the
    active one) sees: the live translation's title in that language when there is one, else
    the page's own title. The way figures (reports, credits) name the originals they count,
    each once. One query; unknown ids are absent."""
    wanted = set(pks)
    if not wanted:
        return {}
    language = content_language(language)
    rows = list(Page.objects.filter(translation_key__in=Page.objects.filter(pk__in=wanted)
                                    .values("translation_key"))
                .values_list("pk", "translation_key", "title", "live", "locale__language_code"))
    translated = {key: title for _pk, key, title, live, code in rows
                  if live and code == language}
    return {pk: translated.get(key, title) for pk, key, title, _live, _code in rows
            if pk in wanted}


class _TitlesInLanguageIterator(ModelChoiceIterator):
    """A model choice field's choices named with `titles_in_language` (one query for all of
    them), sorted by the name shown."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        pages = list(self.queryset)
        titles = titles_in_language(page.pk for page in pages)
        named = sorted(((titles.get(page.pk, page.title), page) for page in pages),
                       key=lambda pair: (pair[0].casefold(), pair[1].pk))
        for title, page in named:
            yield (ModelChoiceIteratorValue(self.field.prepare_value(page), page), title)


def choices_in_language(field: ModelChoiceField) -> ModelChoiceField:
    """`field` (a choice among pages: spaces, events) naming each page in the reader's
    language (`titles_in_language`), sorted by that name. Returns the field."""
    field.iterator = _TitlesInLanguageIterator
    return field


def content_language(language: str | None = None) -> str:
    """The content language for `language` (default: the active one): 'it-ch' -> 'it';
    anything unknown -> LANGUAGE_CODE."""
    codes = [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]
    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    if language in codes:
        return language
    base = language.split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


#: The languages pages can be written in (the values `?lang=` accepts).
CONTENT_LANGUAGES = tuple(code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES)


def requested_language(value: str | None) -> str | None:
    """The content language a `?lang=` value asks for ('it', 'IT', 'it-CH' -> 'it'); None
    when the value is empty (the caller then uses the visitor's language). Raises
    ValueError for a language the site has no content in (or a malformed value)."""
    if not value:
        return None
    language = value.lower()
    if language in CONTENT_LANGUAGES:
        return language
    base = language.split("-")[0]
    if base in CONTENT_LANGUAGES and re.fullmatch(r"[a-z]{2}(?:-[a-z0-9]{1,8})?", language):
        return base
    raise ValueError(value)


def _locale_codes(request: HttpRequest | None) -> dict[int, str]:
    """Locale id -> language code (one query, kept on the request when there is one)."""
    codes = getattr(request, "_espresso_locale_codes", None)
    if codes is None:
        codes = dict(Locale.objects.values_list("pk", "language_code"))
        if request is not None:
            request._espresso_locale_codes = codes
    return codes


def page_language(page: Page, request: HttpRequest | None = None) -> str:
    """The language code of `page`'s locale (no query when the locale was joined, else at
    most one per request)."""
    if Page._meta.get_field("locale").is_cached(page):
        return page.locale.language_code
    return _locale_codes(request).get(page.locale_id, settings.LANGUAGE_CODE)


def page_in_language(page: P, language: str, request: HttpRequest | None = None) -> P | None:
    """The live page of `page`'s translation key in `language` (`page` itself when it is
    in that language), as `page`'s model; None when there is none."""
    if page_language(page, request) == language:
        return page
    return (type(page).objects.live()
            .filter(translation_key=page.translation_key, locale__language_code=language)
            .first())


_PREFIX = re.compile(r"^(?P<head>(?:[a-z][a-z0-9+.-]*://[^/]+)?)/(?P<lang>[a-z]{2}(?:-[a-z0-9]+)?)/")


def _url_with_language(url: str, language: str) -> str:
    """`url` (relative or absolute) with its language prefix replaced by `language`'s."""
    return _PREFIX.sub(lambda m: f"{m.group('head')}/{language}/", url, count=1)


def page_url_in_language(page: Page, language: str, request: HttpRequest | None = None,
                         *, translation: Page | None = None) -> str:
    """Where a visitor reading `language` finds `page`: its translation's URL when it has a
    live one (pass `translation` when already known), else the page's own address under
    `language`'s prefix, served in the page's language (see the module). "" if unroutable."""
    if translation is None:
        translation = page_in_language(page, language, request)
    if translation is not None:
        return translation.get_url(request) or ""
    return _url_with_language(page.get_url(request) or "", language)


@dataclass(frozen=True)
class PageLanguage:
    """One language of a page, for the switcher and the hreflang alternates."""

    code: str
    name_local: str
    url: str
    translated: bool  # a page of its own in this language (False: the fallback address)
    current: bool  # the visitor's language
    is_original: bool = False  # the original page is in this language
    is_this_page: bool = False  # the page being shown is in this language


def page_languages(page: Page, request: HttpRequest | None = None) -> list[PageLanguage]:
    """Every content language with where `page` is read in it: its translation, or the
    fallback address showing the original. One query, once per request and page, and none
    while the content version holds (pages, locales and sites are watched tables; the key
    names the page, the visitor's language and the host the URLs are made for; a preview,
    whose page is not what the database holds, is never kept)."""
    cache = getattr(request, "_espresso_page_languages", None)
    if cache is not None and cache[0] == page.pk:
        return cache[1]
    current = content_language()
    if request is None or not page.pk or getattr(request, "is_preview", False):
        result = _page_languages(page, request, current)
    else:
        where = f"{request._get_raw_host()}|{request.get_port()}"
        result = cached_under_version(request, f"page-languages:{page.pk}:{current}:{where}",
                                      lambda: _page_languages(page, request, current))
    if request is not None:
        request._espresso_page_languages = (page.pk, result)
    return result


def _page_languages(page: Page, request: HttpRequest | None,
                    current: str) -> list[PageLanguage]:
    pages: dict[str, Page] = {}
    for other in (Page.objects.live().filter(translation_key=page.translation_key)
                  .select_related("locale").order_by("pk")):
        pages.setdefault(other.locale.language_code, other)
    original = min(pages.values(), key=lambda p: p.pk) if pages else page
    result = []
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        own = pages.get(code)
        url = (own.get_url(request) or "") if own is not None else \
            _url_with_language(original.get_url(request) or "", code)
        result.append(PageLanguage(code=code, name_local=get_language_info(code)["name_local"],
                                   url=url, translated=own is not None, current=code == current,
                                   is_original=own is not None and own.pk == original.pk,
                                   is_this_page=own is not None and own.pk == page.pk))
    return result


def pages_in_language(pages: Sequence[P], language: str | None = None,
                      request: HttpRequest | None = None) -> list[P]:
    """`pages` (originals) as a visitor reading `language` sees them: each replaced by its
    live translation in that language when it has one (carrying the original's
    annotations, CARRIED_ATTRIBUTES, and joined space), else the original itself. Each
    returned page has `display_url`, where that visitor reads it. One query."""
    language = content_language(language)
    own = {page.pk: page_language(page, request) for page in pages}
    keys = [page.translation_key for page in pages if own[page.pk] != language]
    found: dict = {}
    if keys and pages:
        model = type(pages[0])
        for translation in (model.objects.live()
                            .filter(translation_key__in=keys, locale__language_code=language)):
            found[translation.translation_key] = translation
    result = []
    for page in pages:
        translation = found.get(page.translation_key)
        if translation is None:
            shown = page
            shown.display_url = (page.get_url(request) or "") \
                if own[page.pk] == language else \
                _url_with_language(page.get_url(request) or "", language)
        else:
            shown = _carry(page, translation)
            shown.display_url = translation.get_url(request) or ""
        result.append(shown)
    return result


def _carry(original: P, translation: P) -> P:
    for name in CARRIED_ATTRIBUTES:
        if name in original.__dict__:
            translation.__dict__[name] = original.__dict__[name]
    for field in _cached_relations(original):
        field.set_cached_value(translation, field.get_cached_value(original))
    return translation


def _cached_relations(page: Page) -> Iterable:
    for field in page._meta.concrete_fields:
        if field.is_relation and field.many_to_one and field.is_cached(page) \
                and field.name not in ("locale", "content_type", "owner", "live_revision",
                                       "latest_revision", "alias_of", "locked_by"):
            yield field


def page_for_visitor(page: P | None, request: HttpRequest | None = None) -> P | None:
    """`page` as the visitor reading the active language sees it (`pages_in_language` for
    one page, `display_url` set); None stays None."""
    return pages_in_language([page], request=request)[0] if page is not None else None
