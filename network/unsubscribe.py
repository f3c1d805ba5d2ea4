"""One-click unsubscribe (RFC 8058) from the product's list-like e-mails.

A mailing list (the weekly digest, the reminders) is registered here by the app that owns it
(`mailing_list_register`), so this ground floor never imports the higher apps. Each e-mail
of a list carries a link with a signed token naming ONE member and ONE list:

- it works without logging in (a mail client POSTs to it: `List-Unsubscribe-Post`);
- it cannot be forged for another member: the member's id is inside the signature
  (Django's `signing`, keyed by SECRET_KEY);
- it cannot be replayed for another list: the list is inside the signature AND in the
  salt, so a token of one list does not even verify under another;
- unsubscribing twice is harmless (the list's handler is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.functional import Promise

from .public_urls import public_url

SALT = "espresso.unsubscribe"


class UnsubscribeTokenInvalid(Exception):
    """The token is malformed, tampered with, of another list, or its member is gone."""


@dataclass(frozen=True)
class MailingList:
    """A list-like kind of e-mail. `unsubscribe(user)` stops it for `user` (idempotent);
    `is_subscribed(user)` tells the confirmation page what the member gets now."""

    identifier: str
    label: str | Promise
    unsubscribe: Callable[[object], None]
    is_subscribed: Callable[[object], bool]


_lists: dict[str, MailingList] = {}


def mailing_list_register(mailing_list: MailingList) -> MailingList:
    """Register a list (from the owning app's `ready()`); registering the same identifier
    twice replaces it (module reloads in development)."""
    _lists[mailing_list.identifier] = mailing_list
    return mailing_list


def mailing_list_get(identifier: str) -> MailingList | None:
    return _lists.get(identifier)


def _salt(identifier: str) -> str:
    return f"{SALT}:{identifier}"


def unsubscribe_token(user, identifier: str) -> str:
    """The signed token that unsubscribes `user` from the list `identifier`. Raises
    KeyError for a list that is not registered (a typo must not produce dead links)."""
    if identifier not in _lists:
        raise KeyError(identifier)
    return signing.dumps({"u": user.pk, "l": identifier}, salt=_salt(identifier))


def unsubscribe_url(user, identifier: str) -> str:
    """The absolute one-click address for `user` and the list `identifier`."""
    path = reverse("network:unsubscribe", kwargs={"identifier": identifier,
                                                  "token": unsubscribe_token(user, identifier)})
    return public_url(path)


def unsubscribe_token_read(identifier: str, token: str):
    """(member, list) named by `token` for the list `identifier`. Raises
    UnsubscribeTokenInvalid for an unknown list, a bad signature, a token of another list,
    or a member who no longer exists or is inactive."""
    mailing_list = _lists.get(identifier)
    if mailing_list is None or not isinstance(token, str) or len(token) > 500:
        raise UnsubscribeTokenInvalid(identifier)
    try:
        payload = signing.loads(token, salt=_salt(identifier))
    except signing.BadSignature as exc:
        raise UnsubscribeTokenInvalid(identifier) from exc
    if not isinstance(payload, dict) or payload.get("l") != identifier:
        raise UnsubscribeTokenInvalid(identifier)
    user_pk = payload.get("u")
    if isinstance(user_pk, bool) or not isinstance(user_pk, int):
        raise UnsubscribeTokenInvalid(identifier)
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        raise UnsubscribeTokenInvalid(identifier)
    return user, mailing_list
