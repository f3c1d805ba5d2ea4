"""Calendar and JSON feeds, and the page where members manage their personal feed.

Feeds answer conditional GETs: the ETag comes from one aggregate query
(`events.selectors.feed_version`), so a calendar app polling every hour costs one
query and gets a 304 when nothing changed. There is no Last-Modified (see FeedVersion).
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from network.models import SpacePage
from network.pagecache.marks import public_page_cache
from network.public_urls import public_url
from network.translations import CONTENT_LANGUAGES, originals, requested_language

from ..calendar import CACHE_REVISION as ICAL_CACHE_REVISION
from ..calendar import event_to_ical, events_to_ical
from ..calendar_links import webcal_url
from ..calendar_tokens import (
    calendar_token_active,
    calendar_token_create,
    calendar_token_revoke,
    calendar_token_user,
)
from ..feeds import FEED_PAGE_SIZE, FORMAT_VERSION, events_to_json_feed
from ..models import EventPage
from ..selectors import (
    FeedVersion,
    attach_topic_names,
    event_list_filtered,
    event_list_for_feed,
    event_list_for_user,
    events_for_feed_rows,
    events_for_listing,
    feed_queryset,
    feed_version,
    registration_changes_for_user,
    registration_states_for_user,
    translations_version,
)
from ..translations import event_original

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
PUBLIC_MAX_AGE = 15 * 60
FEED_CACHE_SECONDS = 24 * 3600


def _conditional(request: HttpRequest, version: FeedVersion, build: Callable[[], HttpResponse],
                 *, private: bool = False) -> HttpResponse:
    """304 when the client's ETag still matches, else the built response."""
    etag = quote_etag(version.etag)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = build()
    response.headers["ETag"] = etag
    if private:
        patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _ics_response(body: bytes, filename: str, *, attachment: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _feed_extra(request: HttpRequest, kind: str) -> tuple:
    # What else shapes the bytes: the feed, its parameters, the language, the day
    # (the window of a feed moves with the date), the layout's revision, the public address.
    return (kind, request.GET.urlencode(), get_language(), timezone.localdate().isoformat(),
            ICAL_CACHE_REVISION, FORMAT_VERSION, settings.SITE_URL)


def _calendar_feed(request: HttpRequest, queryset: QuerySet[EventPage], *, name: str,
                   kind: str, filename: str, description: str = "",
                   time_zone: str | None = None) -> HttpResponse:
    version = feed_version(queryset, *_feed_extra(request, kind))
    url = public_url(request.get_full_path())

    def build() -> HttpResponse:
        # The whole public feed is cached under its version: calendar apps that do not send
        # If-None-Match still get the bytes without rebuilding them.
        key = f"espresso:ics-feed:{version.etag}:{hashlib.sha256(url.encode()).hexdigest()}"
        body = cache.get(key)
        if body is None:
            body = events_to_ical(events_for_feed_rows(queryset), name, request=request,
                                  description=description, url=url, time_zone=time_zone)
            cache.set(key, body, FEED_CACHE_SECONDS)
        return _ics_response(body, filename)

    return _conditional(request, version, build)


def _bad_filters(filterset) -> HttpResponse:
    lines = [f"{name}: {' '.join(str(e) for e in errors)}"
             for name, errors in filterset.form.errors.items()]
    return HttpResponseBadRequest("\n".join([_("Invalid filter parameters."), *lines]),
                                  content_type="text/plain; charset=utf-8")


@require_GET
@public_page_cache
def calendar_network(request: HttpRequest) -> HttpResponse:
    """The whole network: every event of the last year and all to come."""
    return _calendar_feed(request, event_list_for_feed(), name=_("Espresso network events"),
                          kind="network", filename="espresso-network.ics")


@require_GET
@public_page_cache
def calendar_space(request: HttpRequest, slug: str) -> HttpResponse:
    """One space's events (the last year and all to come)."""
    # The original: a translated space shares its slug (network.translations).
    space = get_object_or_404(originals(SpacePage.objects.live()), slug=slug)
    return _calendar_feed(request, event_list_for_feed(space=space),
                          name=_("%(space)s — events") % {"space": space.title},
                          kind=f"space:{space.pk}", filename=f"{space.slug}.ics",
                          description=space.tagline, time_zone=space.time_zone)


@require_GET
@public_page_cache
def calendar_listing(request: HttpRequest) -> HttpResponse:
    """The listing page's filters as a calendar (same query parameters)."""
    filterset, queryset = event_list_filtered(request.GET)
    if not filterset.is_valid():
        return _bad_filters(filterset)
    return _calendar_feed(request, queryset, name=_("Espresso events (filtered)"),
                          kind="listing", filename="espresso-events.ics")


@require_GET
@public_page_cache
def calendar_event(request: HttpRequest, pk: int) -> HttpResponse:
    """One event as a downloadable .ics file (a translation's id gives the original's)."""
    page = EventPage.objects.filter(pk=pk).only("pk", "translation_key").first()
    queryset = events_for_listing().filter(pk=event_original(page).pk if page else pk)
    event = queryset.first()
    if event is None:
        raise Http404(_("No such event."))
    version = feed_version(queryset, *_feed_extra(request, "event"))
    return _conditional(request, version, lambda: _ics_response(
        event_to_ical(event, request=request), f"{event.slug}.ics", attachment=True))


@require_GET
def calendar_personal(request: HttpRequest, token: str) -> HttpResponse:
    """A member's own registrations, behind the secret token (404 once revoked)."""
    user = calendar_token_user(token)
    if user is None:
        raise Http404(_("Unknown or revoked calendar address."))
    queryset = event_list_for_user(user)
    version = feed_version(queryset, *_feed_extra(request, f"personal:{user.pk}"),
                           *registration_changes_for_user(user))

    def build() -> HttpResponse:
        events = events_for_feed_rows(queryset)
        body = events_to_ical(events, _("My Espresso events"), request=request,
                              url=public_url(request.get_full_path()),
                              registration_states=registration_states_for_user(user, events))
        return _ics_response(body, "my-espresso-events.ics")

    return _conditional(request, version, build, private=True)


@require_GET
@public_page_cache
def feed_json(request: HttpRequest) -> HttpResponse:
    """The JSON feed (docs/format/README.md): the listing's filters, 200 events a page."""
    filterset, queryset = event_list_filtered(request.GET)
    if not filterset.is_valid():
        return JsonResponse({"error": _("Invalid filter parameters."),
                             "fields": {name: [str(e) for e in errors]
                                        for name, errors in filterset.form.errors.items()}},
                            status=400)
    try:
        language = requested_language(request.GET.get("lang"))
    except ValueError:
        return JsonResponse({"error": _("Invalid filter parameters."), "fields": {
            "lang": [_("Unknown language: use one of %(languages)s.")
                     % {"languages": ", ".join(CONTENT_LANGUAGES)}]}}, status=400)
    page_number = request.GET.get("page", "1")
    # ASCII digits only (str.isdigit() also accepts "²", which int() refuses), and few of
    # them (int() refuses more than 4,300).
    if not (page_number.isascii() and page_number.isdigit() and len(page_number) <= 7) or \
            not 1 <= int(page_number) <= 1_000_000:
        return JsonResponse({"error": _("“page” must be a positive whole number.")}, status=400)
    version = feed_version(queryset, *_feed_extra(request, "json"),
                           *translations_version(queryset), seats=True)
    pages = max(1, -(-version.count // FEED_PAGE_SIZE))
    if int(page_number) > pages:
        return JsonResponse({"error": _("There is no page %(page)s: the last page is %(last)s.")
                             % {"page": int(page_number), "last": pages}}, status=404)

    def build() -> HttpResponse:
        paginator = Paginator(feed_queryset(queryset), FEED_PAGE_SIZE)
        page = paginator.page(int(page_number))
        next_url = None
        if page.has_next():
            query = request.GET.copy()
            query["page"] = str(page.next_page_number())
            next_url = public_url(f"{request.path}?{query.urlencode()}")
        events = attach_topic_names(list(page.object_list))
        data = events_to_json_feed(events, title=_("Espresso events"),
                                   feed_url=public_url(request.get_full_path()),
                                   home_page_url=public_url("/"),
                                   next_url=next_url, request=request,
                                   language=language)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False},
                            content_type="application/feed+json; charset=utf-8")

    return _conditional(request, version, build)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_subscription(request: HttpRequest) -> HttpResponse:
    """Create, replace or revoke the secret address of one's personal calendar."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            calendar_token_create(request.user)
            messages.success(request, _("Your personal calendar address is ready. Any older "
                                        "address no longer works."))
        elif action == "revoke":
            calendar_token_revoke(request.user)
            messages.success(request, _("Your personal calendar address no longer works."))
        else:
            messages.error(request, _("Unknown action."))
        return redirect("events:calendar_subscription")
    token = calendar_token_active(request.user)
    feed_url = webcal = ""
    if token is not None:
        feed_url = request.build_absolute_uri(
            reverse("events:calendar_personal", kwargs={"token": token.token}))
        webcal = webcal_url(feed_url)
    return render(request, "events/calendar_subscription.html",
                  {"token": token, "feed_url": feed_url, "webcal_url": webcal,
                   "network_feed_url": request.build_absolute_uri(
                       reverse("events:calendar_network"))})
