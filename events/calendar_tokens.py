"""Services for personal calendar feeds: the secret token in a member's feed address.

Kept apart from `events.services` (registrations) because it holds no seat or
money invariant; the one rule is: a member has at most one active token, and a
revoked token never works again.
"""

import re
import secrets

from django.db import transaction
from django.utils import timezone

from .models import CalendarToken

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def calendar_token_active(user) -> CalendarToken | None:
    """The member's current token, if any."""
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def calendar_token_create(user) -> CalendarToken:
    """Issue a new secret feed token, revoking any earlier one (old addresses stop working).

    Guarantees: exactly one active token for `user` afterwards. Raises nothing.
    """
    CalendarToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    return CalendarToken.objects.create(user=user, token=secrets.token_urlsafe(32))


@transaction.atomic
def calendar_token_revoke(user) -> int:
    """Revoke every active token of `user`; returns how many were revoked (0 if none)."""
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def calendar_token_user(token: str):
    """The user owning an active token, or None (unknown, revoked or malformed token)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None  # never hand a malformed value (e.g. a NUL byte) to the database
    found = (CalendarToken.objects.filter(token=token, revoked_at__isnull=True,
                                          user__is_active=True)
             .select_related("user").first())
    return found.user if found else None
