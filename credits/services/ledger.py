"""The ledger's state changes: transfers, holds and reversals (accounts and their locks:
`credits.services.accounts`).

Guarantees (see docs/credits.md):

- Every transfer moves one positive integer amount from one account to a
  different account, so the sum of all balances is zero by construction.
- Stored totals change only through ``F()`` updates issued in ascending account
  id order inside the transfer's transaction; the ``UPDATE`` takes the row
  locks, so concurrent transfers serialise per account. Python never reads a
  balance to decide anything: the ``account_within_limit`` CheckConstraint
  refuses an overdraft and its violation becomes :class:`InsufficientCredits`.
- **Lock order.** Account rows are locked in ascending id order, once per
  transaction. One ledger call alone keeps that order. A transaction that makes
  *several* ledger calls (a cancellation that charges one member and then
  promotes another) must first call :func:`accounts_lock` with every account it
  may touch; the calls that follow then wait for no other account row. Other
  rows a service locks (an event, a registration, a day pass) are locked before
  the accounts, never after. Transactions that keep this rule cannot deadlock on
  each other; what is left (a lock taken outside the services) is retried at the
  edge by ``network.db_retry``.
- Transfers are append-only (database triggers refuse UPDATE and DELETE).
  **State changes of a hold are recorded as new rows**: ``hold_place`` writes
  a ``pending`` row; ``hold_post`` / ``hold_void`` append a ``posted`` /
  ``voided`` row whose ``resolves`` points at the hold. ``resolves`` is
  one-to-one, so the database lets a hold be resolved at most once. The
  pending row itself never changes; a hold is open while no row resolves it.
- A mistake is undone by ``transfer_reverse``: a new posted row with the
  accounts swapped, code ``reversal`` and ``reverses`` pointing at the
  original (one-to-one: at most one reversal per transfer).
- Every call carries an idempotency key (unique). The row stores the SHA-256
  of the canonical request (operation, accounts, amount, code, reference); a
  replay with the same request returns the original row, even when the
  replays race; a replay with another request raises
  :class:`IdempotencyMismatch`.
- Each function runs in one transaction (a savepoint when called inside an
  outer transaction, so a refused transfer leaves the caller's transaction
  usable).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ..exceptions import (
    AlreadyReversed,
    HoldAlreadyResolved,
    IdempotencyMismatch,
    InsufficientCredits,
    InvalidTransfer,
)
from ..models import Account, Transfer, TransferCode, TransferState

MAX_AMOUNT = 10**12
LIMIT_CONSTRAINT = "account_within_limit"



# --- validation -----------------------------------------------------------------


def _clean_amount(amount: Any) -> int:
    if isinstance(amount, bool):
        raise InvalidTransfer(_("The amount must be a whole number of credits, not %(v)r.")
                              % {"v": amount})
    if isinstance(amount, Decimal):
        if not amount.is_finite() or amount != amount.to_integral_value():
            raise InvalidTransfer(_("The amount must be a whole number of credits, not %(v)s.")
                                  % {"v": amount})
        amount = int(amount)
    if not isinstance(amount, int):
        raise InvalidTransfer(_("The amount must be a whole number of credits, not %(v)r.")
                              % {"v": amount})
    if amount <= 0:
        raise InvalidTransfer(_("The amount must be positive, not %(v)s.") % {"v": amount})
    if amount > MAX_AMOUNT:
        raise InvalidTransfer(_("The amount %(v)s is larger than the maximum %(max)s.")
                              % {"v": amount, "max": MAX_AMOUNT})
    return amount


def _clean_text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidTransfer(_("%(field)s must be text.") % {"field": field})
    if required and not value.strip():
        raise InvalidTransfer(_("%(field)s must not be empty.") % {"field": field})
    if len(value) > max_length:
        raise InvalidTransfer(_("%(field)s is longer than %(max)s characters.")
                              % {"field": field, "max": max_length})
    return value


def _clean_key(key: Any) -> str:
    return _clean_text(key, "idempotency_key",
                       Transfer._meta.get_field("idempotency_key").max_length, required=True)


def _clean_accounts(debit: Any, credit: Any) -> tuple[int, int]:
    for label, account in (("debit", debit), ("credit", credit)):
        if not isinstance(account, Account) or account.pk is None:
            raise InvalidTransfer(_("The %(side)s account must be a saved account.")
                                  % {"side": label})
    if debit.pk == credit.pk:
        raise InvalidTransfer(_("An account cannot transfer credits to itself."))
    return debit.pk, credit.pk


def _clean_code(code: Any) -> str:
    if code not in TransferCode.values or isinstance(code, bool):
        raise InvalidTransfer(_("Unknown transfer code: %(code)r.") % {"code": code})
    if code == TransferCode.REVERSAL:
        raise InvalidTransfer(_("Reversals are recorded only by transfer_reverse."))
    return str(code)


def _clean_actor(user: Any) -> Any:
    """Who did it: a saved user, or None (an anonymous user counts as nobody)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "pk", None) is None:
        raise InvalidTransfer(_("created_by must be a saved user."))
    return user


