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
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..versions import in_open_transaction, next_change, request_content_version

register = template.Library()
CACHE_SECONDS = 24 * 3600


class PageCacheNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str,
                 vary_on: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        version = request_content_version(context.get("request"))
        if version is None:
            return self.nodelist.render(context)
        vary = repr([self.name, get_language(),
                     *(_vary_value(v.resolve(context)) for v in self.vary_on)])
        key = f"espresso:fragment:{version}:{hashlib.sha256(vary.encode()).hexdigest()}"
        now = timezone.now()
        stored = cache.get(key)
        if stored is not None and now < stored[0]:
            return mark_safe(stored[1])  # noqa: S308 (our own rendered template output)
        html = self.nodelist.render(context)
        if not in_open_transaction():
            cache.set(key, (next_change(now), str(html)), CACHE_SECONDS)
        return html


def _vary_value(value: object) -> str:
    """A `vary_on` value as its class and text: a lazy value (the context processors') is
    worked out, where its repr would name the function that makes it."""
    return f"{value.__class__.__name__}:{value}"


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
