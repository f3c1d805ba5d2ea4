"""Creating a recurring series in one go (weekly or monthly, with an end, exceptions).

Guarantees of `series_create`: the rule is checked and expanded BEFORE anything is written;
then the series and every occurrence (a published EventPage under the space, with its own
capacity and registrations) are created in ONE transaction, all or nothing. Occurrences keep
the first one's local wall-clock time across DST changes. Exceptions (dates of the rule left
out) become the series' EXDATEs. A single occurrence is later moved, changed or cancelled
like any event (the page editor); it stays an occurrence (RECURRENCE-ID) of the series.

Raises SeriesInvalid (events.recurrence) with a sentence for people; nothing is created then.

`series_rule_change` changes the rule (frequency, days, interval, end, exceptions) of an
existing series; see its docstring for what it keeps.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from network.models import SpacePage

from ..models import MAX_EVENT_DURATION, EventPage, EventSeries, Registration
from ..recurrence import SeriesInvalid, occurrence_starts, rrule_check

#: The EventPage fields an organiser sets once for every occurrence of a series.
TEMPLATE_FIELDS = {
    "summary", "body", "format", "language", "room", "address_override", "online_url",
    "capacity", "waitlist_enabled", "registration_opens_at", "price_credits",
    "cancellation_deadline_hours", "guests_allowed", "reward_host", "reward_speaker",
    "reward_volunteer", "checkin_opens_hours_before",
}


def _occurrence_slug(title: str, start: dt.datetime, taken: set[str]) -> str:
    base = f"{slugify(title)[:60] or 'event'}-{start:%Y-%m-%d}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _validated(page: EventPage) -> None:
    try:
        page.clean_fields(exclude=["path", "depth", "url_path", "content_type",
                                   "draft_title", "translation_key", "locale"])
        page.clean()
    except ValidationError as exc:
        messages = [str(m) for ms in exc.message_dict.values() for m in ms]
        raise SeriesInvalid(" ".join(messages)) from exc


def series_create(space: SpacePage, *, title: str, first_start: dt.datetime,
                  duration: dt.timedelta, rrule: str, exceptions: Iterable[dt.date] = (),
                  fields: dict | None = None, user=None) -> EventSeries:
    """Create a series and all its occurrences, published (see the module's guarantees).
    `first_start` is aware, in the series' zone (a ZoneInfo). Raises SeriesInvalid."""
    fields = dict(fields or {})
    unknown = set(fields) - TEMPLATE_FIELDS
    if unknown:
        raise SeriesInvalid(_("Unknown event fields: %(names)s.")
                            % {"names": ", ".join(sorted(unknown))})
    title = " ".join((title or "").split())
    if not title:
        raise SeriesInvalid(_("Give the series a title."))
    if not isinstance(first_start.tzinfo, zoneinfo.ZoneInfo):
        raise SeriesInvalid(_("The first start needs a time zone."))
    if not dt.timedelta(0) < duration <= MAX_EVENT_DURATION:
        raise SeriesInvalid(_("Each occurrence lasts more than nothing and at most 14 days."))
    rrule = rrule_check(rrule)
    starts = occurrence_starts(first_start, rrule)
    if not starts:
        raise SeriesInvalid(_("The repeat rule gives no date."))
    skipped_days = set(exceptions)
    stray = skipped_days - {start.date() for start in starts}
    if stray:
        raise SeriesInvalid(_("%(day)s is not a date of the series.")
                            % {"day": min(stray).isoformat()})
    kept = [start for start in starts if start.date() not in skipped_days]
    if not kept:
        raise SeriesInvalid(_("Every date of the series is an exception."))
    zone = first_start.tzinfo.key
    taken = set(space.get_children().values_list("slug", flat=True))
    with transaction.atomic():
        series = EventSeries.objects.create(
            space=space, title=title[:255], rrule=rrule, first_starts_at=starts[0],
            time_zone=zone, created_by=user,
            exdates=[start.astimezone(dt.UTC).isoformat() for start in starts
                     if start.date() in skipped_days])
        for start in kept:
            page = EventPage(title=title[:255], slug=_occurrence_slug(title, start, taken),
                             starts_at=start, ends_at=start + duration, time_zone=zone,
                             series=series, recurrence_id=start, live=False, **fields)
            _validated(page)
            space.add_child(instance=page)
            page.save_revision(user=user, log_action=True).publish(user=user)
    return series


@dataclass
class SeriesChange:
    """What `series_rule_change` did. `series`: the series the future dates now belong to
    (the same one, or a new one when some dates had already begun: see the function).
    `created` / `deleted`: future dates without registrations added or removed; `kept`:
    future dates kept because people registered for them, of which `detached` are those the
    new rule no longer has (now single events)."""

    series: EventSeries
    created: list[EventPage] = field(default_factory=list)
    deleted: list[dt.datetime] = field(default_factory=list)
    kept: list[EventPage] = field(default_factory=list)
    detached: list[EventPage] = field(default_factory=list)


def _rule_ending(rrule: str, *, count: int | None = None,
                 until: dt.datetime | None = None) -> str:
    """`rrule` with its end (COUNT or UNTIL) replaced by `count` or `until` (UTC)."""
    parts = [part for part in rrule.split(";")
             if part and not part.startswith(("COUNT=", "UNTIL="))]
    if count is not None:
        parts.append(f"COUNT={count}")
    else:
        parts.append("UNTIL=" + until.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def series_rule_change(series: EventSeries, *, rrule: str, exceptions: Iterable[dt.date] = (),
                       user=None, now: dt.datetime | None = None) -> SeriesChange:
    """Give `series` a new rule (frequency, days, interval, end, exceptions; the same first
    date and local time) and regenerate its FUTURE dates.

    Guarantees, in one transaction (all or nothing, the series' row locked):
    - a date that has begun is never touched; when there is one, the series is split as
      calendar apps do ("this and the following events"): the old series ends (UNTIL) with
      its last begun date, and a new series (new UID, DTSTART its first future date) holds
      the future (the old one's `continued_as`); otherwise the same series gets the new rule;
    - the new rule is expanded from the series' first date; its future dates are the dates:
      a future date without registrations is deleted (with its translations) when the rule
      no longer has it, kept as it is (cancelled or moved stays so) when it does, and the
      missing ones are created from the latest existing date;
    - a future date WITH registrations is always kept; when the rule no longer has it, it
      becomes a single event (its own UID; registrations untouched): `detached`;
    - the calendar master of each series describes exactly its pages (EXDATE for exceptions),
      and its SEQUENCE grows.
    Raises SeriesInvalid (nothing changes): a bad rule, no future date, an exception that is
    not a future date of the rule or that has registrations, an imported series, a series
    already split (its `continued_as` is changed instead: a replayed change would otherwise
    give the later dates a second page)."""
    now = now or timezone.now()
    if series.is_imported:
        raise SeriesInvalid(_("This series is imported from another calendar: change it "
                              "there."))
    rrule = rrule_check(rrule)
    with transaction.atomic():
        series = EventSeries.objects.select_for_update().get(pk=series.pk)
        if series.continued_as_id is not None:
            raise SeriesInvalid(_("This series was split: its later dates belong to the "
                                  "series that continues it. Change the rule there."))
        zone = zoneinfo.ZoneInfo(series.time_zone)
        starts = occurrence_starts(series.first_starts_at.astimezone(zone), rrule)
        future = [start for start in starts if start > now]
        if not future:
            raise SeriesInvalid(_("The repeat rule gives no future date."))
        skipped_days = set(exceptions)
        stray = skipped_days - {start.date() for start in future}
        if stray:
            raise SeriesInvalid(_("%(day)s is not a future date of the series.")
                                % {"day": min(stray).isoformat()})
        originals: dict = {}
        for page in EventPage.objects.filter(series=series).order_by("pk"):
            originals.setdefault(page.translation_key, page)  # a translation: its original
        occurrences = sorted(originals.values(), key=lambda p: p.recurrence_id)
        if not occurrences:
            raise SeriesInvalid(_("The series has no date left to copy from."))
        registered = set(Registration.objects.filter(event__in=occurrences)
                         .values_list("event_id", flat=True))
        wanted = {start.astimezone(dt.UTC): start for start in future
                  if start.date() not in skipped_days}
        begun = [p for p in occurrences if p.starts_at <= now or p.recurrence_id <= now]
        coming = [p for p in occurrences if p not in begun]
        for page in coming:
            if (page.pk in registered
                    and page.recurrence_id.astimezone(zone).date() in skipped_days):
                raise SeriesInvalid(
                    _("%(day)s cannot be left out: people are registered for it.")
                    % {"day": page.recurrence_id.astimezone(zone).date().isoformat()})
        # The latest date is the template of new ones (read before anything is deleted).
        template = occurrences[-1]
        space = series.space or template.get_parent().specific
        duration = template.ends_at - template.starts_at
        values = {name: getattr(template, name) for name in TEMPLATE_FIELDS if name != "body"}
        body = template.body.raw_data

        # The rule expanded from its first future date gives exactly `future` (a weekly or
        # monthly rule's periods are counted from an occurrence, so they stay aligned), once
        # COUNT counts only those dates.
        ending = {"count": len(future)} if "COUNT=" in rrule else {}
        target_rule = _rule_ending(rrule, **ending) if ending else rrule
        if begun:
            last = max(p.recurrence_id for p in begun)
            series.rrule = _rule_ending(series.rrule, until=last)
            series.exdates = [x for x in series.exdates or []
                              if dt.datetime.fromisoformat(x) <= last]
            series.sequence += 1
            target = EventSeries.objects.create(
                space=series.space, title=series.title, rrule=target_rule,
                first_starts_at=future[0], time_zone=series.time_zone, created_by=user)
            series.continued_as = target
            series.save(update_fields=["rrule", "exdates", "sequence", "continued_as"])
        else:
            target = series
            target.rrule, target.first_starts_at = target_rule, future[0]
            target.sequence += 1

        change = SeriesChange(series=target)
        # A begun date the new rule also has (a date moved earlier) stays in the old series:
        # the new one leaves it out (EXDATE) and never makes a second page for it.
        begun_keys = {p.recurrence_id.astimezone(dt.UTC) for p in begun}
        have: set[dt.datetime] = set(begun_keys)
        for page in coming:
            key = page.recurrence_id.astimezone(dt.UTC)
            copies = EventPage.objects.filter(translation_key=page.translation_key)
            if key in wanted:
                copies.update(series=target)
                have.add(key)
                if page.pk in registered:
                    change.kept.append(page)
            elif page.pk in registered:
                copies.update(series=None, recurrence_id=None)
                change.kept.append(page)
                change.detached.append(page)
            else:
                change.deleted.append(page.starts_at)
                for copy in copies.exclude(pk=page.pk):
                    copy.delete()
                page.delete()
        taken = set(space.get_children().values_list("slug", flat=True))
        for key, start in sorted(wanted.items()):
            if key in have:
                continue
            page = EventPage(title=series.title, slug=_occurrence_slug(series.title, start, taken),
                             starts_at=start, ends_at=start + duration,
                             time_zone=series.time_zone, series=target, recurrence_id=start,
                             live=False, body=body, **values)
            _validated(page)
            space.add_child(instance=page)
            page.save_revision(user=user, log_action=True).publish(user=user)
            change.created.append(page)
        # The future dates of the rule without a page are the exceptions: EXDATEs.
        target.exdates = [start.astimezone(dt.UTC).isoformat() for start in future
                          if start.date() in skipped_days
                          or start.astimezone(dt.UTC) in begun_keys]
        target.save()
    return change
