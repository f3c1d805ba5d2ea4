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

People without an account (guests of an event) get the same kind of link naming their
ADDRESS instead of a member (`unsubscribe_address_url`), for lists that take addresses
(`MailingList.unsubscribe_address`); a member's token and an address token cannot stand in
for each other (different keys inside the signature).
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
class GuestAddress:
    """The subscriber named by an address token: someone without an account."""

    email: str


@dataclass(frozen=True)
class MailingList:
    """A list-like kind of e-mail. `unsubscribe(user)` stops it for `user` (idempotent);
    `is_subscribed(user)` tells the confirmation page what the member gets now; the
    `*_address` pair does the same for an address without an account (lists sent to guests).
    """

    identifier: str
    label: str | Promise
    unsubscribe: Callable[[object], None]
    is_subscribed: Callable[[object], bool]
    unsubscribe_address: Callable[[str], None] | None = None
    address_subscribed: Callable[[str], bool] | None = None

    def stop(self, subscriber) -> None:
        """Unsubscribe a member or a `GuestAddress` (what a token names)."""
        if isinstance(subscriber, GuestAddress):
            self.unsubscribe_address(subscriber.email)
        else:
            self.unsubscribe(subscriber)

    def gets(self, subscriber) -> bool:
        """Whether a member or a `GuestAddress` still gets this list."""
        if isinstance(subscriber, GuestAddress):
            return self.address_subscribed(subscriber.email)
        return self.is_subscribed(subscriber)


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


def unsubscribe_address_url(email: str, identifier: str) -> str:
    """The absolute one-click address for `email` (someone without an account) and the
    list `identifier`. Raises KeyError for a list that is not registered or takes no
    addresses."""
    mailing_list = _lists.get(identifier)
    if mailing_list is None or mailing_list.unsubscribe_address is None:
        raise KeyError(identifier)
    token = signing.dumps({"a": email.strip().lower(), "l": identifier}, salt=_salt(identifier))
    return public_url(reverse("network:unsubscribe",
                              kwargs={"identifier": identifier, "token": token}))


def unsubscribe_token_read(identifier: str, token: str):
    """(subscriber, list) named by `token` for the list `identifier`: the member, or a
    `GuestAddress` for an address token. Raises UnsubscribeTokenInvalid for an unknown list,
    a bad signature, a token of another list, a member who no longer exists or is
    inactive, or an address token of a list that takes no addresses."""
    mailing_list = _lists.get(identifier)
    if mailing_list is None or not isinstance(token, str) or len(token) > 1000:
        raise UnsubscribeTokenInvalid(identifier)
    try:
        payload = signing.loads(token, salt=_salt(identifier))
    except signing.BadSignature as exc:
        raise UnsubscribeTokenInvalid(identifier) from exc
    if not isinstance(payload, dict) or payload.get("l") != identifier:
        raise UnsubscribeTokenInvalid(identifier)
    if "a" in payload:
        email = payload["a"]
        if (mailing_list.unsubscribe_address is None or "u" in payload
                or not isinstance(email, str) or "@" not in email or len(email) > 254):
            raise UnsubscribeTokenInvalid(identifier)
        return GuestAddress(email), mailing_list
    user_pk = payload.get("u")
    if isinstance(user_pk, bool) or not isinstance(user_pk, int):
        raise UnsubscribeTokenInvalid(identifier)
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        raise UnsubscribeTokenInvalid(identifier)
    return user, mailing_list
