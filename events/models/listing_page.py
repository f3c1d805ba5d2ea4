"""The network-wide listing page of events (its context: `events.page_context`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class EventIndexPage(Page):
    """The network-wide listing of events with filters and feeds."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = _("events listing")

    def get_context(self, request, *args, **kwargs):
        # Imported here, not at the top: page_context reads events through the selectors,
        # which import this module (the one lazy import of the app).
        from ..page_context import event_listing_context

        context = super().get_context(request, *args, **kwargs)
        context.update(event_listing_context(request))
        return context
