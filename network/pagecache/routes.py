"""Wagtail's page routing from the shared cache, keyed by the content version.

Wagtail finds the page of an address with one query for the site and two per path segment
(the child by slug, then its specific row): seven queries for an event page, for every
visitor, signed in or not. `RouteCacheMiddleware` remembers, under the content version
(network.pagecache.versions), the language, the host and the path, which site and which
page (id and type) Wagtail's routing chose; a later request under the same version takes
that one page from the cache as well (read by its primary key once per version, each
request unpickling its own copy; its view restrictions likewise) and hands it to Wagtail's
own `serve` view
through the attributes Wagtail itself caches its results in (`request._wagtail_site`,
`request._wagtail_route_for_request`). Everything after the routing (view restrictions,
`before_serve_page` hooks, the page's `serve`) runs as before.

Exactly right: the page tree, the sites and the locales are all watched tables, so a move,
a rename, an unpublish or a new page changes the version and the old entries are never read
again (the page's own rows are watched like the rest: an edit gives a new version, so the
page taken from the cache is the one the database holds), and a page that is not live (or
gone) falls back to Wagtail's routing. Only plain routes (a page, no sub-route
arguments) are stored, never one computed inside an open transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from wagtail.models import Site
from wagtail.url_routing import RouteResult
from wagtail.views import serve as wagtail_serve

from .versions import cached_under_version, in_open_transaction, request_content_version

CACHE_SECONDS = 24 * 3600
KEY_PREFIX = "espresso:route"
_KEY_ATTRIBUTE = "_pagecache_route_key"


@dataclass(frozen=True)
class CachedRoute:
    """The site Wagtail found for the host, and the page (id, content type) for the path."""

    site: Site
    page_id: int
    content_type_id: int


def route_cache_key(request: HttpRequest, version: int, path: str) -> str:
    """The key of this request's route under `version` (raw host: Wagtail matches sites on
    the host name and port before any ALLOWED_HOSTS check)."""
    where = f"{request._get_raw_host()}|{request.get_port()}|{get_language()}|{path}"
    return f"{KEY_PREFIX}:{version}:{hashlib.sha256(where.encode()).hexdigest()}"


class ViewRestrictions(list):
    """A page's view restrictions read under the content version, standing in for the
    queryset `Page.get_view_restrictions()` returns (iterated by Wagtail's
    `check_view_restrictions` hook, `exists()` by the page cache's)."""

    def exists(self) -> bool:
        return bool(self)


def _cached_route(request: HttpRequest, entry: CachedRoute) -> RouteResult | None:
    """The entry's page as the database holds it, or None if it is gone or not live.
    Its view restrictions (its own and its ancestors': two queries in Wagtail) come from
    the cache under the same version: restrictions, their groups and the page tree are
    watched tables, so a restriction added or removed is seen on the very next request."""
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    if model is None:
        return None
    # The page as the database holds it under this version (its rows are watched): each
    # request unpickles its own copy, taken before anything was done with it.
    page = cached_under_version(
        request, f"route-page:{entry.page_id}",
        lambda: next(iter(model._default_manager.filter(pk=entry.page_id)), None))
    if page is None or not page.live:
        return None
    restrictions = ViewRestrictions(cached_under_version(
        request, f"view-restrictions:{page.pk}", lambda: list(page.get_view_restrictions())))
    page.get_view_restrictions = lambda: restrictions  # this instance, this request only
    return RouteResult(page)


def _route_to_store(request: HttpRequest) -> CachedRoute | None:
    route = request.__dict__.get("_wagtail_route_for_request")
    site = request.__dict__.get("_wagtail_site")
    if not isinstance(route, RouteResult) or site is None or route.args or route.kwargs:
        return None
    page = route.page
    if not page.live or page.content_type_id is None:
        return None
    return CachedRoute(site=site, page_id=page.pk, content_type_id=page.content_type_id)


class RouteCacheMiddleware:
    """Hand Wagtail's `serve` the route (and site) cached under the content version."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = request.__dict__.get(_KEY_ATTRIBUTE)
        if key is not None and not in_open_transaction():
            stored = _route_to_store(request)
            if stored is not None:
                cache.set(key, stored, CACHE_SECONDS)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if view_func is not wagtail_serve or not settings.PAGE_CACHE:
            return None
        version = request_content_version(request)
        if version is None:
            return None
        path = view_kwargs.get("path", view_args[0] if view_args else "")
        key = route_cache_key(request, version, path)
        entry = cache.get(key)
        route = _cached_route(request, entry) if isinstance(entry, CachedRoute) else None
        if route is None:
            setattr(request, _KEY_ATTRIBUTE, key)  # store what Wagtail finds
            return None
        request._wagtail_site = entry.site
        request._wagtail_route_for_request = route
        return None
