"""An event's description as structured blocks for the open format (the JSON feed's
`body`), and the one rule for which rich text the format carries.

Blocks: `text` (HTML limited to what the editor allows), `agenda` (heading and timed items),
`speaker` (name, role, bio, link). Images are not part of the format (they would need the
other site to fetch files); the plain-text `description` is derived from the same blocks.
"""

import nh3
from wagtail.rich_text import expand_db_html

#: Rich text as the event editor allows it (bold, italic, links, lists, h3, h4).
RICH_TEXT_TAGS = {"p", "br", "b", "strong", "i", "em", "a", "ol", "ul", "li", "h3", "h4"}


def rich_text_clean(html: str) -> str:
    """HTML reduced to the format's rich text: other tags, scripts, styles and every attribute
    but a link's http(s)/mailto href are dropped."""
    return nh3.clean(html or "", tags=RICH_TEXT_TAGS, attributes={"a": {"href"}},
                     link_rel=None, url_schemes={"http", "https", "mailto"}).strip()


def event_body_blocks(event) -> list[dict]:
    """The body stream as format blocks, read from the raw JSON (internal links expanded)."""
    blocks: list[dict] = []
    for block in event.body.raw_data:
        kind, value = block.get("type"), block.get("value")
        if kind == "text" and isinstance(value, str):
            blocks.append({"type": "text", "html": rich_text_clean(expand_db_html(value))})
        elif kind == "agenda" and isinstance(value, dict):
            items = []
            for entry in value.get("items") or []:
                entry = entry.get("value", entry) if isinstance(entry, dict) else {}
                items.append({"time": str(entry.get("time") or "")[:5],
                              "title": entry.get("title") or "",
                              "description": entry.get("description") or ""})
            blocks.append({"type": "agenda", "heading": value.get("heading") or "",
                           "items": items})
        elif kind == "speaker" and isinstance(value, dict):
            blocks.append({"type": "speaker", "name": value.get("name") or "",
                           "role": value.get("role") or "", "bio": value.get("bio") or "",
                           "link": value.get("link") or None})
    return blocks
