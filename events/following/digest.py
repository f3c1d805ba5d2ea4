"""The weekly digest: one e-mail per member and week with the new events matching what they
follow, never the same event twice.

Guarantees of `digest_send` (safe to run twice, and under two workers at once):
- the claim is the row `Digest(user, week)` under a unique constraint, inserted in the same
  transaction that records the events told (`DigestEvent`, unique per member and event) and
  sends the e-mail. A second worker's insert waits for the first transaction and then fails
  on the constraint, so it sends nothing; a mail-server error rolls everything back and the
  next run tries again;
- a week with nothing new sends nothing and claims nothing;
- members who chose "never", inactive accounts and accounts without an address get nothing.
The only double sending left is a crash after the mail server accepted the e-mail and
before the commit (the transaction is then rolled back): at most one duplicate, never a loss.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from events.calendar import event_public_url
from network.mail import mail_build, mail_language
from network.public_urls import public_url
from network.unsubscribe import unsubscribe_url

from .models import Digest, DigestEvent, DigestFrequency, Follow, FollowSettings
from .selectors import events_followed, follow_list

logger = logging.getLogger(__name__)

#: at most this many events in one digest (the rest come next week)
DIGEST_MAX_EVENTS = 30


def digest_week(now: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week `now` falls in: the key of a member's weekly digest."""
    day = now.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def digest_recipients() -> list[int]:
    """Ids of active members with an address who follow something and did not choose
    "never", in id order."""
    never = FollowSettings.objects.filter(digest=DigestFrequency.NEVER).values("user_id")
    return list(get_user_model().objects.filter(
        is_active=True, pk__in=Follow.objects.values("user_id")).exclude(email="")
        .exclude(pk__in=never).order_by("pk").values_list("pk", flat=True))


def digest_build(user, events: list, language: str):
    """The digest e-mail for `user` listing `events` (built, not sent)."""
    with translation.override(language):
        context = {
            "user": user,
            "events": [(event, event_public_url(event)) for event in events],
            "follows": follow_list(user),
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
    """Send `user_pk` their digest for the week of `now` if it is due; returns the number of
    events told (0 = nothing sent: not due, already sent, nothing new, or opted out)."""
    now = now or timezone.now()
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    week = digest_week(now)
    try:
        with transaction.atomic():
            if FollowSettings.objects.filter(user=user, digest=DigestFrequency.NEVER).exists():
                return 0
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
    """Send every due digest for the week of `now`; returns how many e-mails left. A member
    whose e-mail fails is logged and retried at the next run; the others still get theirs."""
    now = now or timezone.now()
    sent = 0
    week = digest_week(now)
    done = set(Digest.objects.filter(week=week).values_list("user_id", flat=True))
    for user_pk in digest_recipients():
        if user_pk in done:
            continue
        try:
            sent += 1 if digest_send(user_pk, now) else 0
        except OSError:  # SMTP errors: one bad address must not stop everyone's digest
            logger.exception("digest for user %s failed; retried at the next run", user_pk)
    return sent
