"""The network's admin: member profiles (coordinators) and memberships (coordinators see all;
organisers see and manage only the memberships of the spaces they organise).

Writes go through `network.services` so an organiser's group always follows their
memberships, whichever door (admin, demo, code) the change came through.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminPageChooser
from wagtail.images.widgets import AdminImageChooser
from wagtail.log_actions import log

from .ids import IdChoiceField, id_fits
from .models import MemberProfile, Membership, SpacePage
from .permissions import spaces_organised_by, user_is_coordinator, user_organises_space
from .services import membership_remove, membership_set, profile_slug_unique
from .translations import choices_in_language


def memberships_managed_by(user) -> QuerySet[Membership]:
    """Every membership for a coordinator; those of the user's own spaces for an organiser."""
    memberships = Membership.objects.select_related("user", "space")
    if user_is_coordinator(user):
        return memberships
    return memberships.filter(space__in=spaces_organised_by(user).values("pk"))


# --- memberships ---------------------------------------------------------------------------

class MembershipCreateForm(WagtailAdminModelForm):
    """Add a member to a space by e-mail address (no list of every user is shown)."""

    email = forms.EmailField(label=_("Member's e-mail"), max_length=254,
                             help_text=_("The address the member signed up with."))

    class Meta:
        model = Membership
        fields = ["space", "role"]
        # An id beyond 64 bits is a form error, not a 500 (network.ids).
        field_classes = {"space": IdChoiceField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["email", "space", "role"])
        self.fields["space"].queryset = spaces_organised_by(self.for_user)
        choices_in_language(self.fields["space"])  # named in the reader's language

    def clean(self) -> dict:
        cleaned = super().clean()
        email, space = cleaned.get("email"), cleaned.get("space")
        if not email:
            return cleaned
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            self.add_error("email", _("Nobody has signed up with this e-mail address."))
            return cleaned
        if space is not None and Membership.objects.filter(user=user, space=space).exists():
            self.add_error("email", _("This person is already a member of this space; "
                                      "edit that membership instead."))
        self.instance.user = user
        return cleaned


class MembershipEditForm(WagtailAdminModelForm):
    """Only the role changes; member and space stay as they are."""

    class Meta:
        model = Membership
        fields = ["role"]


class ScopedObjectMixin:
    """Single-object views: a membership outside the user's spaces does not exist for them."""

    def get_queryset(self):
        return memberships_managed_by(self.request.user)

    def get_base_object_queryset(self):
        return memberships_managed_by(self.request.user)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not memberships_managed_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


class MembershipIndexView(generic.IndexView):
    def get_base_queryset(self):
        return memberships_managed_by(self.request.user)


class MembershipCreateView(generic.CreateView):
    def save_instance(self):
        form = self.form
        space = form.cleaned_data["space"]
        if not user_organises_space(self.request.user, space):
            raise PermissionDenied
        membership = membership_set(form.instance.user, space, form.cleaned_data["role"])
        log(instance=membership, action="wagtail.create", user=self.request.user)
        return membership


class MembershipEditView(ScopedObjectMixin, generic.EditView):
    def save_instance(self):
        membership = membership_set(self.object.user, self.object.space,
                                    self.form.cleaned_data["role"])
        log(instance=membership, action="wagtail.edit", user=self.request.user)
        return membership


class MembershipDeleteView(ScopedObjectMixin, generic.DeleteView):
    def delete_action(self):
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        membership_remove(self.object.user, self.object.space)


class MembershipHistoryView(ScopedObjectMixin, generic.HistoryView):
    pass


class MembershipUsageView(generic.UsageView):
    # Not ScopedObjectMixin: its get_queryset would replace the view's list of references
    # with memberships (an HTTP 500, issue 10). The object alone is scoped.
    def get_object(self):
        obj = super().get_object()
        if not memberships_managed_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


class MembershipViewSet(ModelViewSet):
    pk_path_converter = "id"  # network.ids: ids beyond 64 bits are a 404
    model = Membership
    icon = "group"
    menu_label = _("Memberships")
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = MembershipIndexView
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView
    history_view_class = MembershipHistoryView
    usage_view_class = MembershipUsageView
    list_display = ["user", "space", "role", "since"]
    list_filter = ["role"]
    search_fields = ["user__email", "space__title"]

    def get_form_class(self, for_update: bool = False):
        return MembershipEditForm if for_update else MembershipCreateForm


# --- member profiles -----------------------------------------------------------------------

