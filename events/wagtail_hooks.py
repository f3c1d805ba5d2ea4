"""The events app in the Wagtail admin: the registrations admin (`events.registrations_admin`)
in its menu group, the event dashboard buttons, "New recurring event" on a space, and events
leaving the site (delete, unpublish) through `events.services`.
"""

from django.conf import settings
from django.contrib import messages
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.models import Page

from network.models import SpacePage
from network.permissions import (
    user_organises_space,
)

from . import services
from .models import ACTIVE_STATES, EventPage, Registration
from .page_admin import EventPageViewSet
from .registrations_admin import RegistrationViewSet
from .series_admin import SeriesCreateView, SeriesRuleEditView


class EventsAdminGroup(ViewSetGroup):
    menu_label = _("Events")
    menu_icon = "date"
    menu_order = 250
    items = [RegistrationViewSet("event_registrations", url_prefix="events/registrations")]


@hooks.register("register_admin_viewset")
def register_events_admin():
    return EventsAdminGroup()


@hooks.register("register_admin_viewset")
def register_event_page_viewset():
    """A space's events in the page explorer show their dates and counts (events.page_admin)."""
    return EventPageViewSet("event_pages")


# --- The event day: the organiser dashboard from the page tree ----------------------------

def _event_dashboard_button(page, user, priority: int):
    # specific_class, not .specific: no query per row of a listing for other pages.
    if page.specific_class is None or not issubclass(page.specific_class, EventPage):
        return None
    event_space_id = EventPage.objects.filter(pk=page.pk).values_list("space_id",
                                                                     flat=True).first()
    if not user_organises_space(user, event_space_id):
        return None
    return Button(_("Event dashboard"), url=reverse("events:event_dashboard", args=[page.pk]),
                  icon_name="list-ul", priority=priority)


@hooks.register("register_page_listing_more_buttons")
def event_dashboard_listing_button(page, user, next_url=None):
    button = _event_dashboard_button(page, user, priority=5)
    if button is not None:
        yield button


@hooks.register("register_page_header_buttons")
def event_dashboard_header_button(page, user, view_name, next_url=None):
    button = _event_dashboard_button(page, user, priority=12)
    if button is not None:
        yield button


# --- recurring events: "New recurring event" on a space (events.series_admin) ------------

@hooks.register("register_admin_urls")
def register_series_urls():
    return [path("events/series/new/<id:space_id>/", SeriesCreateView.as_view(),
                 name="events_series_create"),
            path("events/series/<id:series_id>/rule/", SeriesRuleEditView.as_view(),
                 name="events_series_rule")]


@hooks.register("register_page_header_buttons")
def series_header_button(page, user, view_name, next_url=None):
    if page.specific_class is SpacePage and user_organises_space(user, page.pk):
        yield Button(_("New recurring event"), icon_name="date", priority=15,
                     url=reverse("events_series_create", args=[page.pk]))
    elif page.specific_class is EventPage:
        row = (EventPage.objects.filter(pk=page.pk)
               .values_list("series_id", "space_id", "origin").first())
        series_id, space_id, origin = row if row is not None else (None, None, None)
        if series_id is not None and not origin and user_organises_space(user, space_id):
            yield Button(_("Change how the series repeats"), icon_name="date", priority=15,
                         url=reverse("events_series_rule", args=[series_id]))


# --- an event leaving the site goes through the services --------------------------------

def _events_in(pages) -> list[EventPage]:
    """The events among `pages` and their descendants (deleting a space deletes its events)."""
    events: dict[int, EventPage] = {}
    for page in pages:
        subtree = page.get_descendants(inclusive=True).type(EventPage).specific()
        events.update({event.pk: event for event in subtree})
    return list(events.values())


def _withdraw(request, pages, *, deleting: bool) -> None:
    told = sum(services.event_withdraw(event, actor=request.user,
                                       delete_registrations=deleting)
               for event in _events_in(pages))
    if told:
        messages.info(request, ngettext(
            "%(count)s registered person was told the event is cancelled; any credits on "
            "hold were returned.",
            "%(count)s registered people were told the event is cancelled; any credits on "
            "hold were returned.", told) % {"count": told})


def _delete_confirmed(request) -> bool:
    """Wagtail's delete view goes ahead on POST unless a typed site name is wrong."""
    typed = request.POST.get("confirm_site_name")
    return request.method == "POST" and (
        not typed or typed == getattr(settings, "WAGTAIL_SITE_NAME", "wagtail"))


@hooks.register("before_delete_page")
def withdraw_events_before_delete(request, page):
    """In the delete view's transaction: cancel, refund and tell before the rows go."""
    if _delete_confirmed(request):
        _withdraw(request, [page], deleting=True)


@hooks.register("before_bulk_action")
def withdraw_events_before_bulk_delete(request, action_type, objects, action_class_instance):
    if action_type == "delete":
        _withdraw(request, objects, deleting=True)


@hooks.register("before_unpublish_page")
def announce_events_withdrawn_on_unpublish(request, page):
    """The withdrawal itself runs on Wagtail's `page_unpublished` signal (every path,
    scheduled expiry included); here the organiser is told how many people it reached."""
    scope = (page.get_descendants(inclusive=True) if request.POST.get("include_descendants")
             else Page.objects.filter(pk=page.pk))
    event_ids = scope.live().type(EventPage).values_list("pk", flat=True)
    count = Registration.objects.filter(event_id__in=event_ids, state__in=ACTIVE_STATES).count()
    if count:
        messages.info(request, ngettext(
            "%(count)s registered person will be told the event is cancelled; any credits on "
            "hold are returned.",
            "%(count)s registered people will be told the event is cancelled; any credits on "
            "hold are returned.", count) % {"count": count})
