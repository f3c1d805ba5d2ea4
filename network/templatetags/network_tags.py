"""Template tags of the member directory."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from network.models import MemberDirectoryPage

register = template.Library()


@register.simple_tag(takes_context=True)
def skill_url(context: template.Context, name: str) -> str:
    """The member directory filtered to one skill ("" when there is no live directory).
    The directory's address is looked up once per rendering of the page."""
    cache = context.render_context
    if "network_directory_url" not in cache:
        directory = MemberDirectoryPage.objects.live().first()
        cache["network_directory_url"] = directory.url if directory else ""
    base = cache["network_directory_url"]
    return f"{base}?{urlencode({'skill': name})}" if base else ""
