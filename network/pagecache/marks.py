"""How a view says "my anonymous response may be cached under the content version".

Only marked responses are ever stored (`network.pagecache.middleware`): a page is cached
because its author decided it shows nothing but what the content version covers, never
by default. Apps register their Wagtail page types with `register_public_page_types()`
from AppConfig.ready() (a `before_serve_page` hook then marks the request) and decorate
their function views with `@public_page_cache`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpResponse

_MARK = "_pagecache_public"
_page_types: list[type] = []


def register_public_page_types(*page_types: type) -> None:
    """Let anonymous views of these Wagtail page types be cached (idempotent)."""
    for page_type in page_types:
        if page_type not in _page_types:
            _page_types.append(page_type)


def public_page_types() -> tuple[type, ...]:
    return tuple(_page_types)


def mark_request_public(request) -> None:
    """Mark the response this request will get as cacheable (from a before-serve hook)."""
    setattr(request, _MARK, True)


def mark_public(response: HttpResponse) -> HttpResponse:
    """Let the page cache store this response (if the request and response allow it)."""
    setattr(response, _MARK, True)
    return response


def is_marked_public(request, response: HttpResponse) -> bool:
    """Whether the view (or a hook, through the request) marked this response public."""
    return getattr(response, _MARK, False) or getattr(request, _MARK, False)


def public_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for a function view whose anonymous GET responses may be cached."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return mark_public(view(request, *args, **kwargs))

    return wrapped
