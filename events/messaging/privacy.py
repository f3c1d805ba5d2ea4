"""The messaging part of a member's data: the messages they sent as an organiser.

The messages stay in the event's history (the participants received them), but an erased
sender's name and address leave it; the messages they received are theirs to read in their
own mailbox, so nothing about them is exported here beyond what `events.privacy` exports.
"""

from typing import Any

from network.privacy import export_datetime

from .models import EventMessage

#: What an erased sender is called in the history from then on (stored, so not translated).
ERASED_SENDER_NAME = "Erased member"


def member_data_export(user) -> dict[str, Any]:
    """The messages `user` sent to participants (JSON-serialisable)."""
    return {"messages_sent": [
        {"event": message.event.title, "sent_at": export_datetime(message.created_at),
         "subject": message.subject, "body": message.body, "audience": message.audience}
        for message in EventMessage.objects.filter(sender=user).select_related("event")
        .order_by("created_at", "pk")]}


def member_data_erase(user) -> dict[str, int]:
    """Blank the sender's name and reply address in every message they sent. Idempotent."""
    scrubbed = EventMessage.objects.filter(sender=user).update(
        sender=None, sender_name=ERASED_SENDER_NAME, reply_to="")
    return {"messages_sender_erased": scrubbed}
