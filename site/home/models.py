"""The network's landing page and the open Espresso format page."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from network.blocks import BodyBlock


class HomePage(Page):
    """Landing page: what the network is, the next events, the spaces, a few live numbers."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["network.SpaceIndexPage", "network.MemberDirectoryPage",
                     "events.EventIndexPage", "home.FormatPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """The page at `path_components` in this language's tree; when this tree has none,
        the page at the same address in the other languages' trees (the original's first),
        so a page without a translation is shown in its own language, not as a 404
        (docs/translations.md). Raises Http404 when no tree has it."""
        try:
            return super().route(request, path_components)
        except Http404:
            if not path_components:
                raise
        for home in (HomePage.objects.live().filter(translation_key=self.translation_key)
                     .exclude(pk=self.pk).order_by("pk")):
            try:
                return Page.route(home, request, path_components)
            except Http404:
                continue
        raise Http404

    def get_context(self, request, *args, **kwargs):
        # Imported here: page_context imports this module (FormatPage).
        from .page_context import home_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_context(self, request))
        return context


class FormatPage(Page):
    """The open Espresso format, published under a free licence as editable content."""

    lead = RichTextField(_("lead"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    licence = RichTextField(_("licence"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body"),
                      FieldPanel("licence")]
    search_fields = [*Page.search_fields, index.SearchField("lead"), index.SearchField("body")]
    parent_page_types = ["home.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("format page")

    def get_context(self, request, *args, **kwargs):
        # Imported here: page_context imports this module (FormatPage).
        from .page_context import format_page_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = format_page_outline(self)
        return context
