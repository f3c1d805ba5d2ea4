"""events.federation.series_sync exactly (issue 14, the mutation run): what a master writes
into its EventSeries and its link (every column), one series per remote UID per
subscription, the count of each kind of change, an unchanged re-import that reads one query
and writes nothing, a stale master, a changed master without a new SEQUENCE, a series gone
upstream cancelled once (only while one of its dates is still to come) and its return, and
when a subscription's series must be expanded again."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.federation.items import SeriesMaster
from events.federation.models import CalendarSubscription, ImportedEvent, ImportedSeries
from events.federation.series_sync import series_apply, series_expansion_due
from events.federation.services import SyncReport
from events.models import EventSeries
from tests.events.discovery_factories import make_event
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
ROME = ZoneInfo("Europe/Rome")
WEEKLY = "weekly@cal.example"
DAY = dt.timedelta(days=1)


@pytest.fixture
def torino(site_tree):
    return make_space(site_tree.spaces, "Cowo Torino", city="Torino", region="Piemonte",
                      time_zone="Europe/Rome")


@pytest.fixture
def subscription(torino):
    return CalendarSubscription.objects.create(space=torino, url="https://cal.example/a.ics",
                                               name="Calendario Torino")


def master(uid: str = WEEKLY, **fields) -> SeriesMaster:
    """A weekly master in Rome time with an RDATE and an EXDATE, SEQUENCE 4."""
    values = {"uid": uid, "rrule": "FREQ=WEEKLY;BYDAY=TU",
              "first_start": dt.datetime(2026, 9, 22, 18, 30, tzinfo=ROME),
              "time_zone": "Europe/Rome", "title": "Aperitivo del martedì", "sequence": 4,
              "rdates": [dt.datetime(2026, 12, 24, 18, 30, tzinfo=ROME)],
              "exdates": [dt.datetime(2026, 10, 27, 18, 30, tzinfo=ROME)]}
    values.update(fields)
    return SeriesMaster(**values)


def apply(subscription, *masters, wanted=None, now=NOW) -> tuple[dict, SyncReport]:
    """series_apply of `masters` (all wanted unless told), with a fresh report."""
    report = SyncReport()
    by_uid = {m.uid: m for m in masters}
    kept = series_apply(subscription, by_uid, set(by_uid) if wanted is None else wanted,
                        report, now)
    return kept, report


def counts(report: SyncReport) -> tuple:
    return (report.series_created, report.series_updated, report.series_cancelled,
            report.stale, report.created, report.updated, report.unchanged,
            report.cancelled_gone)


def date_of(series: EventSeries, space, *, ends_at: dt.datetime):
    """A date of `series` here (an EventPage tied to it) ending at `ends_at`."""
    return make_event(space, starts_at=ends_at - dt.timedelta(hours=2), ends_at=ends_at,
                      series=series, recurrence_id=ends_at - dt.timedelta(hours=2))


# --- created --------------------------------------------------------------------------------

def test_a_wanted_master_is_created_with_every_value_as_received(subscription, torino):
    kept, report = apply(subscription, master())
    series = EventSeries.objects.get()
    assert list(kept) == [WEEKLY] and kept[WEEKLY].pk == series.pk
    assert re.fullmatch(r"[0-9a-f]{40}@import\.espresso", series.uid)
    assert (series.title, series.rrule, series.time_zone, series.sequence, series.space_id,
            series.cancelled, series.created_at) == (
        "Aperitivo del martedì", "FREQ=WEEKLY;BYDAY=TU", "Europe/Rome", 4, torino.pk, False,
        NOW)
    assert series.first_starts_at == dt.datetime(2026, 9, 22, 16, 30, tzinfo=dt.UTC)
    # RDATE and EXDATE kept as ISO 8601 in UTC, whatever the zone they were given in.
    assert series.rdates == ["2026-12-24T17:30:00+00:00"]
    assert series.exdates == ["2026-10-27T17:30:00+00:00"]
    assert series.origin == {"uid": WEEKLY, "feed_url": "https://cal.example/a.ics",
                             "name": "Calendario Torino"}
    link = ImportedSeries.objects.get()
    assert (link.subscription_id, link.series_id, link.uid, link.sequence, link.gone) == (
        subscription.pk, series.pk, WEEKLY, 4, False)
    assert re.fullmatch(r"[0-9a-f]{64}", link.content_hash)
    assert counts(report) == (1, 0, 0, 0, 0, 0, 0, 0)


def test_each_remote_uid_of_each_subscription_is_one_series_of_its_own(subscription, torino):
    other = CalendarSubscription.objects.create(space=torino, url="https://cal.example/b.ics")
    kept_a, report_a = apply(subscription, master(), master("monthly@cal.example",
                                                            rrule="FREQ=MONTHLY"))
    kept_b, report_b = apply(other, master())
    assert (report_a.series_created, report_b.series_created) == (2, 1)
    assert EventSeries.objects.count() == 3
    assert len({kept_a[WEEKLY].uid, kept_a["monthly@cal.example"].uid,
                kept_b[WEEKLY].uid}) == 3
    assert kept_b[WEEKLY].origin == {"uid": WEEKLY, "feed_url": "https://cal.example/b.ics",
                                     "name": "https://cal.example/b.ics"}
    assert sorted(ImportedSeries.objects.values_list("subscription_id", "uid")) == sorted([
        (subscription.pk, WEEKLY), (subscription.pk, "monthly@cal.example"),
        (other.pk, WEEKLY)])
    # Each subscription's re-import finds its own series: nothing created, nothing changed,
    # nothing of the other subscription's taken for gone.
    again_b, report = apply(other, master())
    assert again_b[WEEKLY].pk == kept_b[WEEKLY].pk
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)
    again_a, report = apply(subscription, master(), master("monthly@cal.example",
                                                           rrule="FREQ=MONTHLY"))
    assert {uid: s.pk for uid, s in again_a.items()} == {
        uid: s.pk for uid, s in kept_a.items()}
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert EventSeries.objects.count() == 3


def test_a_master_none_of_whose_dates_is_imported_is_not_created_and_the_next_one_is(
        subscription):
    kept, report = apply(subscription, master("unwanted@cal.example"), master(),
                         wanted={WEEKLY})
    assert list(kept) == [WEEKLY]
    assert list(EventSeries.objects.values_list("origin__uid", flat=True)) == [WEEKLY]
    assert report.series_created == 1


# --- re-imported ----------------------------------------------------------------------------

def test_an_unchanged_reimport_reads_one_query_and_writes_nothing(subscription):
    first, _report = apply(subscription, master(), master("monthly@cal.example"))
    rows = list(EventSeries.objects.order_by("pk").values())
    links = list(ImportedSeries.objects.order_by("pk").values())
    # The same masters read again (new objects, the RDATE given in another zone).
    again = master(rdates=[dt.datetime(2026, 12, 24, 17, 30, tzinfo=dt.UTC)])
    with CaptureQueriesContext(connection) as queries:
        kept, report = apply(subscription, again, master("monthly@cal.example"),
                             now=NOW + DAY)
    assert len(queries) == 1  # the links with their series, in one SELECT
    assert {uid: s.pk for uid, s in kept.items()} == {uid: s.pk for uid, s in first.items()}
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert list(EventSeries.objects.order_by("pk").values()) == rows
    assert list(ImportedSeries.objects.order_by("pk").values()) == links


def test_a_master_changed_without_a_new_sequence_is_written_with_the_origin_sequence(
        subscription):
    apply(subscription, master())
    old_hash = ImportedSeries.objects.get().content_hash
    changed = master(title="Aperitivo (alle 19)", rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
                     exdates=[dt.datetime(2026, 10, 27, 18, 30, tzinfo=ROME),
                              dt.datetime(2026, 11, 3, 18, 30, tzinfo=ROME)])
    kept, report = apply(subscription, changed, now=NOW + DAY)
    assert counts(report) == (0, 1, 0, 0, 0, 0, 0, 0)
    series = EventSeries.objects.get()
    assert kept[WEEKLY].pk == series.pk and kept[WEEKLY].title == "Aperitivo (alle 19)"
    assert (series.title, series.rrule, series.sequence, series.cancelled) == (
        "Aperitivo (alle 19)", "FREQ=WEEKLY;BYDAY=TU;COUNT=10", 4, False)
    assert series.exdates == ["2026-10-27T17:30:00+00:00", "2026-11-03T17:30:00+00:00"]
    assert series.created_at == NOW  # the creation stays
    link = ImportedSeries.objects.get()
    assert (link.sequence, link.gone) == (4, False)
    assert link.content_hash != old_hash and re.fullmatch(r"[0-9a-f]{64}", link.content_hash)
    # A higher SEQUENCE is taken as the origin's.
    kept, report = apply(subscription, master(sequence=9, title="Aperitivo"), now=NOW + DAY)
    series.refresh_from_db()
    link.refresh_from_db()
    assert (report.series_updated, series.sequence, link.sequence, series.title) == (
        1, 9, 9, "Aperitivo")


def test_two_masters_changed_are_counted_two(subscription):
    apply(subscription, master(), master("monthly@cal.example", rrule="FREQ=MONTHLY"))
    _kept, report = apply(subscription, master(sequence=5),
                          master("monthly@cal.example", rrule="FREQ=MONTHLY;COUNT=6"))
    assert counts(report) == (0, 2, 0, 0, 0, 0, 0, 0)
    assert sorted(EventSeries.objects.values_list("rrule", "sequence")) == [
        ("FREQ=MONTHLY;COUNT=6", 4), ("FREQ=WEEKLY;BYDAY=TU", 5)]


def test_a_renamed_subscription_rewrites_the_name_in_its_series_origin(subscription):
    apply(subscription, master())
    subscription.name = "Cowo Torino (eventi)"
    subscription.save()
    _kept, report = apply(subscription, master())
    assert report.series_updated == 1
    assert EventSeries.objects.get().origin["name"] == "Cowo Torino (eventi)"


def test_an_older_copy_of_a_master_is_counted_stale_and_changes_nothing(subscription):
    first, _report = apply(subscription, master(), master("monthly@cal.example", sequence=2))
    rows = list(EventSeries.objects.order_by("pk").values())
    links = list(ImportedSeries.objects.order_by("pk").values())
    kept, report = apply(subscription, master(sequence=3, title="Vecchio"),
                         master("monthly@cal.example", sequence=1, title="Vecchio"))
    assert counts(report) == (0, 0, 0, 2, 0, 0, 0, 0)
    # Still the series of both (their dates stay tied to them).
    assert {uid: s.pk for uid, s in kept.items()} == {uid: s.pk for uid, s in first.items()}
    assert list(EventSeries.objects.order_by("pk").values()) == rows
    assert list(ImportedSeries.objects.order_by("pk").values()) == links


# --- gone upstream --------------------------------------------------------------------------

def test_a_series_gone_with_a_date_to_come_is_cancelled_once_and_comes_back(subscription,
                                                                             torino):
    kept, _report = apply(subscription, master(sequence=5))
    series = kept[WEEKLY]
    date_of(series, torino, ends_at=NOW + dt.timedelta(minutes=1))
    kept, report = apply(subscription)
    assert kept == {}
    assert counts(report) == (0, 0, 1, 0, 0, 0, 0, 0)
    series.refresh_from_db()
    assert (series.cancelled, series.sequence) == (True, 6)
    link = ImportedSeries.objects.get()
    assert (link.gone, link.content_hash, link.sequence) == (True, "", 5)
    # Still gone at the next sync: not cancelled again, its SEQUENCE stays.
    kept, report = apply(subscription, now=NOW + dt.timedelta(seconds=30))
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)
    series.refresh_from_db()
    assert (series.cancelled, series.sequence) == (True, 6)
    # Back with the SEQUENCE it left with: above ours, so calendars take the return.
    kept, report = apply(subscription, master(sequence=5))
    assert counts(report) == (0, 1, 0, 0, 0, 0, 0, 0)
    series.refresh_from_db()
    assert kept[WEEKLY].pk == series.pk
    assert (series.cancelled, series.sequence) == (False, 7)
    link.refresh_from_db()
    assert (link.gone, link.sequence) == (False, 5) and len(link.content_hash) == 64
    # Back again unchanged: nothing to write.
    _kept, report = apply(subscription, master(sequence=5))
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)


def test_a_series_changed_after_its_return_never_goes_below_our_sequence(subscription,
                                                                         torino):
    """After a return our SEQUENCE is ahead of the origin's (7 for its 5): an edit upstream
    with 5 or 6 must still go above 7, or calendars that saw 7 take the edit for an older
    copy and ignore it (as the dates do: services._update)."""
    kept, _report = apply(subscription, master(sequence=5))
    date_of(kept[WEEKLY], torino, ends_at=NOW + DAY)
    apply(subscription)
    apply(subscription, master(sequence=5))
    assert EventSeries.objects.get().sequence == 7
    _kept, report = apply(subscription, master(sequence=5, title="Aperitivo (alle 19)"))
    series = EventSeries.objects.get()
    assert (report.series_updated, series.sequence, series.title) == (
        1, 8, "Aperitivo (alle 19)")
    _kept, report = apply(subscription, master(sequence=6, title="Aperitivo (alle 20)"))
    series.refresh_from_db()
    assert (report.series_updated, series.sequence) == (1, 9)
    assert ImportedSeries.objects.get().sequence == 6  # the origin's, for the stale check
    # Once the origin's is above ours again, it is the origin's.
    apply(subscription, master(sequence=12))
    series.refresh_from_db()
    assert series.sequence == 12


@pytest.mark.parametrize("back, ours", [(11, 11), (6, 7)])
def test_a_series_back_with_a_sequence_not_below_ours_goes_above_ours(subscription, torino,
                                                                      back, ours):
    """Cancelled as gone, ours is 6: back with 11, it is the origin's; back with 6 (the
    origin bumped it too), 7, above the cancellation calendars saw."""
    kept, _report = apply(subscription, master(sequence=5))
    date_of(kept[WEEKLY], torino, ends_at=NOW + DAY)
    apply(subscription)
    assert EventSeries.objects.get().sequence == 6
    _kept, report = apply(subscription, master(sequence=back))
    series = EventSeries.objects.get()
    assert (report.series_updated, series.sequence, series.cancelled) == (1, ours, False)


def test_a_series_gone_whose_dates_here_are_over_is_left_as_it_was(subscription, torino):
    kept, _report = apply(subscription, master("over@cal.example"), master())
    over, staying = kept["over@cal.example"], kept[WEEKLY]
    # Its last date ends exactly now; a date of another series and a single event are ahead.
    date_of(over, torino, ends_at=NOW)
    date_of(staying, torino, ends_at=NOW + DAY)
    make_event(torino, starts_at=NOW + DAY, ends_at=NOW + 2 * DAY)
    _kept, report = apply(subscription, master())
    assert counts(report) == (0, 0, 0, 0, 0, 0, 0, 0)
    over.refresh_from_db()
    assert (over.cancelled, over.sequence) == (False, 4)
    assert ImportedSeries.objects.get(uid="over@cal.example").gone is False


def test_a_series_already_gone_is_passed_over_not_the_ones_after_it(subscription, torino):
    # The link of a series cancelled earlier, written first, then a live one.
    earlier = EventSeries.objects.create(
        uid="earlier@import.espresso", space=torino, title="Earlier", rrule="FREQ=DAILY",
        first_starts_at=NOW - 30 * DAY, time_zone="Europe/Rome", sequence=3, cancelled=True,
        origin={"uid": "earlier@cal.example"})
    ImportedSeries.objects.create(subscription=subscription, series=earlier,
                                  uid="earlier@cal.example", sequence=2, content_hash="",
                                  gone=True)
    date_of(earlier, torino, ends_at=NOW + DAY)
    kept, _report = apply(subscription, master())
    date_of(kept[WEEKLY], torino, ends_at=NOW + DAY)
    _kept, report = apply(subscription)
    assert report.series_cancelled == 1
    earlier.refresh_from_db()
    assert (earlier.cancelled, earlier.sequence) == (True, 3)
    assert EventSeries.objects.get(pk=kept[WEEKLY].pk).cancelled is True


def test_two_series_gone_are_counted_two(subscription, torino):
    kept, _report = apply(subscription, master(), master("monthly@cal.example"))
    for series in kept.values():
        date_of(series, torino, ends_at=NOW + DAY)
    _kept, report = apply(subscription)
    assert counts(report) == (0, 0, 2, 0, 0, 0, 0, 0)
    assert list(EventSeries.objects.values_list("cancelled", "sequence")) == [(True, 5)] * 2


# --- expansion ------------------------------------------------------------------------------

INTERVAL = dt.timedelta(hours=24)


def imported_date(subscription, torino, *, recurrence_id: str, gone: bool = False):
    event = make_event(torino, starts_at=NOW + DAY, ends_at=NOW + DAY + dt.timedelta(hours=2))
    return ImportedEvent.objects.create(subscription=subscription, event=event,
                                        uid=f"u{event.pk}@cal.example",
                                        recurrence_id=recurrence_id, sequence=0,
                                        content_hash="h", gone=gone)


def test_expansion_is_due_once_the_interval_has_passed_for_a_subscription_with_a_series(
        subscription):
    apply(subscription, master())
    subscription.expanded_at = None
    assert series_expansion_due(subscription, NOW, INTERVAL) is True
    subscription.expanded_at = NOW - INTERVAL + dt.timedelta(microseconds=1)
    assert series_expansion_due(subscription, NOW, INTERVAL) is False
    subscription.expanded_at = NOW - INTERVAL
    assert series_expansion_due(subscription, NOW, INTERVAL) is True


def test_expansion_is_not_due_without_a_live_series_or_recurring_date_of_its_own(
        subscription, torino):
    assert series_expansion_due(subscription, NOW, INTERVAL) is False
    # A series gone upstream, a single event, a recurring date gone upstream.
    kept, _report = apply(subscription, master())
    date_of(kept[WEEKLY], torino, ends_at=NOW + DAY)
    apply(subscription)
    imported_date(subscription, torino, recurrence_id="")
    imported_date(subscription, torino, recurrence_id="20261013T163000Z", gone=True)
    # Another subscription's live series and recurring date.
    other = CalendarSubscription.objects.create(space=torino, url="https://cal.example/b.ics")
    apply(other, master())
    imported_date(other, torino, recurrence_id="20261013T163000Z")
    assert series_expansion_due(subscription, NOW, INTERVAL) is False
    assert series_expansion_due(other, NOW, INTERVAL) is True


def test_expansion_is_due_for_recurring_dates_imported_without_their_series(subscription,
                                                                            torino):
    imported_date(subscription, torino, recurrence_id="20261013T163000Z")
    assert series_expansion_due(subscription, NOW, INTERVAL) is True
    subscription.expanded_at = NOW - dt.timedelta(hours=1)
    assert series_expansion_due(subscription, NOW, INTERVAL) is False
