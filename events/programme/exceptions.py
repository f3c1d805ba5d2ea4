"""The refusals of the programme services. str() of each is a message for people."""

from django.utils.translation import gettext_lazy as _


class ProgrammeError(Exception):
    """Base of every refusal by `events.programme.services`."""

    default_message = _("This change to the programme is not allowed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class PhaseClosed(ProgrammeError):
    """The programme's phase does not allow this action now."""

    default_message = _("This is not possible in the programme's current phase.")


class NotAParticipant(ProgrammeError):
    default_message = _("Only confirmed participants of the event can do this.")


class NotAllowed(ProgrammeError):
    default_message = _("You are not allowed to do this.")


class InvalidProposal(ProgrammeError):
    default_message = _("Please check the proposal.")


class NoDotsLeft(ProgrammeError):
    default_message = _("You have no dots left.")


class AlreadyVoted(ProgrammeError):
    default_message = _("You already put a dot on this proposal.")


class InvalidGrid(ProgrammeError):
    """A room, a slot or a placement that does not fit the event."""

    default_message = _("This does not fit the grid.")


class CellTaken(ProgrammeError):
    default_message = _("Another session is already in this room at this time.")


class SessionPinned(ProgrammeError):
    default_message = _("This session is pinned: unpin it before moving it.")


class HostDoubleBooked(ProgrammeError):
    default_message = _("A host of this session is in another session at the same time.")


class EquipmentMissing(ProgrammeError):
    default_message = _("The room lacks what this session needs.")


class SchedulingFailed(ProgrammeError):
    default_message = _("No programme fits the pinned sessions, rooms and slots.")


class RewardNotPaid(ProgrammeError):
    default_message = _("The space's account cannot pay the hosts' reward now.")


class NotesConflict(ProgrammeError):
    """Someone saved the notes after the version the writer started from. `latest` is the
    version saved meanwhile (the writer's text is not saved)."""

    default_message = _("Someone saved these notes while you were writing. Their version is "
                        "shown above: add your changes to it and save again.")

    def __init__(self, latest, message=None):
        self.latest = latest
        super().__init__(message)
