"""The named errors of the credits services (views turn them into messages)."""


class CreditsError(Exception):
    """Base class of every error the credits services raise."""


class InsufficientCredits(CreditsError):
    """The debit account would go below its limit; nothing was recorded."""


class IdempotencyMismatch(CreditsError):
    """The idempotency key was already used for a different request."""


class InvalidTransfer(CreditsError):
    """The request itself is wrong (amount, accounts, code, hold state...)."""


class HoldAlreadyResolved(CreditsError):
    """The hold was already posted or voided."""


class AlreadyReversed(CreditsError):
    """The transfer was already reversed."""


class DayPassError(CreditsError):
    """A day pass cannot be bought, validated or refunded (see credits.services.daypass)."""
