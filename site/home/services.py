"""Creates the site's page tree (idempotent): the skeleton every instance starts from."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from events.models import EventIndexPage
from network.models import MemberDirectoryPage, SpaceIndexPage
from network.services import coordinators_group_ensure

from .models import FormatPage, HomePage


@dataclass
class SiteTree:
    home: HomePage
    spaces: SpaceIndexPage
    events: EventIndexPage
    members: MemberDirectoryPage
    format: FormatPage


def _child(parent: Page, model: type[Page], **fields) -> Page:
    existing = model.objects.child_of(parent).first()
    if existing is not None:
        return existing
    page = model(**fields)
    parent.add_child(instance=page)
    return page


@transaction.atomic
def site_tree_ensure(hostname: str = "localhost", port: int = 80) -> SiteTree:
    """Make sure the default Site serves an Espresso HomePage with its four sections.

    Also recreates what Wagtail's and our data migrations normally provide (the
    default locale, the tree's root, the coordinators group) when a database was
    emptied by a flush, as transactional tests do.
    """
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root", draft_title="Root")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    coordinators_group_ensure()
    home = HomePage.objects.filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if home is None:
        # Wagtail's initial "Welcome" page (a plain Page) is replaced by ours.
        Page.objects.filter(depth=2, content_type__model="page",
                            content_type__app_label="wagtailcore").delete()
        home = HomePage(title="Espresso", slug="home", show_in_menus=False)
        root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True,
                            site_name="Espresso")
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return SiteTree(
        home=home,
        spaces=_child(home, SpaceIndexPage, title="Spaces", slug="spaces", show_in_menus=True),
        events=_child(home, EventIndexPage, title="Events", slug="events", show_in_menus=True),
        members=_child(home, MemberDirectoryPage, title="Members", slug="members",
                       show_in_menus=True),
        format=_child(home, FormatPage, title="The Espresso format", slug="format",
                      show_in_menus=True),
    )
