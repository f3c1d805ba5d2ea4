"""Session notes are Markdown: rendered with Python-Markdown, then sanitised by nh3 (the
Ammonia sanitiser), so whatever a participant writes, only harmless HTML reaches a page."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i",
                "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody",
                "tr", "th", "td", "del"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML: no script, no style, no event handler, no image, links
    only to http(s) and mailto, each with rel="nofollow noopener noreferrer"."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"],
                             output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"},
                      link_rel="nofollow noopener noreferrer")
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
