"""Wagtail's own signals about an EventPage's life, handed to the services.

- published: `events.services.event_record_published_change` records what changed (this
  module only finds the previously live version of the page to compare with);
- unpublished (by an organiser, in bulk, with its space, or by a scheduled expiry): the
  event leaves the site, so `events.services.event_withdraw` cancels its registrations,
  voids their holds and tells the people once.

Deletion is refused by the database (`Registration.event` is PROTECT) unless it goes through
the admin, whose hooks (`events.wagtail_hooks`) withdraw the event first.
"""

from django.dispatch import receiver
from wagtail.models import PageLogEntry, Revision
from wagtail.signals import page_published, page_unpublished

from .models import EventPage
from .services import event_record_published_change, event_withdraw
from .translations import event_facts_sync

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
    # A translation changes only texts: the facts come from the original (events.translations).
    event_facts_sync(instance)


@receiver(page_unpublished)
def event_unpublished(sender, instance, **kwargs) -> None:
    if not isinstance(instance, EventPage):
        return
    event_withdraw(instance)
