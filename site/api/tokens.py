"""Services for members' personal API tokens, kept in Wagtail's own `APIToken` model
(wagtail.models.APIToken: the plain token is returned once by `create_token`, only an
HMAC-SHA-256 of it is stored, and it survives a SECRET_KEY rotation through
SECRET_KEY_FALLBACKS).

Guarantees: a revoked token, a token of a deactivated account (an erased member's, say) or
a malformed value never authenticates, and a malformed value never reaches the database;
a member holds at most MAX_ACTIVE_TOKENS active tokens; a member can only revoke their own.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import APIToken

from network.validators import validate_no_control_characters

from .exceptions import ApiTokenInvalid

TOKEN_NAME_MAX_LENGTH = 80
MAX_ACTIVE_TOKENS = 10
# `last_used_at` is written at most this often per token (not one write per request).
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Wagtail's format: "wagtail_" + base62 secret + checksum; anything much longer is refused
# before any work is done on it.
TOKEN_MAX_LENGTH = 100


@dataclass(frozen=True)
class NewToken:
    """A freshly made token: the stored row and the plain token, to be shown once."""

    token: APIToken
    plain: str


def api_tokens_of(user) -> list[APIToken]:
    """The member's tokens, active ones first, newest first."""
    return list(APIToken.objects.filter(user=user)
                .order_by("revoked_at", "-created", "-pk"))


@transaction.atomic
def api_token_create(user, name: str) -> NewToken:
    """Make a token for `user` named `name` (one line, 1-80 characters).

    Raises ApiTokenInvalid (nothing is created) for a bad name or when the member already
    holds MAX_ACTIVE_TOKENS active tokens. The user's row is locked first, so two requests
    at once cannot both pass the limit.
    """
    name = (name or "").strip()
    if not name:
        raise ApiTokenInvalid(_("Give the token a name, e.g. the program that will use it."))
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ApiTokenInvalid(_("A token's name has at most %(n)d characters.")
                              % {"n": TOKEN_NAME_MAX_LENGTH})
    try:
        validate_no_control_characters(name)
    except ValidationError as error:
        raise ApiTokenInvalid(error.messages) from None
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if APIToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApiTokenInvalid(_("You already have %(n)d active tokens: revoke one first.")
                              % {"n": MAX_ACTIVE_TOKENS})
    token, plain = APIToken.create_token(user=user, name=name)
    return NewToken(token=token, plain=plain)


def api_token_revoke(user, token_id: int) -> bool:
    """Revoke the member's token `token_id`; False when they hold no such active token
    (another member's token is never touched)."""
    return bool(APIToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True)
                .update(revoked_at=timezone.now()))


def api_tokens_revoke_all(user) -> int:
    """Revoke every active token of `user` (the erasure of their account); how many."""
    return APIToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def api_token_authenticate(plain: str) -> APIToken | None:
    """The active token matching `plain`, with its user, or None (unknown, revoked,
    malformed, or its account deactivated). Records the use, at most every few minutes."""
    if not plain or len(plain) > TOKEN_MAX_LENGTH or not APIToken.validate_token_format(plain):
        return None
    token = (APIToken.objects.filter(key_hash__in=APIToken.candidate_key_hashes(plain),
                                     revoked_at__isnull=True)
             .select_related("user").first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
