"""The refusals of the events app.

Services raise an `EventError` subclass whose `message` is a sentence for people; views and
the admin show it as a message. `events.payments` raises the narrower `PaymentError`s, which
the services turn into `NotEnoughCredits` / `RewardNotPaid` inside the same transaction.
"""

from django.utils.translation import gettext_lazy as _


class EventError(Exception):
    """Base of every refusal by the registration services; str() is a message for people."""

    default_message = _("This registration cannot be changed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class EventFull(EventError):
    default_message = _("Sorry, the event is full.")


class RegistrationClosed(EventError):
    default_message = _("Registration for this event is closed.")


class EventCancelled(EventError):
    default_message = _("This event has been cancelled.")


class RegistrationElsewhere(EventError):
    default_message = _("This event is imported: register on the site it comes from.")


class GuestsNotAllowed(EventError):
    default_message = _("Please log in to register for this event.")


class RegistrationInvalid(EventError):
    default_message = _("Please give a valid name and e-mail address.")


class RegistrationAnswersInvalid(RegistrationInvalid):
    """Answers to the event's questions that do not fit; `errors`: question id -> message."""

    default_message = _("Please check your answers to the questions.")

    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        super().__init__()


class RegistrationNotAllowed(EventError):
    default_message = _("You are not allowed to change this registration.")


class RegistrationStateError(EventError):
    default_message = _("This registration is not in a state that allows this.")


class NotEnoughCredits(EventError):
    default_message = _("You do not have enough credits available for this event.")


class RewardNotPaid(EventError):
    default_message = _("The space's account cannot pay this reward now.")


class CheckinNotAllowed(EventError):
    default_message = _("Only the organisers of this event can check people in.")


class CheckinClosed(EventError):
    default_message = _("Check-in is closed for this event.")


class UndoNotAllowed(EventError):
    default_message = _("This check-in can no longer be undone.")


class RegistrationNotFound(EventError):
    default_message = _("No such registration for this event.")


class PaymentError(Exception):
    """Base for refusals raised by events.payments; events.services re-raises them as
    EventError."""


class NotEnoughCreditsForEvent(PaymentError):
    pass


class SpaceCannotPayReward(PaymentError):
    pass
