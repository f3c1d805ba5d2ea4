"""The "add to my calendar" links of an event: Google Calendar, Outlook, and webcal:// for
subscribing to a feed."""

import datetime as dt
from urllib.parse import urlencode

from .calendar import single_line
from .models import EventPage


def _utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(event: EventPage, url: str = "") -> str:
    """Google Calendar's "create event" template link."""
    details = event.summary + (f"\n\n{url}" if url else "")
    query = {
        "action": "TEMPLATE",
        "text": single_line(event.title),
        "dates": f"{_utc_stamp(event.starts_at)}/{_utc_stamp(event.ends_at)}",
        "details": details,
        "location": single_line(event.location_text),
        "ctz": event.time_zone_name,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event: EventPage, url: str = "") -> str:
    """Outlook on the web's "compose event" deep link."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": single_line(event.title),
        "startdt": event.starts_at.astimezone(dt.UTC).isoformat(),
        "enddt": event.ends_at.astimezone(dt.UTC).isoformat(),
        "body": event.summary + (f"\n\n{url}" if url else ""),
        "location": single_line(event.location_text),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def webcal_url(absolute_url: str) -> str:
    """The webcal:// form of an http(s) feed address (calendar apps subscribe to it)."""
    for scheme in ("https://", "http://"):
        if absolute_url.startswith(scheme):
            return "webcal://" + absolute_url[len(scheme):]
    return absolute_url
