"""The template context of the event pages: the glue between a request and the selectors.

Selectors return data and never look at a request; this module reads the request (query
string, user, absolute URLs) and shapes what the templates show. Called by
`EventIndexPage.get_context` and by the `{% registration_panel %}` tag of the event page.
"""

import hashlib

from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from network.pagecache.versions import cached_under_version
from network.translations import pages_in_language

from .calendar_links import webcal_url
from .filters import EventFilterSet, event_filter_choices
from .forms import GuestRegistrationForm
from .models import EventPage
from .selectors import (
    event_list_filtered,
    event_seat_counts,
    registration_active_for_user,
    registration_waitlist_rank,
)
from .translations import event_original

LISTING_PAGE_SIZE = 20


def _querystring_without(params: QueryDict, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _listing_query(request: HttpRequest, choices: dict) -> dict:
    """What the listing's query string means, once validated by the filter form: the
    active filters, the time window and the query strings of the tabs and feeds."""
    filterset = EventFilterSet(request.GET, queryset=EventPage.objects.none(), choices=choices)
    active = filterset.active_filters
    feed_query = QueryDict(mutable=True)
    feed_query.update(active)
    tabs = {}
    for when in ("upcoming", "past"):
        query = QueryDict(mutable=True)
        query.update({k: v for k, v in active.items() if k != "when"})
        if when != "upcoming":
            query["when"] = when
        tabs[when] = query.urlencode()
    return {"active": active, "when": filterset.time_window,
            "feed_querystring": feed_query.urlencode(), "tabs": tabs}


def event_listing_context(request: HttpRequest) -> dict:
    """Everything the EventIndexPage template shows: filters, a page of events, feed links.

    The filters' choices, and what the query string means (its valid filters, the tabs'
    and feeds' links), are kept under the content version (they depend on the query string
    and on the choices alone); the filter form itself (`filterset`, `filter_errors`) and
    the page of events (`events`, `page_obj`) are built only when the template shows them:
    not when they come from a cached fragment."""
    language = get_language()
    choices = cached_under_version(request, f"listing-filter-choices:{language}",
                                   event_filter_choices)
    query_string = request.META.get("QUERY_STRING", "")
    digest = hashlib.sha256(query_string.encode()).hexdigest()
    meaning = cached_under_version(request, f"listing-query:{language}:{digest}",
                                   lambda: _listing_query(request, choices))
    now = timezone.now()
    filterset = SimpleLazyObject(lambda: EventFilterSet(
        request.GET, queryset=EventPage.objects.none(), choices=choices, now=now))

    def page_of_events():
        _filterset, queryset = event_list_filtered(request.GET, choices=choices, now=now)
        paginator = Paginator(queryset.select_related("locale"), LISTING_PAGE_SIZE)
        return paginator.get_page(request.GET.get("page"))

    page_obj = SimpleLazyObject(page_of_events)
    active = meaning["active"]
    listing_feed = request.build_absolute_uri(reverse("events:calendar_listing"))
    if meaning["feed_querystring"]:
        listing_feed += "?" + meaning["feed_querystring"]
    return {
        "listing_webcal_url": webcal_url(listing_feed),
        "upcoming_querystring": meaning["tabs"]["upcoming"],
        "past_querystring": meaning["tabs"]["past"],
        "filterset": filterset,
        "filter_errors": SimpleLazyObject(lambda: filterset.form.errors),
        # Each event in the visitor's language (network.translations), read only when shown.
        "events": SimpleLazyObject(lambda: pages_in_language(list(page_obj.object_list),
                                                            request=request)),
        "page_obj": page_obj,
        "when": meaning["when"],
        "active_filters": active,
        "feed_querystring": meaning["feed_querystring"],
        "page_querystring": _querystring_without(request.GET, "page"),
    }


def registration_panel_context(request: HttpRequest | None, event: EventPage) -> dict:
    """What the registration panel of an event page shows: seats, waiting list, the
    visitor's own registration and which button (or notice) to offer."""
    # A translation's page shows the original's seats. Which page is the original, and its
    # seats, are kept under the content version (pages and registrations are watched).
    if cached_under_version(request, f"event-original:{event.pk}",
                            lambda: event_original(event).pk) != event.pk:
        event = event_original(event)
    user = getattr(request, "user", None)
    registration = registration_active_for_user(event, user) if user is not None else None
    original = event
    return {
        "request": request,
        "event": event,
        "counts": cached_under_version(request, f"event-seats:{event.pk}",
                                       lambda: event_seat_counts(original)),
        "registration": registration,
        "waitlist_rank": registration_waitlist_rank(registration) if registration else None,
        "is_authenticated": bool(user and user.is_authenticated),
        "window": event.registration_window(),
        "opens": event.effective_registration_opens_at,
        "guest_form": GuestRegistrationForm() if event.guests_allowed else None,
        # Read only where the panel asks (a member's or a guest's way to register).
        "has_questions": SimpleLazyObject(lambda: cached_under_version(
            request, f"event-has-questions:{original.pk}", original.questions.exists)),
        "next": request.get_full_path() if request is not None else "",
    }
