"""The double-entry ledger: accounts, append-only transfers, day passes.

Balances are stored totals updated only by `credits.services` with F()
expressions, in ascending account order, inside the transfer's transaction.
A CheckConstraint lets the database itself refuse an overdraft; triggers
(see the migrations) refuse UPDATE and DELETE of transfers.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    MEMBER = "member", _("Member")
    SPACE = "space", _("Space")
    ISSUANCE = "issuance", _("Network issuance")
    COMMONS = "commons", _("Network commons")


class Account(models.Model):
    """An account owned by a member, a space, or the network.

    balance = credits_posted - debits_posted; available = balance - debits_pending.
    `limit` is how far below zero the available balance may go (0 for members,
    the issuance limit for spaces); `unlimited` accounts (network issuance) have no floor.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="credit_account")
    space = models.OneToOneField("network.SpacePage", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="credit_account")
    name = models.CharField(_("name"), max_length=200)
    credits_posted = models.BigIntegerField(default=0, editable=False)
    debits_posted = models.BigIntegerField(default=0, editable=False)
    debits_pending = models.BigIntegerField(default=0, editable=False)
    limit = models.BigIntegerField(_("overdraft limit"), default=0,
                                   help_text=_("How far below zero this account may go."))
    unlimited = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unlimited=True)
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending") - F("limit")),
                name="account_within_limit"),
            models.CheckConstraint(condition=Q(limit__gte=0), name="account_limit_not_negative"),
            models.CheckConstraint(
                condition=Q(credits_posted__gte=0, debits_posted__gte=0, debits_pending__gte=0),
                name="account_totals_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind="member", user__isnull=False, space__isnull=True)
                           | Q(kind="space", space__isnull=False, user__isnull=True)
                           | Q(kind__in=["issuance", "commons"], user__isnull=True,
                               space__isnull=True)),
                name="account_owner_matches_kind"),
            models.UniqueConstraint(fields=["kind"], condition=Q(kind__in=["issuance", "commons"]),
                                    name="account_one_per_network_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        return self.balance - self.debits_pending


class TransferCode(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    GRANT = "grant", _("Grant")
    EARN_HOST = "earn_host", _("Earned hosting")
    EARN_SPEAKER = "earn_speaker", _("Earned speaking")
    EARN_VOLUNTEER = "earn_volunteer", _("Earned volunteering")
    SPEND_EVENT = "spend_event", _("Event")
    SPEND_DAYPASS = "spend_daypass", _("Day pass")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")
    EXPIRY = "expiry", _("Expiry")


class TransferState(models.TextChoices):
    POSTED = "posted", _("Posted")
    PENDING = "pending", _("On hold")
    VOIDED = "voided", _("Voided")


class Transfer(models.Model):
    """One movement of a positive amount from one account to another. Append-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT,
                                      related_name="debit_transfers")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT,
                                       related_name="credit_transfers")
    amount = models.BigIntegerField()
    code = models.CharField(max_length=20, choices=TransferCode.choices)
    state = models.CharField(max_length=10, choices=TransferState.choices,
                             default=TransferState.POSTED)
    # A hold (pending) is resolved by a new row that points at it: posted or voided.
    resolves = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="resolution")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversal")
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # What the transfer pays for, e.g. "events.registration:42" or "credits.daypass:7".
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    external_reference = models.CharField(max_length=200, blank=True,
                                          help_text=_("e.g. the receipt of a cash payment"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")),
                                   name="transfer_accounts_differ"),
        ]
        indexes = [
            models.Index(fields=["debit_account", "created_at"], name="transfer_debit_idx"),
            models.Index(fields=["credit_account", "created_at"], name="transfer_credit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.debit_account} → {self.credit_account} ({self.code})"


class DayPassState(models.TextChoices):
    VALID = "valid", _("Valid")
    USED = "used", _("Used")
    REFUNDED = "refunded", _("Refunded")


class DayPass(models.Model):
    """One day at a space, paid in credits; the space validates its code once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="day_passes")
    space = models.ForeignKey("network.SpacePage", on_delete=models.PROTECT,
                              related_name="day_passes")
    date = models.DateField(_("date"))
    price = models.PositiveIntegerField(_("price (credits)"))
    code = models.CharField(max_length=32, unique=True)
    state = models.CharField(max_length=10, choices=DayPassState.choices,
                             default=DayPassState.VALID)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("day pass")
        verbose_name_plural = _("day passes")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.space} {self.date} ({self.user})"
