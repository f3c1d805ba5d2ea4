"""Template tags through which lower layers (network pages) show credits features."""

from django import template

register = template.Library()


@register.inclusion_tag("credits/includes/space_day_pass.html", takes_context=True)
def space_day_pass(context, space) -> dict:
    """The day-pass offer on a SpacePage (price, buy form for logged-in members)."""
    return {"space": space, "request": context.get("request"), "user": context.get("user")}
