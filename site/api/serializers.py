"""What the API returns, declared field by field for the OpenAPI schema.

Events are the open event format's feed items (`events.feeds.event_to_feed_item`, the one
place that turns an event into JSON, documented in docs/format/) plus their API id and
space: `EventSerializer.to_representation` calls that function, and the declared fields
describe its keys. tests/api/test_schema.py checks every response against the served schema,
so a key added to the format without being declared here fails a test (add it here too).
"""

from __future__ import annotations

from rest_framework import serializers

from events.feeds import event_to_feed_item
from events.programme.calendar import session_feed_entry
from network.public_urls import page_public_url
from network.selectors import profile_email_visible

# --- events ------------------------------------------------------------------------


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField()
    room = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class OrganizerSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(allow_null=True)
    email = serializers.EmailField(allow_null=True)


class PriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=0, help_text="Credits.")
    currency = serializers.CharField(help_text="XCR: the Espresso credit (not a currency).")


class RegistrationWindowSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField()
    guests_allowed = serializers.BooleanField()


class RewardsSerializer(serializers.Serializer):
    host = serializers.IntegerField(min_value=0)
    speaker = serializers.IntegerField(min_value=0)
    volunteer = serializers.IntegerField(min_value=0)


class SeriesSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The series' iCalendar UID.")
    rrule = serializers.CharField(help_text="Its RFC 5545 RRULE.")
    recurrence_id = serializers.DateTimeField(help_text="This date's original start.")
    starts_at = serializers.DateTimeField(help_text="The series' first start (DTSTART).")
    rdates = serializers.ListField(child=serializers.DateTimeField(),
                                   help_text="Starts added to the rule (RDATE).")
    exdates = serializers.ListField(child=serializers.DateTimeField(),
                                    help_text="Starts left out of the rule (EXDATE).")
    sequence = serializers.IntegerField(min_value=0, help_text="The master's SEQUENCE.")
    cancelled = serializers.BooleanField(help_text="The whole series is cancelled.")


class OriginSerializer(serializers.Serializer):
    url = serializers.URLField(allow_null=True, help_text="The event's page on its site.")
    feed_url = serializers.URLField(allow_null=True, help_text="The feed it was imported from.")
    name = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """One event: the open format's feed item (docs/format/README.md) plus `pk` and
    `space`. Times are ISO 8601 in the event's own zone."""

    pk = serializers.IntegerField(help_text="The id of /api/v1/events/{pk}/.")
    space = serializers.CharField(allow_null=True, help_text="The space's slug.")
    id = serializers.CharField(help_text="The iCalendar UID: never changes.")
    url = serializers.URLField()
    title = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField()
    format = serializers.CharField()
    language = serializers.CharField()
    topics = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=["scheduled", "cancelled", "postponed"])
    status_reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_day = serializers.BooleanField(help_text=(
        "Dates, not times: starts_at and ends_at are local midnights (ends_at exclusive)."))
    time_zone = serializers.CharField()
    attendance_mode = serializers.ChoiceField(choices=["offline", "mixed"])
    online_url = serializers.URLField(allow_null=True)
    venue = VenueSerializer()
    organizer = OrganizerSerializer()
    capacity = serializers.IntegerField(allow_null=True)
    seats_left = serializers.IntegerField(allow_null=True)
    waitlist = serializers.BooleanField()
    price = PriceSerializer()
    registration = RegistrationWindowSerializer()
    sequence = serializers.IntegerField(help_text="Grows on every published change.")
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    body = serializers.ListField(child=serializers.DictField(), help_text=(
        "The description's blocks: text (limited HTML), agenda, speaker (docs/format)."))
    cancellation_deadline_hours = serializers.IntegerField(min_value=0)
    rewards = RewardsSerializer()
    series = SeriesSerializer(allow_null=True, help_text="For one date of a recurring event.")
    origin = OriginSerializer(allow_null=True, help_text="For an event imported from another "
                                                         "site.")

    def to_representation(self, event) -> dict:
        texts = self.context.get("texts", {}).get(event.pk)  # its page in the reader's language
        item = event_to_feed_item(event, request=self.context.get("request"), texts=texts)
        return {"pk": event.pk, "space": event.space.slug if event.space_id else None, **item}


# --- sessions ----------------------------------------------------------------------


class HostSerializer(serializers.Serializer):
    name = serializers.CharField()
    profile = serializers.CharField(help_text="The slug of /api/v1/profiles/{slug}/.")


class SessionSerializer(serializers.Serializer):
    """A session of an unconference's published grid. Hosts are listed only when the
    caller may see their profile (the directory's rule)."""

    id = serializers.CharField(help_text="The session's iCalendar UID.")
    title = serializers.CharField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    room = serializers.CharField()
    hosts = HostSerializer(many=True)
    votes = serializers.IntegerField()
    sequence = serializers.IntegerField()
    url = serializers.URLField()

    def to_representation(self, session) -> dict:
        visible = self.context["visible_hosts"]  # {user id: profile slug}
        entry = session_feed_entry(session, self.context["event"], visible_hosts=set(visible))
        entry["hosts"] = [
            {"name": host.profile.display_name, "profile": visible[host.pk]}
            for host in session.proposal.hosts.all() if host.pk in visible]
        return entry


