"""The refusals of the messaging services: each carries a sentence for people."""

from django.utils.translation import gettext_lazy as _

from events.exceptions import EventError


class MessageError(EventError):
    default_message = _("This message cannot be sent.")


class MessageInvalid(MessageError):
    default_message = _("Please check the subject and the text of the message.")


class MessageNotAllowed(MessageError):
    default_message = _("Only the event's organisers can write to its participants.")


class MessageRateLimited(MessageError):
    default_message = _("Too many messages have been sent recently; please wait before "
                        "sending another one.")


class MessageNoRecipients(MessageError):
    default_message = _("Nobody matches this choice of recipients.")
