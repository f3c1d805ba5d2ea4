"""Template tags of the member directory, and `{{ country|country_name }}` (a space's
country in the reader's language, network.countries)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from network.countries import country_name as _country_name
from network.models import MemberDirectoryPage
from network.translations import content_language, originals, page_url_in_language

register = template.Library()


@register.simple_tag(takes_context=True)
def skill_url(context: template.Context, name: str) -> str:
    """The member directory filtered to one skill ("" when there is no live directory).
    The directory's address is looked up once per request (each included card has its own
    render context, so that is where it is kept)."""
    holder = context.get("request") or context.render_context
    base = getattr(holder, "_network_directory_url", None)
    if base is None:
        directory = originals(MemberDirectoryPage.objects.live()).select_related("locale").first()
        base = page_url_in_language(directory, content_language(), context.get("request")) \
            if directory else ""
        holder._network_directory_url = base
    return f"{base}?{urlencode({'skill': name})}" if base else ""


@register.filter
def country_name(country: str) -> str:
    """A space's stored country named in the reader's language ("Italy" -> "Italia")."""
    return _country_name(country)
