"""One spelling per tag (issue 10: topics fragmented into "3d printing" and "3d-printing").

Taggit parses what an editor types into tag names through `TAGGIT_TAGS_FROM_STRING`; with
`TAGGIT_CASE_INSENSITIVE` an existing tag is reused whatever its case. Here hyphens,
underscores and runs of spaces become one space, so the event topics of the Wagtail editor
and the skills of the profile form end up on one tag per idea.
"""

from __future__ import annotations

import re

from taggit.utils import _parse_tags

TAG_SEPARATORS = re.compile(r"[\s_\-\u2010\u2011\u2013\u2014]+")


def tag_name_normalise(name: str) -> str:
    """`name` with hyphens, underscores and whitespace runs as one space, trimmed."""
    return TAG_SEPARATORS.sub(" ", name).strip()


def tags_from_string(text: str) -> list[str]:
    """Taggit's parsing, then each name normalised; names equal but for case are kept once
    (the first spelling), sorted case-insensitively."""
    names: dict[str, str] = {}
    for name in _parse_tags(text):
        normalised = tag_name_normalise(name)
        if normalised:
            names.setdefault(normalised.casefold(), normalised)
    return sorted(names.values(), key=str.casefold)
