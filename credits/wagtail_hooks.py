"""The ledger in the Wagtail admin: accounts and transfers, read-only, under "Credits".

Only the index and inspect views exist (no add, edit, delete, copy, history or usage
URL is routed), and the permission policy grants nothing but "view", so no button
for a write appears either: the ledger changes only through `credits.services`.
Coordinators see every account and transfer; an organiser sees the accounts of the
spaces they organise and the transfers touching them; nobody else sees the menu.
Coordinators may reverse a transfer from its inspect page: that calls `transfer_reverse`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from network.db_retry import db_retry
from network.permissions import (
    spaces_organised_by,
    user_is_coordinator,
    users_organising_or_coordinating,
)

from .models import Account, Transfer, TransferCode, TransferState
from .selectors import accounts_visible_to, transfers_visible_to
from .services import CreditsError, transfer_reverse

VISIBLE = {Account: accounts_visible_to, Transfer: transfers_visible_to}


def may_see_ledger(user) -> bool:
    """Coordinators and organisers of at least one space."""
    return user_is_coordinator(user) or spaces_organised_by(user).exists()


class LedgerViewOnlyPolicy(BasePermissionPolicy):
    """Grants "view" to coordinators (everything) and organisers (their spaces); never
    add, change or delete, whoever asks (superusers included)."""

    def user_has_permission(self, user, action: str) -> bool:
        return action == "view" and may_see_ledger(user)

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_permission(self, action: str) -> QuerySet:
        if action != "view":
            return get_user_model().objects.none()
        return users_organising_or_coordinating()

    def users_with_any_permission(self, actions) -> QuerySet:
        return self.users_with_permission("view" if "view" in actions else "")

    def instances_user_has_permission_for(self, user, action: str) -> QuerySet:
        if action != "view":
            return self.model.objects.none()
        return VISIBLE[self.model](user)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet:
        return self.instances_user_has_permission_for(user, "view" if "view" in actions else "")

    def user_has_permission_for_instance(self, user, action: str, instance: Model) -> bool:
        return self.instances_user_has_permission_for(user, action).filter(
            pk=instance.pk).exists()

    def user_has_any_permission_for_instance(self, user, actions, instance: Model) -> bool:
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)


register_permission_policy(Account, LedgerViewOnlyPolicy(Account))
register_permission_policy(Transfer, LedgerViewOnlyPolicy(Transfer))


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet:
        return VISIBLE[self.model](self.request.user)


class ScopedInspectView(generic.InspectView):
    def get_object(self, queryset=None) -> Model:
        return get_object_or_404(VISIBLE[self.model](self.request.user),
                                 pk=unquote(str(self.pk)))


def reversible(transfer: Transfer) -> bool:
    """Worth offering a reversal: a posted, non-reversal row that was not reversed yet."""
    return (transfer.state == TransferState.POSTED and transfer.code != TransferCode.REVERSAL
            and not Transfer.objects.filter(reverses=transfer).exists())


class TransferInspectView(ScopedInspectView):
    """Inspect a transfer; coordinators also get a "Reverse" button."""

    @property
    def header_more_buttons(self) -> list:
        buttons = list(super().header_more_buttons)
        if user_is_coordinator(self.request.user) and reversible(self.object):
            buttons.append(Button(_("Reverse"), icon_name="undo", priority=30,
                                  url=reverse("credits_transfers:reverse",
                                              args=[self.object.pk])))
        return buttons


class TransferReverseView(WagtailAdminTemplateMixin, TemplateView):
    """Coordinators reverse a transfer through `transfer_reverse`, never by editing it.

    The idempotency key is derived from the transfer, so a double submission records
    one reversal; the service's refusals come back as error messages.
    """

    template_name = "credits/admin/transfer_reverse.html"
    page_title = _("Reverse transfer")
    header_icon = "undo"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_is_coordinator(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(Transfer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return str(self.object)

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "object": self.object,
                "inspect_url": reverse("credits_transfers:inspect", args=[self.object.pk])}

    @db_retry
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            reversal = transfer_reverse(
                self.object, idempotency_key=f"admin:reverse:{self.object.pk}",
                memo=request.POST.get("memo", ""), created_by=request.user)
        except CreditsError as exc:
            messages.error(request, str(exc))
            return redirect("credits_transfers:inspect", self.object.pk)
        messages.success(request, _("The transfer was reversed."))
        return redirect("credits_transfers:inspect", reversal.pk)


class ReadOnlyLedgerViewSet(ModelViewSet):
    """Index and inspect only; every write URL is absent, not merely hidden."""

    index_view_class = ScopedIndexView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_admin_menu = False
    # Ledger rows reference nothing editable; indexing them would add writes to every transfer.
    add_to_reference_index = False

    @property
    def url_finder_class(self) -> type:
        # Links to an object from elsewhere in the admin point at its inspect view.
        return type("ReadOnlyURLFinder", (ModelAdminURLFinder,),
                    {"edit_url_name": self.get_url_name("inspect")})

    def get_common_view_kwargs(self, **kwargs) -> dict:
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "edit_url_name", "delete_url_name", "history_url_name",
                     "usage_url_name", "copy_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self) -> list:
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self) -> QuerySet:
        # Django model permissions are not consulted (see LedgerViewOnlyPolicy).
        return Permission.objects.none()


class AccountViewSet(ReadOnlyLedgerViewSet):
    pk_path_converter = "id"  # network.ids: ids beyond 64 bits are a 404
    model = Account
    icon = "user"
    menu_label = _("Accounts")
    name = "credits_accounts"
    list_display = ["name", "kind", Column("balance", label=_("Balance")),
                    Column("debits_pending", label=_("On hold")),
                    Column("available", label=_("Available")), "limit"]
    list_filter = ["kind"]
    search_fields = None
    inspect_view_fields = ["name", "kind", "user", "space", "credits_posted", "debits_posted",
                           "debits_pending", "limit", "unlimited", "created_at"]


class TransferViewSet(ReadOnlyLedgerViewSet):
    model = Transfer
    inspect_view_class = TransferInspectView
    icon = "list-ul"
    menu_label = _("Transfers")
    name = "credits_transfers"
    list_display = ["created_at", "debit_account", "credit_account", "amount", "code",
                    "state", "reference"]
    list_filter = ["code", "state"]
    inspect_view_fields = ["id", "created_at", "debit_account", "credit_account", "amount",
                           "code", "state", "resolves", "reverses", "memo", "reference",
                           "external_reference", "created_by", "idempotency_key",
                           "request_hash"]

    def get_urlpatterns(self) -> list:
        return [*super().get_urlpatterns(),
                path("reverse/<uuid:pk>/", TransferReverseView.as_view(), name="reverse")]


class CreditsViewSetGroup(ViewSetGroup):
    menu_label = _("Credits")
    menu_icon = "tag"
    menu_order = 300
    items = (AccountViewSet, TransferViewSet)


@hooks.register("register_admin_viewset")
def register_credits_viewsets() -> ViewSetGroup:
    return CreditsViewSetGroup()
