"""Middleware of the site as a whole."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.models import Site

from network.ids import MAX_ID
from network.pagecache.versions import in_open_transaction, request_content_version


class AdminNoAccessMiddleware:
    """A signed-in person without access to the Wagtail admin who opens any admin address
    gets a 403 page in the site's look saying so, with a link home.

    Wagtail itself sends them to the login page, and the login page sends a signed-in
    person straight back to where they came from: the browser looped between the two.
    Anonymous visitors still go to the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and request.path_info.startswith(reverse("wagtailadmin_home"))
                and not user.has_perm("wagtailadmin.access_admin")):
            return render(request, "home/admin_no_access.html", status=403)
        return self.get_response(request)


def _raised_reading_form_data(exception: BaseException) -> bool:
    """Whether `exception` came out of a form widget reading the submitted data."""
    tb = exception.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "value_from_datadict":
            return True
        tb = tb.tb_next
    return False


class MalformedRequestMiddleware:
    """Requests no page of ours could have sent get a 400 page, not a 500 (issue 10).

    - A POST that a form widget cannot read: Wagtail's editor trusts its JavaScript to send
      each StreamField's `-count`, rich text as JSON and so on, and a tampered or truncated
      page-edit POST raised KeyError, JSONDecodeError or AttributeError while the form read
      its data. Only exceptions raised inside a widget's `value_from_datadict` are caught,
      so a bug elsewhere still shows as the 500 it is.
    - An admin address whose query string holds an integer beyond 64 bits (Wagtail's list
      filters pass ids to the database, which cannot hold them); `q`, the search words,
      may hold any number."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(reverse("wagtailadmin_home")) and any(
                _beyond_64_bits(value)
                for key, values in request.GET.lists() if key != "q" for value in values):
            return _bad_request(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if request.method == "POST" and _raised_reading_form_data(exception):
            return _bad_request(request)
        return None


def _beyond_64_bits(value: str) -> bool:
    return value.isascii() and value.isdigit() and (len(value) > 19 or int(value) > MAX_ID)


def _bad_request(request: HttpRequest) -> HttpResponse:
    return render(request, "home/bad_request.html", status=400)


class PageLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, redirecting an address without a language (/events/x/)
    to the visitor's language (/it/events/x/) only when a page is there: its own 404s
    (a hidden profile, a bad registration link) stay 404s, as they were before pages got
    their language prefix.

    Such a redirect (the site's own address, `/`, above all) is kept under the content
    version for addresses no URL pattern matches: the answer then depends only on the
    address, the language, the host and watched tables (the page tree, the sites, Wagtail's
    redirects, which take precedence), so the next request for it is redirected at once,
    without the 404 page rendered and thrown away and Wagtail's routing behind it."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        super().process_request(request)
        key = _redirect_cache_key(request)
        if key is None:
            return None
        location = cache.get(key)
        if location is None:
            setattr(request, _REDIRECT_KEY, key)  # process_response stores the answer
            return None
        return _language_redirect(self.response_redirect_class, location)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(response, _REDIRECT_KEY, False):
            return response  # from the cache, as built the first time
        answer = super().process_response(request, response)
        if answer is response or response.status_code != 404:
            return answer
        if _page_exists(request, translation.get_language()):
            key = getattr(request, _REDIRECT_KEY, None)
            if key is not None and answer.status_code == 302 and not in_open_transaction():
                cache.set(key, answer["Location"], REDIRECT_CACHE_SECONDS)
            return answer
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


REDIRECT_CACHE_SECONDS = 24 * 3600
_REDIRECT_KEY = "_espresso_language_redirect"


def _redirect_cache_key(request: HttpRequest) -> str | None:
    """The cache key of this request's language redirect, or None when it may not be kept:
    not a GET or HEAD, an address with a language, one a URL pattern matches (a view may
    answer 404 for one visitor and not another), or no content version."""
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE:
        return None
    if translation.get_language_from_path(request.path_info):
        return None
    try:
        resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        pass
    else:
        return None
    version = request_content_version(request)
    if version is None:
        return None
    where = (f"{request._get_raw_host()}|{request.get_port()}|{translation.get_language()}|"
             f"{request.get_full_path()}")
    return f"espresso:language-redirect:{version}:{hashlib.sha256(where.encode()).hexdigest()}"


def _language_redirect(response_class: type[HttpResponse], location: str) -> HttpResponse:
    """The redirect LocaleMiddleware makes (same class, same Vary header)."""
    redirect = response_class(location)
    patch_vary_headers(redirect, ("Accept-Language", "Cookie"))
    setattr(redirect, _REDIRECT_KEY, True)
    return redirect


def _page_exists(request: HttpRequest, language: str) -> bool:
    """Whether the page tree serves `request.path_info` in `language` (its own tree, or the
    fallback to the original's: home.models.HomePage.route)."""
    site = Site.find_for_request(request)
    if site is None:
        return False
    components = [part for part in request.path_info.split("/") if part]
    with translation.override(language):
        try:
            site.root_page.localized.specific.route(request, components)
        except Http404:
            return False
    return True
