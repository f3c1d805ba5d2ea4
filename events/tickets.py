"""Tickets: the code in a registration's QR, its picture, and looking it up (revoking a
ticket is a state change: `events.services.ticket_rotate`).

A ticket code is a bearer secret (`secrets.token_urlsafe`, 144 bits, unique index), never
derived from the database id. The QR carries the code alone: short codes make a small,
coarse QR that a phone camera reads quickly off a screen or a cheap print. Revoking a
ticket means rotating its code: the old code is kept in `RevokedTicket`, so the door answers
"revoked" for it instead of "unknown".

Every confirmed (or attended) registration has a ticket; a waitlisted or cancelled one
keeps its code (so the door can say "waitlisted" or "cancelled") but shows no ticket.
"""

import functools
import io
import re

import segno
from django.utils.translation import gettext_lazy as _

from .models import (
    SEAT_STATES,
    TICKET_CODE_MAX_LENGTH,
    Registration,
    RevokedTicket,
)

_CODE_CHARS = rf"[A-Za-z0-9_-]{{8,{TICKET_CODE_MAX_LENGTH}}}"
_CODE = re.compile(_CODE_CHARS)
# A pasted ticket link (".../tickets/<code>/") is accepted too.
_CODE_IN_URL = re.compile(rf"/tickets/({_CODE_CHARS})/?(?:[?#].*)?$")


def ticket_code_parse(text: str) -> str | None:
    """The ticket code in what a scanner or a person typed (surrounding spaces ignored, a
    ticket link accepted), or None when it cannot be a ticket code. Never raises."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > 2000:
        return None
    if _CODE.fullmatch(text):
        return text
    match = _CODE_IN_URL.search(text)
    return match.group(1) if match else None


def ticket_has_valid(registration: Registration) -> bool:
    """True when the registration's ticket admits its holder (confirmed or attended, and
    the event not cancelled)."""
    return registration.state in SEAT_STATES and not registration.event.is_cancelled


def ticket_qr_svg(code: str, *, scale: int = 6) -> str:
    """The QR of `code` as inline SVG markup (dark modules on a white quiet zone).

    The same code, scale and language always give the same markup: kept in this process
    (`_qr_svg`), since drawing one takes milliseconds and a member's "my events" page shows
    one per upcoming registration on every visit."""
    return _qr_svg(code, scale, str(_("Ticket QR code")))


@functools.lru_cache(maxsize=1024)  # ~1,000 SVGs of a few KB: a few MB per process at most
def _qr_svg(code: str, scale: int, title: str) -> str:
    # omitsize: a viewBox instead of width/height, so CSS sizes it (phone, print).
    return segno.make(code, error="m", micro=False).svg_inline(
        scale=scale, dark="#000", light="#fff", omitsize=True, title=title)


def ticket_qr_png(code: str, *, scale: int = 8) -> bytes:
    """The QR of `code` as a PNG (for the e-mail attachment)."""
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def ticket_lookup(code: str) -> tuple[Registration | None, RevokedTicket | None]:
    """(the registration whose current code this is, None) or (None, the revocation record
    when the code was replaced) or (None, None) for a code that never was a ticket. Two
    indexed queries at most; `code` should come from `ticket_code_parse`."""
    registration = (Registration.objects.select_related("event", "event__space", "user",
                                                        "user__profile", "attended_by",
                                                        "attended_by__profile")
                    .filter(ticket_code=code).first())
    if registration is not None:
        return registration, None
    revoked = (RevokedTicket.objects.select_related("registration", "registration__event")
               .filter(code=code).first())
    return None, revoked
