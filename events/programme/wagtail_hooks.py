"""The programme in the Wagtail admin: an "Unconferences" menu item for organisers and
coordinators, and the programme and grid views (events.programme.admin_views)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class UnconferencesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return admin_views.user_may_manage_programmes(request.user)


_urls = ([
    path("", admin_views.ProgrammeIndexView.as_view(), name="index"),
    path("<id:event_id>/", admin_views.ProgrammeSettingsView.as_view(), name="programme"),
    path("<id:event_id>/grid/", admin_views.ProgrammeGridView.as_view(), name="grid"),
], "programme_admin")


@hooks.register("register_admin_urls")
def register_programme_admin_urls():
    return [path("unconferences/", include(_urls))]


@hooks.register("register_admin_menu_item")
def register_programme_menu_item():
    return UnconferencesMenuItem(_("Unconferences"), reverse("programme_admin:index"),
                                 icon_name="table", order=260)
