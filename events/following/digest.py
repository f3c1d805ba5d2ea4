"""The weekly digest: one e-mail per member and week with the new events matching what they
follow, never the same event twice, on the day the member chose.

When: each member picks a weekday (Monday by default) or "never" (`FollowSettings`). Their
digest is due from `DIGEST_HOUR` o'clock of that day in their time zone (the one they chose,
else their home space's, else the site's `TIME_ZONE`) until the end of that week (Sunday,
same zone): a run that was missed on the day catches up later in the week, and a week with
no run after the due hour has no digest (its events come the week after). The week is the
member's local Monday-to-Sunday week, so a DST change or a zone far from UTC moves nothing
to another week. Changing the day mid-week never gives a second digest that week.

Guarantees of `digest_send` (safe to run twice, and under two workers at once):
- the claim is the row `Digest(user, week)` under a unique constraint (`week`: the local
  Monday), inserted in the same transaction that records the events told (`DigestEvent`,
  unique per member and event) and sends the e-mail. A second worker's insert waits for
  the first transaction and then fails on the constraint, so it sends nothing; a
  mail-server error rolls everything back and the next run tries again;
- a week with nothing new sends nothing and claims nothing;
- members who chose "never", inactive accounts and accounts without an address get nothing.
The only double sending left is a crash after the mail server accepted the e-mail and
before the commit (the transaction is then rolled back): at most one duplicate, never a loss.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events.calendar import event_public_url
from network.mail import mail_build, mail_language
from network.public_urls import public_url
from network.unsubscribe import unsubscribe_url

from .models import Digest, DigestEvent, DigestFrequency, Follow, FollowSettings, Weekday
from .selectors import events_followed

logger = logging.getLogger(__name__)

#: at most this many events in one digest (the rest come next week)
DIGEST_MAX_EVENTS = 30
#: a member's digest is due from this hour of their chosen day, in their time zone
DIGEST_HOUR = 8


@dataclass(frozen=True)
class DigestSchedule:
    """Where `now` falls in a member's digest week."""

    week: dt.date  # the Monday of the member's local week: the key of the claim
    due_at: dt.datetime  # the chosen day at DIGEST_HOUR, in the member's zone

    def is_due(self, now: dt.datetime) -> bool:
        return now >= self.due_at


def member_time_zone(chosen: str, home_space_zone: str | None = None) -> zoneinfo.ZoneInfo:
    """The zone a member's digest day is counted in: the one they chose, else their home
    space's, else the site's TIME_ZONE, else UTC (names that are not known zones are passed
    over)."""
    for name in (chosen, home_space_zone, settings.TIME_ZONE):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def digest_schedule(weekday: int, zone: dt.tzinfo, now: dt.datetime) -> DigestSchedule:
    """The member's digest week around `now` for the chosen `weekday` (0 = Monday) in
    `zone`: its local Monday and the moment the digest is due."""
    local_day = now.astimezone(zone).date()
    monday = local_day - dt.timedelta(days=local_day.weekday())
    day = monday + dt.timedelta(days=weekday)
    return DigestSchedule(week=monday,
                          due_at=dt.datetime.combine(day, dt.time(DIGEST_HOUR), tzinfo=zone))


def _member_rows(users):
    """(pk, weekday, chosen zone, home space zone) of `users`, one query; no settings row
    means Monday and no chosen zone."""
    return users.values_list("pk", "follow_settings__digest_weekday",
                             "follow_settings__time_zone", "profile__home_space__time_zone")


def _schedule_of(row, now: dt.datetime) -> DigestSchedule:
    _pk, weekday, chosen, home = row
    weekday = Weekday.MONDAY if weekday is None else weekday
    return digest_schedule(weekday, member_time_zone(chosen or "", home), now)


def digest_recipients(now: dt.datetime | None = None) -> list[tuple[int, dt.date]]:
    """(member id, week) of every member whose digest is due at `now`: active, with an
    address, following something, not "never", past their day's hour this week. In id
    order."""
    now = now or timezone.now()
    never = FollowSettings.objects.filter(digest=DigestFrequency.NEVER).values("user_id")
    users = (get_user_model().objects.filter(is_active=True,
                                             pk__in=Follow.objects.values("user_id"))
             .exclude(email="").exclude(pk__in=never).order_by("pk"))
    due = []
    for row in _member_rows(users):
        schedule = _schedule_of(row, now)
        if schedule.is_due(now):
            due.append((row[0], schedule.week))
    return due


def digest_build(user, events: list, language: str):
    """The digest e-mail for `user` listing `events` (built, not sent)."""
    with translation.override(language):
        context = {
            "events": [(event, event_public_url(event)) for event in events],
            "following_url": public_url(reverse("following:mine")),
            "unsubscribe_url": unsubscribe_url(user, "digest"),
            "site_name": "Espresso",
        }
        subject = render_to_string("following/email/digest_subject.txt", context)
        text = render_to_string("following/email/digest.txt", context)
        html = render_to_string("following/email/digest.html", context)
    return mail_build(subject=subject, text=text, html=html, to=[user.email],
                      language=language, unsubscribe_url=context["unsubscribe_url"])


def digest_send(user_pk: int, now: dt.datetime | None = None) -> int:
    """Send `user_pk` their digest for their week of `now` if it is due (see the module);
    returns the number of events told (0 = nothing sent: not due yet, already sent,
    nothing new, or opted out)."""
    now = now or timezone.now()
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    week = None
    try:
        with transaction.atomic():
            if FollowSettings.objects.filter(user=user, digest=DigestFrequency.NEVER).exists():
                return 0
            schedule = _schedule_of(
                _member_rows(get_user_model().objects.filter(pk=user_pk)).get(), now)
            if not schedule.is_due(now):
                return 0
            week = schedule.week
            digest = Digest.objects.create(user=user, week=week, sent_at=now)
            told = DigestEvent.objects.filter(user=user).values("event_id")
            events = list(events_followed(user, now=now).exclude(pk__in=told)
                          [:DIGEST_MAX_EVENTS])
            if not events:
                transaction.set_rollback(True)
                return 0
            DigestEvent.objects.bulk_create(
                [DigestEvent(digest=digest, user=user, event=event) for event in events])
            digest.event_count = len(events)
            digest.save(update_fields=["event_count"])
            digest_build(user, events, mail_language(user)).send()
            return len(events)
    except IntegrityError:
        # Another worker holds (or sent) this member's digest for the week.
        logger.info("digest for user %s, week %s already claimed", user_pk, week)
        return 0


def digests_send_due(now: dt.datetime | None = None) -> int:
    """Send every digest due at `now` (each member's day, in their zone); returns how many
    e-mails left. A member whose e-mail fails is logged and retried at the next run; the
    others still get theirs."""
    now = now or timezone.now()
    sent = 0
    due = digest_recipients(now)
    done = set(Digest.objects.filter(week__in={week for _pk, week in due})
               .values_list("user_id", "week"))
    for user_pk, week in due:
        if (user_pk, week) in done:
            continue
        try:
            sent += 1 if digest_send(user_pk, now) else 0
        except OSError:  # SMTP errors: one bad address must not stop everyone's digest
            logger.exception("digest for user %s failed; retried at the next run", user_pk)
    return sent