class IdCheckedChooserMixin:
    """A chooser shown again with a submitted value that names no row (text, an id beyond
    64 bits) shows nothing chosen; Wagtail's looked the value up and failed (an HTTP 500)."""

    def get_instance(self, value):
        if isinstance(value, str | int) and not id_fits(str(value).strip()):
            return None
        return super().get_instance(value)


class SpaceChooser(IdCheckedChooserMixin, AdminPageChooser):
    pass


class AvatarChooser(IdCheckedChooserMixin, AdminImageChooser):
    pass


class MemberProfileAdminForm(WagtailAdminModelForm):
    """Ids that cannot name a row (text, beyond 64 bits) are a form error, not a 500."""

    class Meta:
        field_classes = {"user": IdChoiceField, "home_space": IdChoiceField,
                         "avatar": IdChoiceField}


PROFILE_PANELS = [
    FieldRowPanel([FieldPanel("display_name"), FieldPanel("pronouns")]),
    FieldPanel("headline"),
    FieldPanel("bio"),
    FieldPanel("skills"),
    FieldRowPanel([FieldPanel("city"),
                   FieldPanel("home_space", widget=SpaceChooser(target_models=[SpacePage]))]),
    MultiFieldPanel([FieldPanel("website"), FieldPanel("links")], heading=_("Links")),
    FieldPanel("avatar", widget=AvatarChooser),
    FieldRowPanel([FieldPanel("visibility"), FieldPanel("show_email")]),
]


#: Wagtail hook through which a higher floor adds buttons to a member profile in the admin
#: (the site's "Erase member…"): `fn(profile, user) -> list[Button]`. The network cannot
#: import the site, so the site registers into this instead.
MEMBER_PROFILE_BUTTONS_HOOK = "register_member_profile_buttons"


def member_profile_extra_buttons(profile: MemberProfile, user) -> list:
    """The buttons every function registered under MEMBER_PROFILE_BUTTONS_HOOK offers."""
    return [button for fn in hooks.get_hooks(MEMBER_PROFILE_BUTTONS_HOOK)
            for button in fn(profile, user)]


class MemberProfileIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        return [*super().get_list_more_buttons(instance),
                *member_profile_extra_buttons(instance, self.request.user)]


class MemberProfileEditView(generic.EditView):
    @cached_property
    def header_more_buttons(self):
        return [*super().header_more_buttons,
                *member_profile_extra_buttons(self.object, self.request.user)]


class MemberProfileCreateView(generic.CreateView):
    def save_instance(self):
        # The slug is made once from the name and never changes, so profile URLs stay stable.
        self.form.instance.slug = profile_slug_unique(self.form.instance.display_name)
        return super().save_instance()


class MemberProfileViewSet(ModelViewSet):
    """Coordinators edit anyone's profile here (organisers hold no profile permissions)."""
    pk_path_converter = "id"  # network.ids: ids beyond 64 bits are a 404

    model = MemberProfile
    icon = "user"
    menu_label = _("Member profiles")
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = MemberProfileIndexView
    add_view_class = MemberProfileCreateView
    edit_view_class = MemberProfileEditView
    list_display = ["display_name", "city", Column("visibility", label=_("Visibility"),
                                                    accessor="get_visibility_display"),
                    "updated_at"]
    list_filter = ["visibility", "show_email"]
    # Searched with the database (icontains), not Wagtail's search index: the index holds
    # neither the e-mail nor the related user, and a search naming them was an HTTP 500.
    search_fields = ["display_name", "headline", "city", "user__email"]
    search_backend_name = None
    edit_handler = ObjectList(PROFILE_PANELS, base_form_class=MemberProfileAdminForm)

    def get_add_view_kwargs(self, **kwargs):
        # Creating also picks the user; editing never moves a profile to another user.
        create_panel = ObjectList([FieldPanel("user"), *PROFILE_PANELS],
                                  base_form_class=MemberProfileAdminForm).bind_to_model(
            MemberProfile)
        return super().get_add_view_kwargs(
            panel=create_panel, form_class=create_panel.get_form_class(), **kwargs)


class NetworkViewSetGroup(ViewSetGroup):
    menu_label = _("Network")
    menu_icon = "site"
    menu_order = 250
    items = (MemberProfileViewSet("member_profiles"), MembershipViewSet("memberships"))


@hooks.register("register_admin_viewset")
def register_network_viewsets():
    return NetworkViewSetGroup()


__all__ = [
    "MemberProfileViewSet",
    "MembershipViewSet",
    "NetworkViewSetGroup",
    "memberships_managed_by",
]
