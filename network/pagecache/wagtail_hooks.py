"""Wagtail pages of the registered public types mark their request for the page cache."""

from wagtail import hooks

from .marks import mark_request_public, public_page_types


@hooks.register("before_serve_page")
def page_cache_mark_public_page(page, request, serve_args, serve_kwargs):
    """A live page of a public type, without view restrictions, may be cached for
    anonymous visitors (the middleware still checks the visitor and the response)."""
    if isinstance(page, public_page_types()) and not page.get_view_restrictions().exists():
        mark_request_public(request)
