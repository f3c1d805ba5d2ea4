"""Registrations in the Wagtail admin, for organisers (their spaces only) and coordinators.

The listing (filters, CSV/XLSX export) is Wagtail's generic index view on a queryset
limited to the user's spaces; adding, cancelling, changing the role and checking in all go
through `events.services`. A registration of another space's event is a 404 everywhere.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import FormView
from django_filters import ChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from network.db_retry import db_retry
from network.ids import id_fits
from network.permissions import (
    spaces_organised_by,
    user_is_coordinator,
    user_organises_space,
    users_organising_or_coordinating,
)

from . import services
from .exceptions import EventError
from .models import Registration, RegistrationRole, RegistrationState
from .page_admin import event_start_label
from .questions import answers_text, answers_visible_to, spreadsheet_safe
from .registration_export import (
    EXPORT_HEADINGS,
    EventChoiceField,
    EventChoiceFilter,
    event_label,
    registration_export_row,
)
from .selectors import event_list_managed_by, registration_list_visible_to

User = get_user_model()


class RegistrationPermissionPolicy(BasePermissionPolicy):
    """Organisers act on registrations of their spaces' events, coordinators on all.
    Registrations are never deleted (they are cancelled), so "delete" is never granted."""

    ALLOWED = {"add", "change", "view", "export"}

    def _is_manager(self, user) -> bool:
        return user_is_coordinator(user) or spaces_organised_by(user).exists()

    def user_has_permission(self, user, action) -> bool:
        return action in self.ALLOWED and self._is_manager(user)

    def users_with_any_permission(self, actions):
        if not self.ALLOWED.intersection(actions):
            return User.objects.none()
        return users_organising_or_coordinating()

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        return action in self.ALLOWED and user_organises_space(user, instance.event.space_id)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.ALLOWED.intersection(actions):
            return Registration.objects.none()
        return registration_list_visible_to(user)


registration_permission_policy = RegistrationPermissionPolicy(Registration)
register_permission_policy(Registration, registration_permission_policy)


class RegistrationFilterSet(WagtailFilterSet):
    event = EventChoiceFilter(label=_("Event"),
                           queryset=lambda request: event_list_managed_by(request.user)
                           .order_by("-starts_at"))
    state = ChoiceFilter(label=_("State"), choices=RegistrationState.choices)
    role = ChoiceFilter(label=_("Role"), choices=RegistrationRole.choices)

    class Meta:
        model = Registration
        fields = ["event", "state", "role"]


class RegistrationIndexView(IndexView):
    def get_base_queryset(self):
        return registration_list_visible_to(self.request.user).prefetch_related("answers")

    def to_row_dict(self, item):
        # Readable states and roles, local times, the event's date (issue 10); then the
        # answers this user may read (sensitive ones only for the event's own space, see
        # events.questions), as text that no spreadsheet runs as a formula.
        row = registration_export_row(item)
        row["answers"] = spreadsheet_safe(answers_text(answers_visible_to(self.request.user,
                                                                          item)))
        return row

    results_template_name = "events/registration/admin_index_results.html"

    @cached_property
    def filtered_event(self):
        """The event the list is filtered to (one of the user's), with its counts."""
        event_id = self.request.GET.get("event", "")
        if not id_fits(event_id):
            return None
        return (event_list_managed_by(self.request.user).filter(pk=int(event_id))
                .with_seats_taken().with_waitlist_count().with_door_counts().first())

    def get_context_data(self, **kwargs):
        # Filtered to one event, the list says how full it is (issue 10).
        event = self.filtered_event
        return {**super().get_context_data(**kwargs), "filtered_event": event,
                "filtered_event_start": event_start_label(event) if event else ""}

    @cached_property
    def header_buttons(self):
        # Filtered to one event: its dashboard and door are one click away.
        buttons = list(super().header_buttons)
        event = self.filtered_event
        if event is not None:
            buttons += [
                HeaderButton(_("Event dashboard"), icon_name="list-ul",
                             url=reverse("events:event_dashboard", args=[event.pk])),
                HeaderButton(_("Check-in at the door"), icon_name="tick",
                             url=reverse("events:checkin", args=[event.pk])),
            ]
        return buttons


def _registrations_breadcrumbs(event_id: int | None = None) -> list[dict]:
    index = reverse("event_registrations:index") + (f"?event={event_id}" if event_id else "")
    return [{"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": index, "label": _("Registrations")}]


class RegistrationAddForm(forms.Form):
    event = EventChoiceField(label=_("Event"), queryset=Registration.objects.none())
    member_email = forms.EmailField(label=_("Member's e-mail"), required=False,
                                    help_text=_("For someone with an account."))
    guest_name = forms.CharField(label=_("Guest's name"), max_length=120, required=False)
    guest_email = forms.EmailField(label=_("Guest's e-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=RegistrationRole.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = event_list_managed_by(user).order_by("-starts_at")

    def clean(self):
        data = super().clean()
        email = data.get("member_email")
        if email:
            try:
                data["user"] = User.objects.get(email__iexact=email)
            except (User.DoesNotExist, User.MultipleObjectsReturned):
                self.add_error("member_email", _("No member has this e-mail address."))
        elif not (data.get("guest_name") and data.get("guest_email")):
            raise forms.ValidationError(
                _("Give a member's e-mail, or a guest's name and e-mail."))
        return data


class RegistrationRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=RegistrationRole.choices)


class RegistrationAddView(WagtailAdminTemplateMixin, FormView):
    template_name = "events/registration/admin_add.html"
    page_title = _("Add a registration")
    header_icon = "user"
    form_class = RegistrationAddForm

    def dispatch(self, request, *args, **kwargs):
        if not registration_permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_breadcrumbs_items(self):
        return [*_registrations_breadcrumbs(), {"url": "", "label": self.page_title}]

    @db_retry
    def form_valid(self, form):
        data = form.cleaned_data
        try:
            registration = services.registration_create(
                data["event"], user=data.get("user"),
                guest_name="" if data.get("user") else data["guest_name"],
                guest_email="" if data.get("user") else data["guest_email"],
                role=data["role"], actor=self.request.user)
        except EventError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Registration added: %(name)s (%(state)s).") % {
            "name": registration.person_name, "state": registration.get_state_display()})
        return HttpResponseRedirect(reverse("event_registrations:edit", args=[registration.pk]))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class RegistrationManageView(WagtailAdminTemplateMixin, FormView):
    """One registration: details, change role, cancel, check in (all POST, all services)."""

    template_name = "events/registration/admin_manage.html"
    page_title = _("Registration")
    header_icon = "user"
    form_class = RegistrationRoleForm

    def dispatch(self, request, *args, **kwargs):
        self.registration = get_object_or_404(registration_list_visible_to(request.user),
                                              pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.registration.person_name

    def get_breadcrumbs_items(self):
        # Wagtail's default is "Home" alone, which read as the page's header (issue 10).
        return [*_registrations_breadcrumbs(self.registration.event_id),
                {"url": "", "label": self.registration.person_name}]

    def get_initial(self):
        return {"role": self.registration.role}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "registration": self.registration,
                "answers": answers_visible_to(self.request.user, self.registration),
                "index_url": reverse("event_registrations:index")
                + f"?event={self.registration.event_id}"}

    @db_retry
    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        registration, actor = self.registration, request.user
        try:
            if action == "cancel":
                services.registration_cancel(registration, actor=actor)
                messages.success(request, _("Registration cancelled."))
            elif action == "attended":
                services.registration_mark_attended(registration, actor=actor)
                messages.success(request, _("Checked in."))
            elif action == "role":
                form = self.get_form()
                if not form.is_valid():
                    return self.form_invalid(form)
                services.registration_set_role(registration, form.cleaned_data["role"],
                                               actor=actor)
                messages.success(request, _("Role changed."))
            else:
                messages.error(request, _("Unknown action."))
                return HttpResponseRedirect(request.path)
        except EventError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(request.path)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class RegistrationViewSet(ModelViewSet):
    model = Registration
    icon = "user"
    menu_label = _("Registrations")
    add_to_admin_menu = False
    copy_view_enabled = False
    # Nothing refers to a registration through content; indexing each save costs ~25 ms.
    add_to_reference_index = False
    index_view_class = RegistrationIndexView
    filterset_class = RegistrationFilterSet
    # The name links to the registration's page (check in, cancel, change role).
    list_display = [TitleColumn("person_name", label=_("Name"),
                                url_name="event_registrations:edit"),
                    Column("email", label=_("E-mail")),
                    Column("event", label=_("Event"),
                           accessor=lambda registration: event_label(registration.event)),
                    "state",
                    # A stale "waitlist position 1" on a cancelled entry told nothing (issue
                    # 10): the place shows only while waiting, the reason once cancelled.
                    Column("waiting_list_place", label=_("Waiting list")),
                    Column("get_cancel_reason_display", label=_("Cancel reason")),
                    # The field has no translatable name: it read "Created at" in Italian too.
                    "role", Column("created_at", label=pgettext_lazy("registration list",
                                                                     "Registered on"),
                                   sort_key="created_at")]
    list_export = [*EXPORT_HEADINGS, "answers"]
    export_headings = {**EXPORT_HEADINGS, "answers": _("Answers to the questions")}
    export_filename = "registrations"
    ordering = ["-created_at"]
    form_fields = ["role"]

    def get_urlpatterns(self):
        # Only the listing comes from Wagtail; history/usage/delete views check permissions
        # per model, not per space, so they are not offered at all.
        kept = {"index", "index_results"}
        patterns = [p for p in super().get_urlpatterns() if p.name in kept]
        return [
            *patterns,
            path("new/", RegistrationAddView.as_view(), name="add"),
            path("edit/<id:pk>/", RegistrationManageView.as_view(), name="edit"),
        ]
