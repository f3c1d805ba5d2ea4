"""The site's part of the admin: a coordinator erases a member's account with the same
service the member uses (`home.privacy.member_erase`).

The button sits on the member profile admin of the network app, which cannot import the
site: the site registers it through the network's MEMBER_PROFILE_BUTTONS_HOOK.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from network.db_retry import db_retry
from network.models import MemberProfile
from network.permissions import user_is_coordinator
from network.wagtail_hooks import MEMBER_PROFILE_BUTTONS_HOOK

from .privacy import ERASE_LOG_ACTION, ErasureNotAllowed, member_erase, member_erase_preview


class MemberEraseForm(forms.Form):
    """The coordinator types the member's e-mail address: proof they erase the right person."""

    email = forms.EmailField(label=_("The member's e-mail address"), max_length=254)
    confirm = forms.BooleanField(
        label=_("Erase this account and this person's data. This cannot be undone."),
        required=True)

    def __init__(self, *args, expected_email: str, **kwargs) -> None:
        self.expected_email = expected_email
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.strip().lower() != self.expected_email.strip().lower():
            raise forms.ValidationError(_("This is not this member's e-mail address."))
        return email


class MemberEraseView(WagtailAdminTemplateMixin, FormView):
    """Coordinators only: confirm, then erase a member's account (the profile's owner)."""

    template_name = "home/privacy/admin_erase.html"
    page_title = _("Erase member")
    header_icon = "warning"
    form_class = MemberEraseForm

    def dispatch(self, request, *args, **kwargs):
        if not user_is_coordinator(request.user):
            raise PermissionDenied
        self.profile = get_object_or_404(MemberProfile.objects.select_related("user"),
                                         pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.profile.display_name

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items,
                {"url": reverse("member_profiles:index"), "label": _("Member profiles")},
                {"url": reverse("member_profiles:edit", args=[self.profile.pk]),
                 "label": self.profile.display_name},
                {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "expected_email": self.profile.user.email}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "profile": self.profile,
                "member": self.profile.user,
                "preview": member_erase_preview(self.profile.user),
                "cancel_url": reverse("member_profiles:edit", args=[self.profile.pk])}

    def form_valid(self, form):
        try:
            db_retry(member_erase)(self.profile.user, by=self.request.user)
        except ErasureNotAllowed as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The member's account has been erased."))
        return HttpResponseRedirect(reverse("member_profiles:index"))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@hooks.register("register_admin_urls")
def register_member_erase_url():
    return [path("members/erase/<int:pk>/", MemberEraseView.as_view(), name="member_erase")]


@hooks.register(MEMBER_PROFILE_BUTTONS_HOOK)
def member_erase_button(profile: MemberProfile, user) -> list[Button]:
    if not user_is_coordinator(user):
        return []
    return [Button(_("Erase member…"), url=reverse("member_erase", args=[profile.pk]),
                   icon_name="warning", priority=90)]


@hooks.register("register_log_actions")
def register_privacy_log_actions(actions):
    actions.register_action(ERASE_LOG_ACTION, _("Erase member"),
                            _("Erased the member's account and data"))
