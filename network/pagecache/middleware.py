"""Anonymous full-page caching keyed by the content version kept in the database.

A GET (or HEAD) is answered from the shared cache (`CACHES["default"]`, set by `CACHE_URL`)
when all of these hold:
- the request carries no session cookie and no messages cookie (so the visitor is anonymous
  and has no messages waiting) and no Authorization header;
- an entry exists for (content version, scheme, host, language, full path);
- the entry's `valid_until` (the next moment the page changes by the clock) has not passed.

A response is stored only when its view marked it public (`network.pagecache.marks`), it
is a 200 that sets no cookie and is not private/no-store/no-cache, the visitor is anonymous,
and the session was not modified. CSRF tokens are never stored: each
`csrfmiddlewaretoken` value is replaced by a placeholder, and every response served from
the cache gets the visitor's own token (and, through CsrfViewMiddleware, its cookie). A
response that used a token in any other way is not stored.

Correct across workers and machines: the version is read from the database on every
request, before anything else; the triggers (network.pagecache.triggers) change it in the
same transaction as the data. A stale entry is never read again, since its key holds the
old version. Entries expire after CACHE_SECONDS only to bound memory, not for freshness.

A page without a CSRF token whose body is text of `GZIP_MIN_BYTES` or more is also stored
gzip-compressed, once, when it is stored: a visitor whose Accept-Encoding names gzip (every
browser and calendar app) gets those bytes with `Content-Encoding: gzip` and a weak ETag,
so a 4.3 MB network.ics of 6,000 events (0.27 MB compressed) costs a fraction of its size
to read from the cache and to send, and is never compressed again per request.
`Vary: Accept-Encoding` tells shared caches the two encodings apart.

`PAGE_CACHE = False` (environment variable PAGE_CACHE) turns it off, and the fragments too.

Place it right after CsrfViewMiddleware, so the language is known and the CSRF cookie of a
cached page is set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language

from .marks import is_marked_public
from .versions import in_open_transaction, next_change, request_content_version

CACHE_SECONDS = 24 * 3600
KEY_PREFIX = "espresso:page"
CSRF_PLACEHOLDER = b"\x00espresso-pagecache-csrf\x00"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
_UNCACHEABLE = ("private", "no-store", "no-cache")
_DROPPED_HEADERS = {"content-length", "set-cookie"}
#: Smaller bodies are not worth a compressed copy (Django's GZipMiddleware stops at 200).
GZIP_MIN_BYTES = 1024
_COMPRESSIBLE = re.compile(r"^(text/|application/(json|ld\+json|xml|rss\+xml|atom\+xml"
                           r"|javascript|manifest\+json)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class CachedPage:
    """What is stored: the body with CSRF placeholders, the headers, until when it holds."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    needs_csrf_token: bool
    valid_until: dt.datetime
    #: The body gzip-compressed, for a page without a CSRF token worth compressing.
    gzipped: bytes | None = None


def page_cache_key(request: HttpRequest, version: int) -> str | None:
    """The cache key of this request's page under `version`; None for a host not allowed."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    where = f"{request.scheme}://{host}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode()).hexdigest()
    return f"{KEY_PREFIX}:{version}:{get_language()}:{digest}"


def may_use_cache(request: HttpRequest) -> bool:
    """Whether this request may be answered from (and its response stored in) the cache."""
    return (request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if not is_marked_public(request, response) or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in _UNCACHEABLE):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified) and not in_open_transaction()


def _page_to_store(request: HttpRequest, response: HttpResponse,
                   rendered_at: dt.datetime) -> CachedPage | None:
    body = response.content
    if CSRF_PLACEHOLDER in body:
        return None  # somebody wrote the placeholder into the page: never substitute it
    body, tokens = _CSRF_INPUT.subn(rb"\1" + CSRF_PLACEHOLDER + rb"\2", body)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not tokens:
        return None  # a token was made, but not for a form this middleware knows
    headers = tuple((name, value) for name, value in response.items()
                    if name.lower() not in _DROPPED_HEADERS)
    return CachedPage(body=body, headers=headers, needs_csrf_token=bool(tokens),
                      valid_until=next_change(rendered_at),
                      gzipped=None if tokens else _compressed(body, response))


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip: `gzip`, `x-gzip` or `*` with a
    quality above 0 (`gzip;q=0` refuses it)."""
    allowed = {}
    for item in (accept_encoding or "").split(","):
        name, _sep, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        allowed[name.strip().lower()] = quality
    for name in ("gzip", "x-gzip"):
        if name in allowed:
            return allowed[name] > 0
    return allowed.get("*", 0) > 0


def _compressed(body: bytes, response: HttpResponse) -> bytes | None:
    """`body` gzip-compressed when it is text worth compressing and shrinks, else None."""
    if (len(body) < GZIP_MIN_BYTES or response.has_header("Content-Encoding")
            or not _COMPRESSIBLE.match(response.get("Content-Type", ""))):
        return None
    # mtime=0: the same body always gives the same bytes (no time stamp in the header).
    compressed = compress_string(body)  # gzip level 6, no time stamp: the same bytes each time
    return compressed if len(compressed) < len(body) else None


def _page_response(request: HttpRequest, page: CachedPage) -> HttpResponse:
    body = page.body
    if page.needs_csrf_token:
        body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    gzipped = page.gzipped is not None and accepts_gzip(request.headers.get("Accept-Encoding"))
    headers = dict(page.headers)
    etag = headers.get("ETag")
    # A feed's ETag still answers If-None-Match with a 304, as its own view would (the
    # comparison is weak: the compressed copy's W/"x" matches "x").
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(page.gzipped if gzipped else body)
    for name, value in page.headers:
        response[name] = value
    if gzipped:
        if response.status_code == 200:
            response["Content-Encoding"] = "gzip"
        if etag and etag.startswith('"'):
            response["ETag"] = "W/" + etag  # another encoding of the same content
    vary = ("Cookie", "Accept-Encoding") if page.gzipped is not None else ("Cookie",)
    patch_vary_headers(response, vary)
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Serve and store anonymous pages under the database's content version (see module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PAGE_CACHE or not may_use_cache(request):
            return self.get_response(request)
        version = request_content_version(request)
        key = None if version is None else page_cache_key(request, version)
        if key is None:
            return self.get_response(request)
        now = timezone.now()
        page = cache.get(key)
        if page is not None and now < page.valid_until:
            return _page_response(request, page)
        response = self.get_response(request)
        if _storable(request, response):
            # Valid until the next change by the clock after the moment rendering began.
            stored = _page_to_store(request, response, now)
            if stored is not None:
                cache.set(key, stored, CACHE_SECONDS)
                response["X-Page-Cache"] = "miss"
                if stored.gzipped is not None:  # the next answers may be compressed
                    patch_vary_headers(response, ("Accept-Encoding",))
        return response
