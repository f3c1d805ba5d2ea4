"""The programme in the open format: each placed session as a VEVENT (in the event's .ics and
in a member's personal sessions feed) and as an entry of the JSON feed item's `sessions`.

Registered into `events.extensions` by ProgrammeConfig.ready(): events' calendar and feed
code calls `ProgrammeExtension` without importing this app.

Identity: a session's UID (`Session.ical_uid`) never changes; SEQUENCE is the session's own
counter, bumped by every move (`services.grid`); RELATED-TO is the event's UID (RELTYPE
PARENT, the default). Sessions are published once the grid is (phase scheduled or later);
a cancelled event's sessions are CANCELLED too.

Hosts are named as `privacy.hosts_visible_to` says: the event's .ics and the JSON feed are
public, so they name hosts whose profile is public; a member's sessions feed names those
that member may see. The feeds' ETag follows the hosts' profiles (`version_aggregates`), so
a host who hides their profile disappears from a calendar app's next fetch.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import normalize_newlines
from icalendar import Calendar, Event, vText

from events.models import EventPage, EventStatus
from events.vtimezone import coverage_first_year, vtimezone_ical
from network.models import MemberProfile
from network.public_urls import public_url

from .models import Phase, Session
from .privacy import hosts_visible_to
from .selectors import person_name

PRODID = "-//Espresso//Espresso programme//EN"
PUBLIC_PHASES = (Phase.SCHEDULED, Phase.RUNNING, Phase.ARCHIVED)


def _line(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())


def _text(text: str) -> str:
    text = normalize_newlines(text or "")
    return "".join(ch for ch in text if ch == "\n" or ch.isprintable()).strip()


def published_sessions(events) -> QuerySet[Session]:
    """Placed sessions of published grids of `events` (ids or a queryset), with what a
    VEVENT or a feed entry needs, in one query plus one for hosts."""
    return (Session.objects.filter(programme__event__in=events,
                                   programme__phase__in=PUBLIC_PHASES)
            .select_related("room", "proposal", "programme")
            .prefetch_related(Prefetch("proposal__hosts", queryset=get_user_model().objects
                                       .select_related("profile").order_by("pk")))
            .annotate(dot_count=Count("proposal__votes"))
            .order_by("starts_at", "room__position", "pk"))


def session_url(session: Session, event_id: int) -> str:
    return public_url(reverse("programme:session", args=[event_id, session.pk]))


def session_host_names(session: Session, visible_hosts: set[int]) -> list[str]:
    """The display names of the session's hosts in `visible_hosts` (ids), in host order."""
    return [person_name(h) for h in session.proposal.hosts.all() if h.pk in visible_hosts]


def sessions_hosts_visible_to(viewer, sessions) -> set[int]:
    """`privacy.hosts_visible_to` for every host of `sessions`, in one query."""
    return hosts_visible_to(viewer, [h for s in sessions for h in s.proposal.hosts.all()])


def session_vevent(session: Session, event: EventPage, *, visible_hosts: set[int]) -> Event:
    """One session as a VEVENT, RELATED-TO its event; DESCRIPTION names the hosts in
    `visible_hosts` (user ids) only."""
    tz = event.tz
    hosts = ", ".join(session_host_names(session, visible_hosts))
    description = "\n\n".join(part for part in (
        _text(session.proposal.description), f"{_line(hosts)}" if hosts else "",
        _line(event.title)) if part)
    location = ", ".join(part for part in (session.room.name, event.location_text) if part)
    vevent = Event.new(
        uid=session.ical_uid, stamp=session.updated_at, last_modified=session.updated_at,
        sequence=session.sequence, summary=_text(session.proposal.title),
        description=description or None,
        start=timezone.localtime(session.starts_at, tz),
        end=timezone.localtime(session.ends_at, tz),
        location=_line(location) or None, url=session_url(session, event.pk),
        status="CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED",
    )
    vevent.add("related-to", event.ical_uid)
    vevent.add("categories", [_line(session.proposal.get_kind_display())])
    return vevent


