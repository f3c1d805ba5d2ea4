"""Credit accounts: each member's, each space's and the network's, created on first use, and
`accounts_lock`, which locks several accounts at once in the ledger's order (see the "Lock
order" in `credits.services.ledger`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidTransfer
from ..models import Account, AccountKind


def account_for_member(user: Any) -> Account:
    """The member's account, created on first use (limit 0: no overdraft).

    Race-safe: the one-to-one ``user`` column is unique, and Django's
    get_or_create retries the read after an IntegrityError.
    Raises InvalidTransfer for an unsaved or anonymous user.
    """
    if getattr(user, "pk", None) is None:
        raise InvalidTransfer(_("Only a registered member has a credit account."))
    name = (user.get_full_name() or user.get_username())[:200]
    account, _created = Account.objects.get_or_create(
        user=user, defaults={"kind": AccountKind.MEMBER, "name": name, "limit": 0})
    return account


def account_ids_for_members(users: Iterable[Any]) -> dict[int, int]:
    """Each member's account id by user id, in one query; a missing account is created
    (as :func:`account_for_member` does). Raises InvalidTransfer for an unsaved user."""
    users_by_pk = {}
    for user in users:
        if getattr(user, "pk", None) is None:
            raise InvalidTransfer(_("Only a registered member has a credit account."))
        users_by_pk[user.pk] = user
    found = dict(Account.objects.filter(user_id__in=users_by_pk)
                 .values_list("user_id", "pk"))
    for user_pk in sorted(users_by_pk.keys() - found.keys()):
        found[user_pk] = account_for_member(users_by_pk[user_pk]).pk
    return found


def account_for_space(space: Any) -> Account:
    """The space's account, created on first use.

    Its limit is ``settings.CREDITS_SPACE_ISSUANCE_LIMIT`` at creation: how
    many credits the space may issue to its members (go below zero).
    Race-safe through the unique ``space`` column.
    """
    if getattr(space, "pk", None) is None:
        raise InvalidTransfer(_("The space must be saved before it has an account."))
    limit = int(getattr(settings, "CREDITS_SPACE_ISSUANCE_LIMIT", 1000))
    account, _created = Account.objects.get_or_create(
        space=space, defaults={"kind": AccountKind.SPACE, "name": str(space.title)[:200],
                               "limit": limit})
    return account


def account_network(kind: Literal["issuance", "commons"]) -> Account:
    """The network's issuance account (unlimited) or commons account (limit 0).

    Race-safe through the partial unique constraint on ``kind``.
    """
    names = {AccountKind.ISSUANCE: "Network issuance", AccountKind.COMMONS: "Network commons"}
    if kind not in names:
        raise InvalidTransfer(_("Unknown network account kind: %(kind)s") % {"kind": kind})
    account, _created = Account.objects.get_or_create(
        kind=kind, user=None, space=None,
        defaults={"name": names[AccountKind(kind)], "limit": 0,
                  "unlimited": kind == AccountKind.ISSUANCE})
    return account


def accounts_lock(accounts: Iterable[Account | int]) -> list[int]:
    """Lock the rows of `accounts` (accounts or ids) until the end of the current
    transaction: one ``SELECT ... ORDER BY id FOR NO KEY UPDATE``, so the rows are locked
    in ascending id order, the ledger's order. Returns the ids that exist, ascending.

    Call it once, before the first ledger call of a transaction that makes several, with
    every account those calls may move (see the module's "Lock order"). The lock is the
    one the ledger's own ``UPDATE`` takes: it does not block readers nor the foreign-key
    checks of new transfers. On SQLite it is a no-op (the IMMEDIATE transaction already
    serialises writers). Raises TransactionManagementError outside a transaction.

    ``settings.CREDITS_DISABLE_ACCOUNT_LOCK`` (tests only: the control runs of the deadlock
    tests) turns it into a no-op, so the ledger calls lock one after the other as before.
    """
    pks = sorted({account.pk if isinstance(account, Account) else int(account)
                  for account in accounts})
    if not pks or getattr(settings, "CREDITS_DISABLE_ACCOUNT_LOCK", False):
        return pks
    return list(Account.objects.select_for_update(no_key=True).filter(pk__in=pks)
                .order_by("pk").values_list("pk", flat=True))
