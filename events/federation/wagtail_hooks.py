"""The admin of imported calendars: a space's organisers subscribe it to other sites'
calendars (Events → Imported calendars); imported events are read-only in the page editor.

Saving a subscription syncs it at once (a task, after the commit); the periodic task keeps
it in sync. Organisers see and change only their spaces' subscriptions; coordinators all.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from events.models import EventPage
from network.ids import IdChoiceField
from network.permissions import (
    spaces_organised_by,
    user_organises_space,
    users_organising_or_coordinating,
)

from .exceptions import ImportRefused
from .fetch import url_check
from .models import CalendarSubscription
from .tasks import subscription_sync_now

User = get_user_model()


def subscriptions_managed_by(user):
    return CalendarSubscription.objects.filter(
        space__in=spaces_organised_by(user)).select_related("space")


class SubscriptionPermissionPolicy(BasePermissionPolicy):
    """Organisers manage their spaces' subscriptions, coordinators every one."""

    ALLOWED = {"add", "change", "delete", "view"}

    def user_has_permission(self, user, action) -> bool:
        return action in self.ALLOWED and spaces_organised_by(user).exists()

    def users_with_any_permission(self, actions):
        if not self.ALLOWED.intersection(actions):
            return User.objects.none()
        return users_organising_or_coordinating()

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        return action in self.ALLOWED and user_organises_space(user, instance.space_id)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.ALLOWED.intersection(actions):
            return CalendarSubscription.objects.none()
        return subscriptions_managed_by(user)


subscription_permission_policy = SubscriptionPermissionPolicy(CalendarSubscription)
register_permission_policy(CalendarSubscription, subscription_permission_policy)


class SubscriptionForm(WagtailAdminModelForm):
    url = forms.URLField(label=gettext_lazy("calendar address"), max_length=2000,
                         assume_scheme="https",
                         help_text=CalendarSubscription._meta.get_field("url").help_text)

    class Meta:
        model = CalendarSubscription
        fields = ["space", "url", "name", "active"]
        field_classes = {"space": IdChoiceField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces_organised_by(self.for_user)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            url_check(url)
        except ImportRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        return url


def _sync_after_commit(subscription: CalendarSubscription) -> None:
    pk = subscription.pk
    transaction.on_commit(lambda: subscription_sync_now.enqueue(pk), robust=True)


class SubscriptionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return subscriptions_managed_by(self.request.user)


class SubscriptionCreateView(generic.CreateView):
    def save_instance(self):
        subscription = self.form.save(commit=False)
        subscription.created_by = self.request.user
        subscription.save()
        _sync_after_commit(subscription)
        return subscription


class ScopedObjectMixin:
    """A subscription of another space does not exist for an organiser (PermissionDenied)."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not subscriptions_managed_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


class SubscriptionDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class SubscriptionEditView(ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        subscription = super().save_instance()
        _sync_after_commit(subscription)
        return subscription


class SubscriptionViewSet(ModelViewSet):
    pk_path_converter = "id"
    model = CalendarSubscription
    icon = "download"
    menu_label = gettext_lazy("Imported calendars")
    menu_order = 260
    add_to_admin_menu = True
    copy_view_enabled = False
    form_fields = ["space", "url", "name", "active"]
    index_view_class = SubscriptionIndexView
    add_view_class = SubscriptionCreateView
    edit_view_class = SubscriptionEditView
    delete_view_class = SubscriptionDeleteView
    list_display = ["__str__", "space", Column("last_success_at", label=gettext_lazy(
        "Last imported")), Column("last_error", label=gettext_lazy("Last error")), "active"]
    search_fields = ["url", "name", "space__title"]

    def get_form_class(self, for_update: bool = False):
        return SubscriptionForm


@hooks.register("register_admin_viewset")
def register_subscriptions_admin():
    return SubscriptionViewSet("calendar_subscriptions", url_prefix="events/subscriptions")


@hooks.register("before_edit_page")
def imported_events_are_read_only(request, page):
    """An imported event is changed on its origin site; the next sync would undo an edit."""
    if not isinstance(page.specific_deferred, EventPage):
        return None
    origin = EventPage.objects.filter(pk=page.pk).values_list("origin", flat=True).first()
    if not origin:
        return None
    messages.warning(request, format_html(
        _("“{title}” is imported from {name}: change it there ({url})."),
        title=page.title, name=origin.get("name") or origin.get("feed_url") or "",
        url=origin.get("url") or origin.get("feed_url") or ""))
    return redirect("wagtailadmin_explore", page.get_parent().pk)
