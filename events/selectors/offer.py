"""What a registration will cost, shown before the person confirms.
"""

import datetime as dt
from dataclasses import dataclass

from credits.selectors import account_balance
from credits.services import account_for_member

from ..models import (
    EventPage,
)
from .registrations import event_seat_counts


@dataclass(frozen=True)
class RegistrationOffer:
    """What registering `user` for `event` means now: the price, the member's available
    credits before and after, whether they would join the waiting list (then nothing is
    charged now, the price is taken when a seat frees) and until when cancelling refunds."""

    price: int
    available: int
    waitlist: bool
    free_cancellation_until: dt.datetime

    @property
    def available_after(self) -> int:
        return self.available if self.waitlist else self.available - self.price

    @property
    def short_by(self) -> int:
        """Credits missing to pay the price (0 when the member can pay)."""
        return max(self.price - self.available, 0)


def registration_offer(event: EventPage, user) -> RegistrationOffer:
    """The figures of the confirmation page of a registration (read now, not locked: the
    service checks again when the person confirms)."""
    counts = event_seat_counts(event)
    available = account_balance(account_for_member(user)).available
    return RegistrationOffer(
        price=event.price_credits, available=available,
        waitlist=counts.is_full or counts.waiting > 0,
        free_cancellation_until=event.starts_at - dt.timedelta(
            hours=event.cancellation_deadline_hours))
