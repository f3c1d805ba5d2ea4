"""Wagtail's own hook: when an EventPage is published, record what changed.

The work is done by `events.services.event_record_published_change`; this module only finds
the previously live version of the page to compare with.
"""

from django.dispatch import receiver
from wagtail.models import PageLogEntry, Revision
from wagtail.signals import page_published

from .models import EventPage
from .services import event_record_published_change

#: Log actions that made a revision live (the current publish is logged after the signal).
PUBLISH_ACTIONS = ["wagtail.publish", "wagtail.publish.scheduled", "wagtail.revert"]


def event_previous_live_version(event: EventPage) -> EventPage | None:
    """The version of `event` that was live before the publication now in progress."""
    entry = (PageLogEntry.objects.filter(page_id=event.pk, action__in=PUBLISH_ACTIONS,
                                         revision__isnull=False)
             .order_by("-timestamp", "-pk").only("revision_id").first())
    if entry is None:
        return None
    try:
        revision = Revision.objects.get(pk=entry.revision_id)
    except Revision.DoesNotExist:
        return None
    return revision.as_object()


@receiver(page_published)
def event_published(sender, instance, revision=None, **kwargs) -> None:
    if not isinstance(instance, EventPage):
        return
    event_record_published_change(instance, event_previous_live_version(instance))