# --- spaces ------------------------------------------------------------------------


class SpaceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    kind = serializers.CharField()
    tagline = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    time_zone = serializers.CharField()
    website = serializers.CharField(help_text="An http(s) address, or empty.")
    email = serializers.CharField(help_text="An e-mail address, or empty.")
    phone = serializers.CharField()
    seats = serializers.IntegerField(allow_null=True)
    day_pass_price = serializers.IntegerField(help_text="Credits; 0 = no day passes.")
    active = serializers.BooleanField()

    def to_representation(self, space) -> dict:
        return {
            "slug": space.slug, "title": space.title,
            "url": page_public_url(space, self.context.get("request")),
            "kind": space.kind, "tagline": space.tagline, "address": space.address,
            "city": space.city, "region": space.region, "country": space.country,
            "latitude": None if space.latitude is None else float(space.latitude),
            "longitude": None if space.longitude is None else float(space.longitude),
            "time_zone": space.time_zone, "website": space.website, "email": space.email,
            "phone": space.phone, "seats": space.seats, "day_pass_price": space.day_pass_price,
            "active": space.active,
        }


# --- member profiles ---------------------------------------------------------------


class MembershipSerializer(serializers.Serializer):
    space = serializers.CharField(help_text="The space's slug.")
    role = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    """A member's directory profile, only as far as the member's visibility lets the caller
    see it; `email` is null unless the member shows it (or it is the caller's own)."""

    slug = serializers.CharField()
    display_name = serializers.CharField()
    headline = serializers.CharField()
    bio = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    city = serializers.CharField()
    home_space = serializers.CharField(allow_null=True, help_text="The space's slug.")
    website = serializers.CharField(help_text="An http(s) address, or empty.")
    links = serializers.ListField(child=serializers.URLField())
    email = serializers.EmailField(allow_null=True)
    memberships = MembershipSerializer(many=True)
    url = serializers.URLField()

    def to_representation(self, profile) -> dict:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        return {
            "slug": profile.slug, "display_name": profile.display_name,
            "headline": profile.headline, "bio": profile.bio,
            "skills": sorted((tag.name for tag in profile.skills.all()), key=str.casefold),
            "city": profile.city,
            "home_space": profile.home_space.slug if profile.home_space_id else None,
            "website": profile.website, "links": profile.link_list,
            "email": profile.user.email if profile_email_visible(profile, viewer) else None,
            "memberships": [{"space": m.space.slug, "role": m.role}
                            for m in profile.user.memberships.all()],
            "url": request.build_absolute_uri(profile.get_absolute_url()) if request
            else profile.get_absolute_url(),
        }


# --- the member's own data -----------------------------------------------------------


class RegisteredEventSerializer(serializers.Serializer):
    pk = serializers.IntegerField()
    id = serializers.CharField(help_text="The event's iCalendar UID.")
    title = serializers.CharField()
    url = serializers.CharField(help_text="Empty when the event is no longer published.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField()
    space = serializers.CharField(allow_null=True)


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["confirmed", "waitlisted", "cancelled",
                                             "attended"])
    role = serializers.CharField()
    waiting_list_place = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    attended_at = serializers.DateTimeField(allow_null=True)
    event = RegisteredEventSerializer()

    def to_representation(self, registration) -> dict:
        event = registration.event
        request = self.context.get("request")
        field = serializers.DateTimeField()
        tz = event.tz

        def when(value):
            return None if value is None else field.to_representation(value.astimezone(tz))

        return {
            "id": registration.pk, "state": registration.state, "role": registration.role,
            "waiting_list_place": registration.waiting_list_place(),
            "created_at": when(registration.created_at),
            "confirmed_at": when(registration.confirmed_at),
            "cancelled_at": when(registration.cancelled_at),
            "cancel_reason": registration.cancel_reason,
            "attended_at": when(registration.attended_at),
            "event": {
                "pk": event.pk, "id": event.ical_uid, "title": event.title,
                "url": page_public_url(event, request) if event.live else "",
                "starts_at": when(event.starts_at), "ends_at": when(event.ends_at),
                "time_zone": event.time_zone_name,
                "space": event.space.slug if event.space_id else None,
            },
        }


class BalanceSerializer(serializers.Serializer):
    posted = serializers.IntegerField(help_text="Credits after every posted transfer.")
    on_hold = serializers.IntegerField(help_text="Credits held for registrations.")
    available = serializers.IntegerField(help_text="posted - on_hold: what can be spent.")
    limit = serializers.IntegerField(help_text="How far below zero `available` may go.")


