"""The refusals of the import: each carries one sentence for the organiser, stored on the
subscription (`CalendarSubscription.last_error`) and printed by `manage.py events_import`."""

from django.utils.translation import gettext_lazy as _


class ImportRefused(Exception):
    """Base of every refusal of a feed; str() is the message for people."""

    default_message = _("The calendar could not be imported.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class UnsafeAddress(ImportRefused):
    """The URL is not http(s), or its host is private, loopback, link-local or reserved."""

    default_message = _("This address cannot be fetched.")


class FetchFailed(ImportRefused):
    """The server could not be reached, answered an error, was too slow or sent too much."""

    default_message = _("The calendar could not be downloaded.")


class FeedInvalid(ImportRefused):
    """The document is not a calendar we can read (malformed, wrong types, too many events)."""

    default_message = _("The calendar is not valid.")
