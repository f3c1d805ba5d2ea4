"""Template tags through which pages show events (and lower apps show them without importing).

- `{% upcoming_events 6 %}`: the next events of the network (cards).
- `{% space_upcoming_events space 10 %}`: the next events of one space (cards + feed link).
- `{% event_calendar_links event %}`: .ics download, Google / Outlook links, subscribe links.
- `{% space_calendar_links space %}`: subscribe links for one space's calendar.
- `{% event_jsonld event %}`: the schema.org JSON-LD <script> of an event page.
- `{{ event|spoken_language }}`: the language an event is held in, in the reader's language;
  `{{ event|venue_address_shown }}`: its address, the country in the reader's language.
"""

from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info, pgettext_lazy

from events.calendar import event_public_url
from events.calendar_links import google_calendar_url, outlook_calendar_url, webcal_url
from events.feeds import event_to_jsonld, jsonld_script_content
from events.models import EventIndexPage
from events.selectors import event_list_upcoming
from network.countries import country_name
from network.translations import (
    content_language,
    originals,
    page_original,
    page_url_in_language,
    pages_in_language,
)

register = template.Library()

MAX_LIMIT = 50


def _limit(value, default: int) -> int:
    try:
        return max(1, min(int(value), MAX_LIMIT))
    except (TypeError, ValueError):
        return default


def _absolute(request: HttpRequest | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


@register.inclusion_tag("events/includes/event_list.html", takes_context=True)
def upcoming_events(context, limit: int = 6) -> dict:
    """The next events of the whole network (three queries whatever the limit)."""
    events = pages_in_language(list(event_list_upcoming().select_related("locale")
                                    [:_limit(limit, 6)]),
                               request=context.get("request"))
    return {"events": events, "request": context.get("request"), "show_space": True}


@register.inclusion_tag("events/includes/space_event_list.html", takes_context=True)
def space_upcoming_events(context, space, limit: int = 10) -> dict:
    """The next events of one space, with the space's calendar subscription link."""
    request = context.get("request")
    space = page_original(space)  # a translated space's events are the original's
    events = pages_in_language(list(event_list_upcoming(space=space).select_related("locale")
                                    [:_limit(limit, 10)]),
                               request=request)
    feed = _absolute(request, reverse("events:calendar_space", kwargs={"slug": space.slug}))
    return {"events": events, "request": request, "show_space": False, "space": space,
            "feed_url": feed, "webcal_url": webcal_url(feed)}


@register.inclusion_tag("events/includes/calendar_links.html", takes_context=True)
def event_calendar_links(context, event) -> dict:
    request = context.get("request")
    url = event_public_url(event, request)
    ics = reverse("events:calendar_event", kwargs={"pk": event.pk})
    space_feed = ""
    if event.space_id:
        space_feed = _absolute(request, reverse("events:calendar_space",
                                                kwargs={"slug": event.space.slug}))
    return {
        "event": event,
        "ics_url": ics,
        "google_url": google_calendar_url(event, url),
        "outlook_url": outlook_calendar_url(event, url),
        "space_webcal_url": webcal_url(space_feed) if space_feed else "",
        "network_webcal_url": webcal_url(_absolute(request, reverse("events:calendar_network"))),
        "user": getattr(request, "user", None),
    }


@register.inclusion_tag("events/includes/space_calendar_links.html", takes_context=True)
def space_calendar_links(context, space) -> dict:
    request = context.get("request")
    feed = _absolute(request, reverse("events:calendar_space", kwargs={"slug": space.slug}))
    return {"space": space, "feed_url": feed, "webcal_url": webcal_url(feed)}


@register.simple_tag(takes_context=True)
def event_jsonld(context, event) -> str:
    """<script type="application/ld+json"> with the event as schema.org Event."""
    data = event_to_jsonld(event, request=context.get("request"))
    return mark_safe(  # noqa: S308 — JSON with <, > and & escaped by jsonld_script_content
        f'<script type="application/ld+json">{jsonld_script_content(data)}</script>')


@register.filter
def event_map_url(event) -> str:
    """An OpenStreetMap link: the space's coordinates, else a search for the address."""
    space = event.space if event.space_id else None
    if (not event.address_override and space is not None and space.latitude is not None
            and space.longitude is not None):
        lat, lon = space.latitude, space.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    address = event.venue_address
    if not address:
        return ""
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


@register.simple_tag(takes_context=True)
def events_listing_url(context) -> str:
    """The URL of the network's EventIndexPage ("" if the site has none)."""
    index = originals(EventIndexPage.objects.live()).select_related("locale").first()
    return page_url_in_language(index, content_language(), context.get("request")) \
        if index is not None else ""


#: The names of the network's languages as the language an event is held in (the
#: catalogue's plain "English" and "Italiano" are the switcher's endonyms).
SPOKEN_LANGUAGES = {"en": pgettext_lazy("spoken language", "English"),
                    "it": pgettext_lazy("spoken language", "Italian")}


@register.filter
def spoken_language(event) -> str:
    """The language an event is held in, named in the reader's language ("Inglese" on an
    Italian page, "Italian" on an English one); a code Django does not know is shown as
    the event's own label for it."""
    code = (getattr(event, "language", "") or "").lower()
    if code in SPOKEN_LANGUAGES:
        return str(SPOKEN_LANGUAGES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return str(event.get_language_display())


@register.filter
def venue_address_shown(event) -> str:
    """`event.venue_address` for the page: the space's country in the reader's language
    (the stored text stays as it is in calendars and feeds)."""
    if event.address_override or not event.space_id:
        return event.venue_address
    space = event.space
    return ", ".join(part for part in (space.address, space.city, space.region,
                                       country_name(space.country)) if part)