def session_feed_entry(session: Session, event: EventPage, *, visible_hosts: set[int]) -> dict:
    """A session in the JSON feed (docs/format/README.md, `sessions`); `hosts` names those
    in `visible_hosts` (user ids) only."""
    tz = event.tz
    return {
        "id": session.ical_uid,
        "title": session.proposal.title,
        "kind": session.proposal.kind,
        "starts_at": timezone.localtime(session.starts_at, tz).isoformat(),
        "ends_at": timezone.localtime(session.ends_at, tz).isoformat(),
        "room": session.room.name,
        "hosts": session_host_names(session, visible_hosts),
        "votes": session.dot_count,
        "sequence": session.sequence,
        "url": session_url(session, event.pk),
    }


class ProgrammeExtension:
    """What the programme adds to events' .ics and JSON feed (see events.extensions)."""

    def event_ical_components(self, event: EventPage, url: str) -> list[bytes]:
        sessions = list(published_sessions([event.pk]))
        visible = sessions_hosts_visible_to(None, sessions)  # a public file
        return [session_vevent(s, event, visible_hosts=visible).to_ical() for s in sessions]

    def feed_items_extra(self, events: list) -> dict[int, dict]:
        by_event: dict[int, list] = {event.pk: [] for event in events}
        pages = {event.pk: event for event in events}
        sessions = list(published_sessions(list(by_event)))
        visible = sessions_hosts_visible_to(None, sessions)  # a public feed
        for session in sessions:
            event_id = session.programme.event_id
            by_event[event_id].append(session_feed_entry(session, pages[event_id],
                                                         visible_hosts=visible))
        return {event_id: {"sessions": sessions} for event_id, sessions in by_event.items()}

    def version_aggregates(self) -> dict:
        # Every change of a grid touches its programme row (services.common), and a
        # programme is one-to-one with its event: one more column in the feeds' ETag query.
        # The hosts' profiles decide which names are shown (and how): their number and
        # latest change, as subqueries per event (a join would multiply the event rows).
        hosts = MemberProfile.objects.filter(
            user__programme_hosting__programme__event=OuterRef("pk")).order_by()
        return {
            "programme_changed": Max("programme__updated_at"),
            "programme_hosts_changed": Max(Subquery(
                hosts.order_by("-updated_at").values("updated_at")[:1])),
            "programme_hosts": Sum(Coalesce(Subquery(
                hosts.values("user__programme_hosting__programme__event")
                .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)),
        }


def sessions_of_member(user) -> QuerySet[Session]:
    """Published sessions the member hosts or put a dot on, in any event."""
    return published_sessions(EventPage.objects.live().values("pk")).filter(
        Q(proposal__hosts=user) | Q(proposal__votes__ballot__user=user)).distinct()


def member_sessions_ical(user, *, name: str) -> bytes:
    """A subscribable calendar of the member's sessions (VTIMEZONEs included)."""
    sessions = list(sessions_of_member(user).select_related("programme__event__space"))
    # A stable calendar UID (icalendar draws a random one otherwise): the same member's
    # feed is the same calendar at every fetch.
    calendar = Calendar.new(prodid=PRODID, uid=str(uuid.uuid5(
        uuid.NAMESPACE_URL, f"espresso-calendar:sessions-of-member:{user.pk}")))
    calendar.add("name", vText(_line(name)))
    calendar.add("x-wr-calname", vText(_line(name)))
    starts: dict[str, list[dt.datetime]] = {}
    chunks = []
    visible = sessions_hosts_visible_to(user, sessions)  # read by the member themself
    for session in sessions:
        event = session.programme.event
        starts.setdefault(event.time_zone_name, []).append(
            timezone.localtime(session.starts_at, event.tz))
        chunks.append(session_vevent(session, event, visible_hosts=visible).to_ical())
    zones = [vtimezone_ical(key, coverage_first_year(local)) for key, local in
             sorted(starts.items()) if key != "UTC"]
    end = b"END:VCALENDAR\r\n"
    return b"".join([calendar.to_ical().removesuffix(end), *zones, *chunks, end])
