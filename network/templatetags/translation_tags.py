"""The languages of the page being shown: the switcher, the hreflang alternates and the note
on a page shown in its original language (network.translations)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language_info
from wagtail.models import Page

from ..translations import content_language, page_language, page_languages

register = template.Library()


def _served_page(context) -> Page | None:
    """The page Wagtail is serving for this request (the context's `page`, only when it is
    the routed page: a view that shows an event as `page`, such as check-in, is not it)."""
    request = context.get("request")
    page = context.get("page")
    route = getattr(request, "_wagtail_route_for_request", None)
    if not isinstance(page, Page) or not route or route[0].pk != page.pk:
        return None
    return page


@register.simple_tag(takes_context=True)
def language_options(context) -> list[dict]:
    """One entry per language for the switcher: {code, name_local, action, current}.
    `action` posts to Django's set_language (which also remembers the choice for the
    pages without a language in their address) and goes on to this page in that language:
    its translation, or this page's address under that language (the original shown)."""
    request = context.get("request")
    page = _served_page(context)
    current = content_language()
    if page is not None:
        query = request.META.get("QUERY_STRING", "")  # a listing's filters go along
        targets = {lang.code: lang.url + (f"?{query}" if query else "")
                   for lang in page_languages(page, request)}
    else:
        here = request.get_full_path() if request is not None else "/"
        targets = {code: here for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES}
    setlang = reverse("set_language")
    return [{"code": code, "name_local": get_language_info(code)["name_local"],
             "action": f"{setlang}?{urlencode({'next': targets[code]})}",
             "current": code == current}
            for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]


@register.inclusion_tag("home/includes/page_alternates.html", takes_context=True)
def page_alternates(context) -> dict:
    """<link rel="alternate" hreflang> for each language the page has a page of its own in,
    x-default for the original, and rel="canonical": the page's own address (a page shown
    in its original language under another prefix points to the original)."""
    request = context.get("request")
    page = _served_page(context)
    if page is None:
        return {"alternates": [], "canonical": ""}
    languages = page_languages(page, request)
    alternates = [{"code": lang.code, "url": request.build_absolute_uri(lang.url)}
                  for lang in languages if lang.translated and lang.url]
    original_url = page.get_url(request) or ""
    default = next((lang for lang in languages if lang.is_original), None)
    if alternates and default is not None:
        alternates.append({"code": "x-default",
                           "url": request.build_absolute_uri(default.url)})
    canonical = request.build_absolute_uri(original_url) if original_url else ""
    return {"alternates": alternates if len(alternates) > 2 else [], "canonical": canonical}


@register.inclusion_tag("home/includes/original_language_note.html", takes_context=True)
def original_language_note(context) -> dict:
    """A note when the page is shown in a language other than the visitor's (it has no
    translation in theirs)."""
    page = _served_page(context)
    if page is None:
        return {"show": False}
    current = content_language()
    request = context.get("request")
    own = next((lang.code for lang in page_languages(page, request) if lang.is_this_page),
               None)
    own = own or page_language(page, request)  # a draft (preview) is not in the list
    return {"show": own != current, "page_language": get_language_info(own)["name_local"],
            "page_language_code": own}
