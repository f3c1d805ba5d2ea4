"""The read API, version 1 (/api/v1/). Read-only: GET, HEAD and OPTIONS only.

Public endpoints answer anonymous callers; a personal API token (Authorization: Bearer)
makes the caller that member (profiles then follow what a signed-in member sees) and opens
/me/. Bad query parameters are a 400 naming the parameter; an unknown or hidden object is
the same 404 (a hidden profile and a missing one cannot be told apart).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from events.feeds import events_texts_in_language
from events.filters import PRICE_CHOICES, WHEN_CHOICES, EventFilterSet
from events.models import EventFormat
from network.filters import MemberFilter, SpaceFilter
from network.models import SpaceKind
from network.translations import CONTENT_LANGUAGES, requested_language

from . import selectors, serializers
from .authentication import ApiTokenAuthentication
from .conditional import conditional_response
from .pagination import StableCursorPagination
from .throttling import ApiAnonThrottle, ApiTokenThrottle


def _language(request, default: str | None = None) -> str | None:
    """The language of the events' texts: `?lang=`, else `default`, else None (the
    visitor's: Accept-Language, as on the site's addresses without a prefix)."""
    try:
        return requested_language(request.query_params.get("lang")) or default
    except ValueError:
        raise ValidationError({"lang": [_("Unknown language: use one of %(languages)s.")
                                        % {"languages": ", ".join(CONTENT_LANGUAGES)}]}) from None


def _filter_errors(form) -> ValidationError:
    return ValidationError({name: [str(error) for error in errors]
                            for name, errors in form.errors.items()})


class ApiView(GenericAPIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ApiTokenThrottle, ApiAnonThrottle]
    renderer_classes = [JSONRenderer]
    http_method_names = ["get", "head", "options"]
    pagination_class = StableCursorPagination

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response = response.render()
        return conditional_response(request._request, response,
                                    private=request.auth is not None)

    def paginated(self, queryset, **context) -> Response:
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True, context={
            "request": self.request, **context})
        return self.get_paginated_response(serializer.data)


# --- events ------------------------------------------------------------------------

EVENT_PARAMETERS = [
    OpenApiParameter("q", str, description="Text in the title, summary, space, city or topics."),
    OpenApiParameter("when", str, enum=[key for key, _label in WHEN_CHOICES],
                     description="upcoming (default, soonest first), past (latest first), all."),
    OpenApiParameter("space", str, description="A space's slug."),
    OpenApiParameter("city", str), OpenApiParameter("region", str),
    OpenApiParameter("format", str, enum=list(EventFormat.values)),
    OpenApiParameter("topic", str, description="A topic's slug."),
    OpenApiParameter("language", str, enum=["en", "it"]),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("price", str, enum=[key for key, _label in PRICE_CHOICES]),
    OpenApiParameter("seats", bool, description="Only events with seats left."),
]

LANG_PARAMETER = OpenApiParameter(
    "lang", str, enum=list(CONTENT_LANGUAGES),
    description="The language of titles, summaries, descriptions and addresses when the "
                "event has a translation in it (default: Accept-Language). Not a filter: "
                "`language` filters by the language spoken at the event.")


class EventList(ApiView):
    """Events with the listing's filters (events.filters), as the open format's items."""

    serializer_class = serializers.EventSerializer

    def pagination_ordering(self, request) -> tuple[str, ...]:
        if self.filterset.time_window == "past":
            return ("-starts_at", "-pk")
        return ("starts_at", "pk")

    @extend_schema(operation_id="events_list", summary="List events",
                   parameters=[*EVENT_PARAMETERS, LANG_PARAMETER],
                   responses=serializers.EventSerializer(many=True))
    def get(self, request):
        self.filterset = EventFilterSet(request.query_params, queryset=selectors.api_events())
        if not self.filterset.is_valid():
            raise _filter_errors(self.filterset.form)
        language = _language(request)
        events = self.paginate_queryset(self.filterset.qs)
        texts = events_texts_in_language(events, language, request._request)
        serializer = self.get_serializer(events, many=True, context={
            "request": request, "texts": {event.pk: shown
                                          for event, shown in zip(events, texts, strict=True)}})
        return self.get_paginated_response(serializer.data)


class EventDetail(ApiView):
    serializer_class = serializers.EventSerializer
    pagination_class = None

    @extend_schema(operation_id="event", summary="One event", parameters=[LANG_PARAMETER],
                   description="A translation's id answers its event (the original's `pk` "
                               "and UID), with the translation's texts unless `lang` says "
                               "otherwise.")
    def get(self, request, pk: int):
        event, page_language = selectors.api_event(pk)
        if event is None:
            raise Http404(_("No such event."))
        language = _language(request, page_language)
        [texts] = events_texts_in_language([event], language, request._request)
        return Response(self.get_serializer(event, context={
            "request": request, "texts": {event.pk: texts}}).data)


class SessionList(ApiView):
    """The sessions of an unconference event, once its grid is published."""

    serializer_class = serializers.SessionSerializer

    def pagination_ordering(self, request) -> tuple[str, ...]:
        return ("starts_at", "room__position", "pk")

    @extend_schema(operation_id="event_sessions_list",
                   summary="The sessions of an unconference event",
                   responses=serializers.SessionSerializer(many=True))
    def get(self, request, pk: int):
        event, _language_of_id = selectors.api_event(pk)
        if event is None:
            raise Http404(_("No such event."))
        page = self.paginate_queryset(selectors.api_sessions(event))
        host_ids = {host.pk for session in page for host in session.proposal.hosts.all()}
        visible = selectors.api_visible_profile_slugs(request.user, host_ids)
        data = self.get_serializer(page, many=True, context={
            "request": request, "event": event, "visible_hosts": visible}).data
        return self.get_paginated_response(data)


# --- spaces ------------------------------------------------------------------------

class SpaceList(ApiView):
    """The network's published spaces, with the spaces directory's filters."""

    serializer_class = serializers.SpaceSerializer

    def pagination_ordering(self, request) -> tuple[str, ...]:
        return ("title", "pk")

    @extend_schema(operation_id="spaces_list", summary="List spaces",
                   responses=serializers.SpaceSerializer(many=True), parameters=[
        OpenApiParameter("q", str), OpenApiParameter("city", str),
        OpenApiParameter("region", str), OpenApiParameter("country", str),
        OpenApiParameter("kind", str, enum=list(SpaceKind.values))])
    def get(self, request):
        space_filter = SpaceFilter(request.query_params, queryset=selectors.api_spaces())
        if not space_filter.is_valid():
            raise _filter_errors(space_filter.form)
        return self.paginated(space_filter.qs)


class SpaceDetail(ApiView):
    serializer_class = serializers.SpaceSerializer
    pagination_class = None

    @extend_schema(operation_id="space", summary="One space")
    def get(self, request, slug: str):
        space = selectors.api_spaces().filter(slug=slug).first()
        if space is None:
            raise Http404(_("No such space."))
        return Response(self.get_serializer(space).data)


# --- member profiles -----------------------------------------------------------------

class ProfileList(ApiView):
    """Member profiles the caller may see (network.selectors.profiles_visible_to): public
    ones for anyone, network ones with a token too; hidden ones never (but one's own)."""

    serializer_class = serializers.ProfileSerializer

    def pagination_ordering(self, request) -> tuple[str, ...]:
        return ("display_name", "pk")

    @extend_schema(operation_id="profiles_list", summary="List member profiles",
                   responses=serializers.ProfileSerializer(many=True), parameters=[
        OpenApiParameter("q", str), OpenApiParameter("space", int,
                                                     description="A space's id."),
        OpenApiParameter("skill", str), OpenApiParameter("city", str)])
    def get(self, request):
        member_filter = MemberFilter(request.query_params,
                                     queryset=selectors.api_profiles(request.user))
        if not member_filter.is_valid():
            raise _filter_errors(member_filter.form)
        return self.paginated(member_filter.qs)


class ProfileDetail(ApiView):
    serializer_class = serializers.ProfileSerializer
    pagination_class = None

    @extend_schema(operation_id="profile", summary="One member profile")
    def get(self, request, slug: str):
        profile = selectors.api_profiles(request.user).filter(slug=slug).first()
        if profile is None:
            raise Http404(_("No such profile."))
        return Response(self.get_serializer(profile).data)


# --- the member's own data (a personal token) -----------------------------------------

class MyRegistrations(ApiView):
    """The caller's registrations in every state, newest first."""

    serializer_class = serializers.RegistrationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def pagination_ordering(self, request) -> tuple[str, ...]:
        return ("-created_at", "-pk")

    @extend_schema(operation_id="my_registrations_list", summary="My registrations",
                   responses=serializers.RegistrationSerializer(many=True))
    def get(self, request):
        return self.paginated(selectors.api_registrations_of(request.user))


class MyBalance(ApiView):
    serializer_class = serializers.BalanceSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    @extend_schema(operation_id="my_balance", summary="My credit balance")
    def get(self, request):
        balance, limit = selectors.api_balance_of(request.user)
        return Response({"posted": balance.posted, "on_hold": balance.on_hold,
                         "available": balance.available, "limit": limit})
