"""The context of the home page and the format page (called from their `get_context`)."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.text import slugify
from wagtail.models import Page

from events.models import EventIndexPage
from network.models import MemberDirectoryPage, SpaceIndexPage, SpacePage

from .models import FormatPage


def _first_child(page: Page, model: type[Page]) -> Page | None:
    return model.objects.live().child_of(page).first()


def home_context(page: Page, request: HttpRequest) -> dict:
    """Spaces, the site's sections and live numbers for the landing page (events come
    from the events app's `upcoming_events` template tag)."""
    spaces = (SpacePage.objects.live().filter(active=True).order_by("title")
              .select_related("photo"))
    space_rows = list(spaces)
    return {
        "spaces": space_rows,
        "spaces_index": _first_child(page, SpaceIndexPage),
        "events_index": _first_child(page, EventIndexPage),
        "members_page": _first_child(page, MemberDirectoryPage),
        "format_page": _first_child(page, FormatPage),
        "numbers": {
            "spaces": len(space_rows),
            "cities": len({(s.city.strip().casefold(), s.country) for s in space_rows}),
            "countries": len({s.country.strip().casefold() for s in space_rows}),
            "members": get_user_model().objects.filter(is_active=True).count(),
        },
    }


def format_page_outline(page) -> dict:
    """A FormatPage body as a list of {"block", "anchor"} (anchor set on headings, unique
    and stable across renders) plus the table of contents built from its headings."""
    blocks, toc, seen = [], [], set()
    for index, block in enumerate(page.body):
        anchor = None
        if block.block_type == "heading":
            base = slugify(str(block.value)) or f"section-{index + 1}"
            anchor = base if base not in seen else f"{base}-{index + 1}"
            seen.add(anchor)
            toc.append({"anchor": anchor, "title": str(block.value)})
        blocks.append({"block": block, "anchor": anchor})
    return {"blocks": blocks, "toc": toc}