def _request_hash(operation: str, **fields: Any) -> str:
    payload = json.dumps({"operation": operation, **fields}, sort_keys=True,
                         separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- the write path -------------------------------------------------------------------


def _replayed(key: str, request_hash: str) -> Transfer | None:
    """The row recorded under this key, if any; IdempotencyMismatch when the request differs."""
    existing = Transfer.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise IdempotencyMismatch(
            _("The idempotency key %(key)s was already used for a different request.")
            % {"key": key})
    return existing


def _violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or str(exc)


# the stored totals of an account (credits arrive only posted: there is no credits_pending)
_TOTALS = frozenset({"debits_posted", "credits_posted", "debits_pending"})


_INSERT_STATEMENTS: dict[str, tuple[str, tuple]] = {}


def _insert_statement(conn) -> tuple[str, tuple]:
    """The transfer's INSERT (every concrete column) and its fields, built once per vendor."""
    if conn.vendor not in _INSERT_STATEMENTS:
        quote = conn.ops.quote_name
        fields = tuple(Transfer._meta.local_concrete_fields)
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        _INSERT_STATEMENTS[conn.vendor] = (
            f"INSERT INTO {quote(Transfer._meta.db_table)}"  # noqa: S608 (names only)
            f" ({columns}) VALUES ({marks})", fields)
    return _INSERT_STATEMENTS[conn.vendor]


def _account_table(conn) -> str:
    return conn.ops.quote_name(Account._meta.db_table)


def _insert_and_apply_totals(row: Transfer, changes: dict[int, dict[str, int]]) -> None:
    """INSERT the row, then add the deltas to the accounts' stored totals in ascending
    account id order: one `UPDATE ... SET total = total + delta WHERE id = ...` per account.

    The row's values are prepared by its fields as `save(force_insert=True)` would
    (defaults, auto_now_add) without the model-save machinery (nothing listens to Transfer's
    save signals). Each UPDATE takes the account's row lock (or finds it already taken by
    :func:`accounts_lock` earlier in the transaction); the fixed order means two transfers
    over the same pair of accounts cannot deadlock; the limit's CheckConstraint refuses an
    overdraft. (One statement per execute: the lock-order tests watch each UPDATE.)
    """
    conn = transaction.get_connection()  # once: every `connection.x` goes through a proxy
    insert_sql, fields = _insert_statement(conn)
    values = [field.get_db_prep_save(field.pre_save(row, True), conn) for field in fields]
    statements = [(insert_sql, values)]
    order = sorted(changes)
    for pk in order:
        totals = changes[pk]
        if not totals.keys() <= _TOTALS:
            raise InvalidTransfer(_("Unknown account total."))
        assignments = ", ".join(f"{name} = {name} + %s" for name in totals)
        statements.append((f"UPDATE {_account_table(conn)} SET {assignments}"  # noqa: S608
                           " WHERE id = %s", [*totals.values(), pk]))
    with conn.cursor() as cursor:
        counts = []
        for sql, params in statements:
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
    for pk, count in zip(order, counts[1:], strict=True):
        if count != 1:
            raise InvalidTransfer(_("Account %(pk)s does not exist.") % {"pk": pk})
    row._state.adding = False
    row._state.db = conn.alias


def _record(row: Transfer, changes: dict[int, dict[str, int]],
            on_conflict: Any = None) -> Transfer:
    """Insert the row and apply the totals in one transaction (a savepoint if nested).

    The row goes in first: a concurrent replay of the same key then waits on the
    unique index and fails without touching any account.
    """
    try:
        with transaction.atomic():
            _insert_and_apply_totals(row, changes)
    except IntegrityError as exc:
        if LIMIT_CONSTRAINT in _violated_constraint(exc):
            raise InsufficientCredits(
                _("Not enough credits: the account would go below its limit.")) from exc
        replay = _replayed(row.idempotency_key, row.request_hash)
        if replay is not None:
            return replay
        if on_conflict is not None:
            on_conflict(exc)
        raise
    return row


def _check_other_accounts_exist(*pks: int) -> None:
    found = set(Account.objects.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise InvalidTransfer(_("Account %(pk)s does not exist.") % {"pk": missing[0]})


def _new_movement(operation: str, state: str, *, debit: Account, credit: Account, amount: Any,
                  code: Any, idempotency_key: Any, memo: Any, reference: Any,
                  external_reference: Any, created_by: Any) -> Transfer:
    debit_pk, credit_pk = _clean_accounts(debit, credit)
    amount = _clean_amount(amount)
    code = _clean_code(code)
    key = _clean_key(idempotency_key)
    memo = _clean_text(memo, "memo", Transfer._meta.get_field("memo").max_length)
    reference = _clean_text(reference, "reference",
                            Transfer._meta.get_field("reference").max_length)
    external_reference = _clean_text(
        external_reference, "external_reference",
        Transfer._meta.get_field("external_reference").max_length)
    request_hash = _request_hash(operation, debit=debit_pk, credit=credit_pk, amount=amount,
                                 code=code, reference=reference)
    # No read before the insert: a replay fails on the unique key and _record returns the
    # original (one round trip less on the hot path).
    if state == TransferState.PENDING:
        _check_other_accounts_exist(credit_pk)
        changes = {debit_pk: {"debits_pending": amount}}
    else:
        changes = {debit_pk: {"debits_posted": amount}, credit_pk: {"credits_posted": amount}}
    row = Transfer(idempotency_key=key, request_hash=request_hash, debit_account_id=debit_pk,
                   credit_account_id=credit_pk, amount=amount, code=code, state=state,
                   memo=memo, reference=reference, external_reference=external_reference,
                   created_by=_clean_actor(created_by))
    return _record(row, changes)


def transfer_post(*, debit: Account, credit: Account, amount: int, code: str,
                  idempotency_key: str, memo: str = "", reference: str = "",
                  external_reference: str = "", created_by: Any = None) -> Transfer:
    """Move ``amount`` credits from ``debit`` to ``credit`` now (a posted row).

    Raises InvalidTransfer (bad amount, code, accounts, texts), InsufficientCredits
    (the debit account would pass its limit), IdempotencyMismatch (key reused for
    another request). A replay of the same request returns the original row.
    """
    return _new_movement("transfer", TransferState.POSTED, debit=debit, credit=credit,
                         amount=amount, code=code, idempotency_key=idempotency_key, memo=memo,
                         reference=reference, external_reference=external_reference,
                         created_by=created_by)


def hold_place(*, debit: Account, credit: Account, amount: int, code: str,
               idempotency_key: str, memo: str = "", reference: str = "",
               external_reference: str = "", created_by: Any = None) -> Transfer:
    """Reserve ``amount`` on ``debit`` for a later payment to ``credit`` (a pending row).

    The amount counts against the debit account's limit at once
    (``debits_pending``); the credit account receives nothing until ``hold_post``.
    Raises like :func:`transfer_post`.
    """
    return _new_movement("hold", TransferState.PENDING, debit=debit, credit=credit,
                         amount=amount, code=code, idempotency_key=idempotency_key, memo=memo,
                         reference=reference, external_reference=external_reference,
                         created_by=created_by)


def _fresh(transfer: Any) -> Transfer:
    if not isinstance(transfer, Transfer):
        raise InvalidTransfer(_("Expected a transfer."))
    fresh = Transfer.objects.filter(pk=transfer.pk).first()
    if fresh is None:
        raise InvalidTransfer(_("Transfer %(pk)s does not exist.") % {"pk": transfer.pk})
    return fresh


def _resolve_hold(hold: Any, state: str, *, idempotency_key: Any, created_by: Any) -> Transfer:
    hold = _fresh(hold)
    key = _clean_key(idempotency_key)
    operation = "hold_post" if state == TransferState.POSTED else "hold_void"
    request_hash = _request_hash(operation, hold=str(hold.pk))
    replay = _replayed(key, request_hash)
    if replay is not None:
        return replay
    if hold.state != TransferState.PENDING:
        raise InvalidTransfer(_("Only a hold (a pending transfer) can be posted or voided."))
    if Transfer.objects.filter(resolves=hold).exists():
        raise HoldAlreadyResolved(_("This hold was already posted or voided."))
    amount = hold.amount
    if state == TransferState.POSTED:
        changes = {hold.debit_account_id: {"debits_pending": -amount, "debits_posted": amount},
                   hold.credit_account_id: {"credits_posted": amount}}
    else:
        changes = {hold.debit_account_id: {"debits_pending": -amount}}
    row = Transfer(idempotency_key=key, request_hash=request_hash,
                   debit_account_id=hold.debit_account_id,
                   credit_account_id=hold.credit_account_id, amount=amount, code=hold.code,
                   state=state, resolves=hold, memo=hold.memo, reference=hold.reference,
                   external_reference=hold.external_reference,
                   created_by=_clean_actor(created_by))

    def on_conflict(exc: IntegrityError) -> None:
        if Transfer.objects.filter(resolves=hold).exists():
            raise HoldAlreadyResolved(_("This hold was already posted or voided.")) from exc

    return _record(row, changes, on_conflict)


def hold_post(hold: Transfer, *, idempotency_key: str, created_by: Any = None) -> Transfer:
    """Pay a hold: append a posted row resolving it; the credit account receives the amount.

    Exactly once: raises HoldAlreadyResolved if the hold was posted or voided
    (also when a post and a void race: the database lets only one row resolve it).
    Raises InvalidTransfer if ``hold`` is not a pending transfer, IdempotencyMismatch
    if the key was used for another request. A replay returns the original row.
    """
    return _resolve_hold(hold, TransferState.POSTED, idempotency_key=idempotency_key,
                         created_by=created_by)


def hold_void(hold: Transfer, *, idempotency_key: str, created_by: Any = None) -> Transfer:
    """Release a hold: append a voided row resolving it; no credits move.

    Raises like :func:`hold_post`.
    """
    return _resolve_hold(hold, TransferState.VOIDED, idempotency_key=idempotency_key,
                         created_by=created_by)


def transfer_reverse(transfer: Transfer, *, idempotency_key: str, memo: str = "",
                     created_by: Any = None) -> Transfer:
    """Undo a posted transfer with a new posted row moving the amount back.

    Passing a hold that was posted reverses the row that posted it. At most once:
    raises AlreadyReversed if the transfer was reversed. Raises InvalidTransfer for
    an open hold (void it instead), a voided row or a reversal row;
    InsufficientCredits if the receiving account has already spent the credits
    beyond its limit; IdempotencyMismatch if the key was used for another request.
    """
    original = _fresh(transfer)
    key = _clean_key(idempotency_key)
    memo = _clean_text(memo, "memo", Transfer._meta.get_field("memo").max_length)
    if original.state == TransferState.PENDING:
        resolution = Transfer.objects.filter(resolves=original).first()
        if resolution is None:
            raise InvalidTransfer(_("An open hold cannot be reversed: void it instead."))
        original = resolution
    request_hash = _request_hash("reverse", transfer=str(original.pk))
    replay = _replayed(key, request_hash)
    if replay is not None:
        return replay
    if original.state != TransferState.POSTED:
        raise InvalidTransfer(_("A voided hold moved no credits: there is nothing to reverse."))
    if original.code == TransferCode.REVERSAL:
        raise InvalidTransfer(_("A reversal cannot itself be reversed; post a new transfer."))
    if Transfer.objects.filter(reverses=original).exists():
        raise AlreadyReversed(_("This transfer was already reversed."))
    amount = original.amount
    changes = {original.credit_account_id: {"debits_posted": amount},
               original.debit_account_id: {"credits_posted": amount}}
    row = Transfer(idempotency_key=key, request_hash=request_hash,
                   debit_account_id=original.credit_account_id,
                   credit_account_id=original.debit_account_id, amount=amount,
                   code=TransferCode.REVERSAL, state=TransferState.POSTED, reverses=original,
                   memo=memo, reference=original.reference,
                   created_by=_clean_actor(created_by))

    def on_conflict(exc: IntegrityError) -> None:
        if Transfer.objects.filter(reverses=original).exists():
            raise AlreadyReversed(_("This transfer was already reversed.")) from exc

    return _record(row, changes, on_conflict)
