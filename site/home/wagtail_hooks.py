"""The site's part of the admin, for what concerns every app at once:
- a coordinator erases a member's account with the same service the member uses
  (`home.privacy.member_erase`);
- deleting a member, a space or an event never takes away rows the ledger or a waiting list
  depends on: the admin refuses with a clear message (and points to erasure) instead.

The button sits on the member profile admin of the network app, which cannot import the
site: the site registers it through the network's MEMBER_PROFILE_BUTTONS_HOOK.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button
from wagtail.models import Page

from events.models import Registration
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
    return [path("members/erase/<id:pk>/", MemberEraseView.as_view(), name="member_erase")]


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


# --- deletions that would break the ledger or a waiting list ---------------------------

def deletion_blockers(objects, *, resolvable: tuple[type, ...] = ()) -> list[str]:
    """What would stop deleting `objects` outright: the names of the kinds of rows that must
    not vanish with them (registrations that hold seats or credits, ledger accounts, day
    passes...), leaving out the kinds in `resolvable` (which a hook resolves first).
    Empty when they can be deleted. Nothing is deleted."""
    by_model: dict[type, list] = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    kinds: set[str] = set()
    for model, instances in by_model.items():
        collector = Collector(using=router.db_for_write(model))
        try:
            collector.collect(instances)
        except (ProtectedError, RestrictedError) as exc:
            blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
            kinds.update(str(obj._meta.verbose_name_plural) for obj in blocking
                         if not isinstance(obj, resolvable))
    return sorted(kinds)


def _pages_refused(request, pages) -> HttpResponse | None:
    subtree = [descendant for page in pages
               for descendant in page.get_descendants(inclusive=True).specific()]
    blockers = deletion_blockers(subtree, resolvable=(Registration,))
    if not blockers:
        return None
    messages.error(request, _(
        "This cannot be deleted: it has %(kinds)s, which the network's ledger keeps for "
        "ever. Unpublish it instead.") % {"kinds": ", ".join(blockers)})
    return redirect("wagtailadmin_explore", pages[0].get_parent().pk)


@hooks.register("before_delete_page", order=-10)
def refuse_deleting_pages_the_ledger_needs(request, page):
    """Runs before the events hook withdraws the events under the page, so a refusal
    changes nothing (registrations are resolvable: that hook cancels them)."""
    if request.method != "POST":
        return None
    return _pages_refused(request, [page])


@hooks.register("before_bulk_action", order=-10)
def refuse_bulk_deleting_pages_the_ledger_needs(request, action_type, objects, action):
    if action_type != "delete" or not objects or not isinstance(objects[0], Page):
        return None
    return _pages_refused(request, objects)


@hooks.register("before_delete_user")
def refuse_deleting_a_member_with_history(request, user):
    """Deleting a member who has registrations, credits or day passes would free seats
    without promoting anyone and orphan ledger rows: the admin refuses with a clear message
    and points to erasure (which cancels through the services and keeps the ledger sound)."""
    if request.method != "POST":
        return None
    blockers = deletion_blockers([user])
    if not blockers:
        return None
    messages.error(request, _(
        "This member cannot be deleted: they have %(kinds)s. Erase their personal data "
        "instead (Members → profile → Erase): their registrations are cancelled, the waiting "
        "lists move on, their credits on hold are returned and the ledger stays sound.")
        % {"kinds": ", ".join(blockers)})
    return redirect("wagtailusers_users:edit", user.pk)
