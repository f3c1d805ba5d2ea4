"""The context of the home page and the format page (called from their `get_context`)."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.text import slugify
from wagtail.models import Page, Site

from events.models import EventIndexPage
from network.models import MemberDirectoryPage, SpaceIndexPage, SpacePage
from network.translations import originals, page_original, pages_in_language

from .models import FormatPage


def _sections(page: Page, request: HttpRequest) -> dict[type[Page], Page]:
    """The first live section of each type under the ORIGINAL home (a translated home need
    not have every section), as the visitor's language shows it (`display_url`)."""
    site = Site.find_for_request(request) if request is not None else None
    home = site.root_page if site is not None and \
        site.root_page.translation_key == page.translation_key else page_original(page)
    children = home.get_children().live().select_related("locale").specific()
    found: dict[type[Page], Page] = {}
    for child in children:
        found.setdefault(type(child), child)
    shown = pages_in_language(list(found.values()), request=request)
    return {type(child): child for child in shown}


class _HomeParts:
    """What the landing page shows besides its own fields, each read when first used."""

    def __init__(self, page: Page, request: HttpRequest) -> None:
        self.page, self.request = page, request

    @cached_property
    def spaces(self) -> list[SpacePage]:
        spaces = (originals(SpacePage.objects.live().filter(active=True)).order_by("title")
                  .select_related("photo", "locale"))
        return pages_in_language(list(spaces), request=self.request)

    @cached_property
    def sections(self) -> dict[type[Page], Page]:
        return _sections(self.page, self.request)

    @cached_property
    def numbers(self) -> dict[str, int]:
        space_rows = self.spaces
        return {
            "spaces": len(space_rows),
            "cities": len({(s.city.strip().casefold(), s.country) for s in space_rows}),
            "countries": len({s.country.strip().casefold() for s in space_rows}),
            "members": get_user_model().objects.filter(is_active=True).count(),
        }


def home_context(page: Page, request: HttpRequest) -> dict:
    """Spaces, the site's sections and live numbers for the landing page (events come
    from the events app's `upcoming_events` template tag). Each is read from the database
    when the template first uses it: the template shows them inside a fragment cached
    under the content version (`{% pagecache %}`), so a signed-in member's home reads none
    of them while nothing they show has changed."""
    parts = _HomeParts(page, request)
    return {
        "spaces": SimpleLazyObject(lambda: parts.spaces),
        "spaces_index": SimpleLazyObject(lambda: parts.sections.get(SpaceIndexPage)),
        "events_index": SimpleLazyObject(lambda: parts.sections.get(EventIndexPage)),
        "members_page": SimpleLazyObject(lambda: parts.sections.get(MemberDirectoryPage)),
        "format_page": SimpleLazyObject(lambda: parts.sections.get(FormatPage)),
        "numbers": SimpleLazyObject(lambda: parts.numbers),
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
