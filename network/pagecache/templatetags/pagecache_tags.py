"""`{% pagecache "name" vary_on... %}...{% endpagecache %}`: a template fragment cached
under the content version, for pages that are personal as a whole (a signed-in member's)
but whose heavy parts are the same for everyone.

The key holds the fragment's name, the database's content version (read once per request),
the language and the `vary_on` values; the entry keeps the next moment the fragment may
change by the clock and is not used after it (as the page cache does). A fragment must show
nothing personal: put the member's own parts outside it, or add what they depend on to
`vary_on`.
"""

from __future__ import annotations

import hashlib

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..versions import content_version, in_open_transaction, next_change

register = template.Library()
CACHE_SECONDS = 24 * 3600
_REQUEST_VERSION = "_pagecache_version"


def _version(context) -> int | None:
    """The content version, read once per request (memoised on the request)."""
    request = context.get("request")
    if request is None:
        return content_version()
    if not hasattr(request, _REQUEST_VERSION):
        setattr(request, _REQUEST_VERSION, content_version())
    return getattr(request, _REQUEST_VERSION)


class PageCacheNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str,
                 vary_on: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        version = _version(context) if settings.PAGE_CACHE else None
        if version is None:
            return self.nodelist.render(context)
        vary = repr([self.name, get_language(), *(v.resolve(context) for v in self.vary_on)])
        key = f"espresso:fragment:{version}:{hashlib.sha256(vary.encode()).hexdigest()}"
        now = timezone.now()
        stored = cache.get(key)
        if stored is not None and now < stored[0]:
            return mark_safe(stored[1])  # noqa: S308 (our own rendered template output)
        html = self.nodelist.render(context)
        if not in_open_transaction():
            cache.set(key, (next_change(now), str(html)), CACHE_SECONDS)
        return html


@register.tag("pagecache")
def do_pagecache(parser, token) -> PageCacheNode:
    """{% pagecache "name" value1 value2 %} ... {% endpagecache %}"""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% pagecache %} needs a quoted fragment name.")
    nodelist = parser.parse(("endpagecache",))
    parser.delete_first_token()
    return PageCacheNode(nodelist, bits[1][1:-1],
                         [parser.compile_filter(bit) for bit in bits[2:]])
