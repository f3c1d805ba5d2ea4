"""Wagtail pages of the registered public types mark their request for the page cache."""

from django.conf import settings
from wagtail import hooks

from .marks import mark_request_public, public_page_types
from .middleware import may_use_cache


@hooks.register("before_serve_page")
def page_cache_mark_public_page(page, request, serve_args, serve_kwargs):
    """A live page of a public type, without view restrictions, may be cached for
    anonymous visitors (the middleware still checks the visitor and the response). A
    request the cache would not store (a member's, one with a session) is left alone: the
    check of the restrictions costs two queries."""
    if not settings.PAGE_CACHE or not may_use_cache(request):
        return
    if isinstance(page, public_page_types()) and not page.get_view_restrictions().exists():
        mark_request_public(request)
