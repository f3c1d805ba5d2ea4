"""events.services.series pinned exactly (issue 14, mutation testing): every column a new
series and its pages get, each refusal's sentence and boundary, all or nothing, the rule's
end rewritten, and what a rule change keeps, moves, deletes, detaches and splits."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from wagtail.models import PageLogEntry
from wagtail.rich_text import RichText

from events.models import EventPage, EventSeries
from events.recurrence import SeriesInvalid, occurrence_starts
from events.services import registration_create, series_create, series_rule_change
from events.services.series import _rule_ending, _validated
from network.models import SpacePage
from tests.events.registration_factories import UserFactory, make_organiser, space_in
from tests.events.test_translations import translate

ROME = ZoneInfo("Europe/Rome")
UTC = dt.UTC
WEEK = dt.timedelta(days=7)
pytestmark = pytest.mark.django_db


def t0() -> dt.datetime:
    """A Tuesday 18:30 in Rome in June next year (no change of clocks for weeks around)."""
    day = dt.date(dt.date.today().year + 1, 6, 1)
    day += dt.timedelta(days=(1 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(18, 30), ROME)


@pytest.fixture
def space(site_tree) -> SpacePage:
    return space_in(site_tree, "Cowo Roma", time_zone="Europe/Rome")


def weekly(space, count=4, *, title="Aperitivo", exceptions=(), user=None, **fields):
    return series_create(space, title=title, first_start=t0(), duration=dt.timedelta(hours=2),
                         rrule=f"FREQ=WEEKLY;COUNT={count}", exceptions=exceptions,
                         fields=fields, user=user)


def pages(series) -> list[EventPage]:
    return list(EventPage.objects.filter(series=series).order_by("recurrence_id"))


def weeks(space) -> dict[int, EventPage]:
    """Every original page of the space's series by its week after t0."""
    return {(p.recurrence_id - t0()) // WEEK: p
            for p in EventPage.objects.filter(space=space, locale__language_code="en")
            .exclude(recurrence_id=None)}


# series_create --------------------------------------------------------------------------


def test_a_new_series_and_its_pages_get_every_column(space):
    organiser = make_organiser(space)
    start = t0()
    series = series_create(
        space, title="  Aperitivo\n del  martedì ☕ ", first_start=start,
        duration=dt.timedelta(hours=2), rrule="freq=weekly;count=3",
        exceptions=[(start + WEEK).date()], user=organiser,
        fields={"capacity": 7, "price_credits": 3, "room": "Sala Nord", "format": "meetup"})

    series.refresh_from_db()
    assert (series.space_id, series.title, series.rrule, series.first_starts_at,
            series.time_zone, series.created_by, series.sequence, series.origin) == (
        space.pk, "Aperitivo del martedì ☕", "FREQ=WEEKLY;COUNT=3", start, "Europe/Rome",
        organiser, 0, {})
    assert series.exdates == [(start + WEEK).astimezone(UTC).isoformat()]
    first, third = pages(series)
    for page, when in ((first, start), (third, start + 2 * WEEK)):
        assert (page.title, page.starts_at, page.ends_at, page.time_zone, page.recurrence_id,
                page.live, page.capacity, page.price_credits, page.room, page.format) == (
            "Aperitivo del martedì ☕", when, when + dt.timedelta(hours=2), "Europe/Rome", when,
            True, 7, 3, "Sala Nord", "meetup")
        assert page.get_parent().pk == space.pk
        assert page.slug == f"aperitivo-del-martedi-{when:%Y-%m-%d}"
        revision = page.latest_revision
        assert (revision.user, page.live_revision_id) == (organiser, revision.pk)
        assert PageLogEntry.objects.filter(page=page, action="wagtail.publish",
                                           user=organiser).count() == 1
        assert PageLogEntry.objects.filter(page=page, action="wagtail.edit",
                                           user=organiser).exists()


def test_the_slug_takes_the_local_date_not_the_utc_one(space):
    late = t0().replace(hour=0, minute=30)  # 22:30 UTC the day before
    series = series_create(space, title="Notte", first_start=late, duration=dt.timedelta(hours=1),
                           rrule="FREQ=WEEKLY;COUNT=1")
    assert pages(series)[0].slug == f"notte-{late:%Y-%m-%d}"


def test_the_first_start_is_the_rules_first_even_when_that_date_is_an_exception(space):
    series = weekly(space, 3, exceptions=[t0().date()])
    assert series.first_starts_at == t0()
    assert [p.starts_at for p in pages(series)] == [t0() + WEEK, t0() + 2 * WEEK]
    assert series.exdates == [t0().astimezone(UTC).isoformat()]


def test_a_long_title_is_cut_at_255_and_its_slug_at_60(space):
    series = weekly(space, 1, title="a" * 300)
    (page,) = pages(series)
    assert (series.title, page.title) == ("a" * 255, "a" * 255)
    assert page.slug == "a" * 60 + f"-{t0():%Y-%m-%d}"


def test_a_title_without_letters_for_a_slug_gets_event_and_taken_slugs_get_numbers(space):
    first = weekly(space, 1, title="☕☕")
    second = weekly(space, 1, title="☕ ☕")
    third = weekly(space, 1, title="☕")
    day = f"{t0():%Y-%m-%d}"
    assert [pages(s)[0].slug for s in (first, second, third)] == [
        f"event-{day}", f"event-{day}-2", f"event-{day}-3"]


def test_unknown_fields_are_named_in_order_and_nothing_is_created(space):
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, zeta=1, alpha=2, capacity=3)
    assert str(error.value) == "Unknown event fields: alpha, zeta."
    assert (EventSeries.objects.count(), EventPage.objects.count()) == (0, 0)


@pytest.mark.parametrize("title", ["", "  \n\t ", None])
def test_a_series_without_a_title_is_refused(space, title):
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, title=title)
    assert str(error.value) == "Give the series a title."
    assert EventSeries.objects.count() == 0


@pytest.mark.parametrize("first_start", [
    dt.datetime(2031, 6, 3, 18, 30),
    dt.datetime(2031, 6, 3, 18, 30, tzinfo=UTC),
    dt.datetime(2031, 6, 3, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
])
def test_a_first_start_without_a_named_zone_is_refused(space, first_start):
    with pytest.raises(SeriesInvalid) as error:
        series_create(space, title="X", first_start=first_start, duration=dt.timedelta(hours=1),
                      rrule="FREQ=WEEKLY;COUNT=2")
    assert str(error.value) == "The first start needs a time zone."
    assert EventSeries.objects.count() == 0


@pytest.mark.parametrize("duration", [
    dt.timedelta(0), dt.timedelta(hours=-1), dt.timedelta(days=14, seconds=1)])
def test_a_duration_of_nothing_or_over_14_days_is_refused(space, duration):
    with pytest.raises(SeriesInvalid) as error:
        series_create(space, title="X", first_start=t0(), duration=duration,
                      rrule="FREQ=MONTHLY;COUNT=2")
    assert str(error.value) == "Each occurrence lasts more than nothing and at most 14 days."
    assert EventSeries.objects.count() == 0


def test_exactly_14_days_and_one_second_are_accepted(space):
    for duration in (dt.timedelta(days=14), dt.timedelta(seconds=1)):
        series = series_create(space, title=f"X {duration}", first_start=t0(),
                               duration=duration, rrule="FREQ=MONTHLY;COUNT=1")
        (page,) = pages(series)
        assert page.ends_at - page.starts_at == duration


def test_a_rule_that_gives_no_date_is_refused(space):
    with pytest.raises(SeriesInvalid) as error:
        series_create(space, title="X", first_start=t0(), duration=dt.timedelta(hours=1),
                      rrule="FREQ=WEEKLY;UNTIL=20200101T000000Z")
    assert str(error.value) == "The repeat rule gives no date."
    assert EventSeries.objects.count() == 0


def test_the_earliest_exception_outside_the_series_is_named(space):
    late, early = t0().date() + dt.timedelta(days=40), t0().date() + dt.timedelta(days=1)
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, 3, exceptions=[late, t0().date(), early])
    assert str(error.value) == f"{early.isoformat()} is not a date of the series."
    assert EventSeries.objects.count() == 0


def test_every_date_an_exception_is_refused(space):
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, 2, exceptions=[t0().date(), (t0() + WEEK).date()])
    assert str(error.value) == "Every date of the series is an exception."
    assert EventSeries.objects.count() == 0


def test_the_page_errors_are_joined_into_one_sentence_and_nothing_is_created(space):
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, capacity=0, price_credits=2_000_000)
    assert str(error.value) == ("Ensure this value is greater than or equal to 1. "
                                "Ensure this value is less than or equal to 1000000.")
    assert (EventSeries.objects.count(), EventPage.objects.count()) == (0, 0)


def test_a_page_error_from_clean_is_refused_too(space):
    with pytest.raises(SeriesInvalid) as error:
        weekly(space, price_credits=5, guests_allowed=True)
    assert str(error.value) == "Only free events can accept guests without an account."
    assert EventSeries.objects.count() == 0


def test_a_failure_on_the_third_page_leaves_nothing(space, monkeypatch):
    calls = []
    add_child = SpacePage.add_child

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return add_child(self, *args, **kwargs)

    monkeypatch.setattr(SpacePage, "add_child", failing)
    with pytest.raises(RuntimeError):
        weekly(space, 4)
    assert (EventSeries.objects.count(), EventPage.objects.count()) == (0, 0)


# _rule_ending ---------------------------------------------------------------------------


def test_rule_ending_replaces_a_count_with_a_count():
    assert _rule_ending("FREQ=WEEKLY;COUNT=6;BYDAY=TU", count=2) == "FREQ=WEEKLY;BYDAY=TU;COUNT=2"


def test_rule_ending_replaces_an_until_with_a_count_and_drops_empty_parts():
    assert (_rule_ending("FREQ=MONTHLY;;UNTIL=20300101T000000Z;", count=5)
            == "FREQ=MONTHLY;COUNT=5")


def test_rule_ending_writes_until_in_utc():
    until = dt.datetime(2031, 6, 3, 18, 30, 15, tzinfo=ROME)
    assert (_rule_ending("FREQ=WEEKLY;COUNT=6", until=until)
            == "FREQ=WEEKLY;UNTIL=20310603T163015Z")


def test_rule_ending_replaces_an_until_with_an_until():
    until = dt.datetime(2031, 1, 7, 9, 0, tzinfo=UTC)
    assert (_rule_ending("FREQ=WEEKLY;UNTIL=20300101T000000Z;INTERVAL=2", until=until)
            == "FREQ=WEEKLY;INTERVAL=2;UNTIL=20310107T090000Z")


@pytest.mark.parametrize("rule", [
    "FREQ=WEEKLY;COUNT=9", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=9",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,MO,SA;WKST=SU;COUNT=12",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20300101T000000Z", "FREQ=MONTHLY;COUNT=14",
    "FREQ=MONTHLY;INTERVAL=2;COUNT=9", "FREQ=MONTHLY;BYDAY=-1TH;COUNT=7",
    "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1;COUNT=8",
    "FREQ=MONTHLY;BYMONTHDAY=1,15,31;BYSETPOS=-1;INTERVAL=3;COUNT=8",
])
@pytest.mark.parametrize("first", [
    dt.datetime(2027, 1, 31, 18, 30, tzinfo=ROME),  # a 31st, winter time
    dt.datetime(2027, 3, 23, 2, 30, tzinfo=ROME),  # 02:30: missing on the day clocks go on
])
def test_a_rule_continued_from_any_future_date_gives_exactly_the_later_dates(rule, first):
    """What a split relies on: the new series (DTSTART its first future date, COUNT the
    future dates) expands to exactly the dates the rule has after `now`."""
    starts = occurrence_starts(first, rule)
    assert len(starts) > 3
    for cut in range(1, len(starts)):
        future = starts[cut:]
        continued = _rule_ending(rule, count=len(future)) if "COUNT=" in rule else rule
        assert occurrence_starts(future[0], continued) == future, (rule, cut)


# series_rule_change: refusals --------------------------------------------------------------


def test_an_imported_series_is_refused(space):
    series = weekly(space, 3)
    EventSeries.objects.filter(pk=series.pk).update(origin={"uid": "elsewhere@example.org"})
    series.refresh_from_db()
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=5", now=t0() - WEEK)
    assert str(error.value) == ("This series is imported from another calendar: change it "
                                "there.")
    assert len(pages(series)) == 3


@pytest.mark.parametrize("now", [
    lambda: t0() + 2 * WEEK,  # the last date starts exactly now: it has begun
    lambda: t0() + 3 * WEEK,
])
def test_a_rule_with_no_future_date_is_refused(space, now):
    series = weekly(space, 3)
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", now=now())
    assert str(error.value) == "The repeat rule gives no future date."
    series.refresh_from_db()
    assert (series.sequence, EventSeries.objects.count()) == (0, 1)


def test_the_earliest_exception_outside_the_future_dates_is_named(space):
    series = weekly(space, 4)
    past, stray = t0().date(), (t0() + WEEK).date() + dt.timedelta(days=1)
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4",
                           exceptions=[stray, past, (t0() + 2 * WEEK).date()],
                           now=t0() + dt.timedelta(hours=1))
    assert str(error.value) == f"{past.isoformat()} is not a future date of the series."


def test_an_exception_with_registrations_names_its_day(space):
    series = weekly(space, 4)
    registration_create(weeks(space)[2], user=UserFactory())
    day = (t0() + 2 * WEEK).date()
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4", exceptions=[day],
                           now=t0() - WEEK)
    assert str(error.value) == (f"{day.isoformat()} cannot be left out: people are "
                                "registered for it.")
    series.refresh_from_db()
    assert (series.sequence, series.exdates, len(pages(series))) == (0, [], 4)


def test_a_registered_exception_is_found_and_named_in_the_series_zone(space):
    # 20:00 in Los Angeles is already the next day in Rome and in UTC
    first = dt.datetime(t0().year, 6, 1, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    series = series_create(space, title="West", first_start=first,
                           duration=dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=3")
    registration_create(pages(series)[1], user=UserFactory())
    day = (first + WEEK).date()
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", exceptions=[day],
                           now=first - WEEK)
    assert str(error.value) == (f"{day.isoformat()} cannot be left out: people are "
                                "registered for it.")


def test_a_series_whose_pages_are_all_gone_is_refused(space):
    series = weekly(space, 2)
    for page in pages(series):
        page.delete()
    with pytest.raises(SeriesInvalid) as error:
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4", now=t0() - WEEK)
    assert str(error.value) == "The series has no date left to copy from."
    series.refresh_from_db()
    assert (series.rrule, series.sequence) == ("FREQ=WEEKLY;COUNT=2", 0)


# series_rule_change: no date begun (the same series) ---------------------------------------


def test_a_change_before_any_date_keeps_the_series_and_raises_its_sequence(space):
    organiser = make_organiser(space)
    series = weekly(space, 3)
    before = weeks(space)
    change = series_rule_change(series, rrule="freq=weekly;count=5", user=organiser,
                                now=t0() - WEEK)
    series.refresh_from_db()
    assert change.series.pk == series.pk and EventSeries.objects.count() == 1
    assert (series.rrule, series.sequence, series.first_starts_at, series.exdates) == (
        "FREQ=WEEKLY;COUNT=5", 1, t0(), [])
    after = weeks(space)
    assert {w: after[w].pk for w in range(3)} == {w: before[w].pk for w in range(3)}
    assert [p.starts_at for p in change.created] == [t0() + 3 * WEEK, t0() + 4 * WEEK]
    assert (change.deleted, change.kept, change.detached) == ([], [], [])
    for page in change.created:
        page.refresh_from_db()
        assert (page.series_id, page.live, page.recurrence_id, page.latest_revision.user) == (
            series.pk, True, page.starts_at, organiser)
        assert PageLogEntry.objects.filter(page=page, action="wagtail.publish",
                                           user=organiser).count() == 1
        assert PageLogEntry.objects.filter(page=page, action="wagtail.edit",
                                           user=organiser).count() == 1


def test_a_date_added_to_a_series_in_another_zone_keeps_that_zone(space):
    zone = ZoneInfo("America/Los_Angeles")
    first = dt.datetime(t0().year, 6, 1, 20, 0, tzinfo=zone)
    series = series_create(space, title="West", first_start=first,
                           duration=dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=2")
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", now=first - WEEK)
    (created,) = change.created
    created.refresh_from_db()
    assert (created.time_zone, created.starts_at, created.slug) == (
        "America/Los_Angeles", first + 2 * WEEK, f"west-{first + 2 * WEEK:%Y-%m-%d}")


def test_with_the_first_date_left_out_the_series_starts_at_its_first_future_date(space):
    series = weekly(space, 4, exceptions=[t0().date()])
    # now is after the left-out first date: no page has begun, so no split
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4",
                                now=t0() + dt.timedelta(days=1))
    series.refresh_from_db()
    assert change.series.pk == series.pk and EventSeries.objects.count() == 1
    assert (series.first_starts_at, series.rrule, series.exdates) == (
        t0() + WEEK, "FREQ=WEEKLY;COUNT=3", [])
    assert [p.starts_at for p in pages(series)] == [t0() + w * WEEK for w in (1, 2, 3)]
    assert change.created == [] and change.deleted == []


def test_registered_dates_the_rule_keeps_are_reported_as_kept(space):
    series = weekly(space, 4)
    registered = weeks(space)[1]
    registration_create(registered, user=UserFactory())
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", now=t0() - WEEK)
    assert [p.pk for p in change.kept] == [registered.pk] and change.detached == []
    assert change.deleted == [t0() + 3 * WEEK]


def test_a_registered_date_the_rule_drops_becomes_a_single_event(space):
    series = weekly(space, 4)
    dropped = weeks(space)[3]
    registration_create(dropped, user=UserFactory())
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=2", now=t0() - WEEK)
    dropped.refresh_from_db()
    assert (dropped.series_id, dropped.recurrence_id, dropped.live) == (None, None, True)
    assert [p.pk for p in change.kept] == [p.pk for p in change.detached] == [dropped.pk]
    assert change.deleted == [t0() + 2 * WEEK]
    assert not EventPage.objects.filter(series=series, starts_at=t0() + 2 * WEEK).exists()


def test_a_left_out_future_date_becomes_an_exdate_in_utc(space):
    series = weekly(space, 4)
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4",
                                exceptions=[(t0() + 3 * WEEK).date()], now=t0() - WEEK)
    series.refresh_from_db()
    assert series.exdates == [(t0() + 3 * WEEK).astimezone(UTC).isoformat()]
    assert change.deleted == [t0() + 3 * WEEK]
    assert [p.starts_at for p in pages(series)] == [t0() + w * WEEK for w in range(3)]


def test_a_series_without_a_space_takes_the_latest_dates_parent(space):
    series = weekly(space, 2)
    EventSeries.objects.filter(pk=series.pk).update(space=None)
    series.refresh_from_db()
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", now=t0() - WEEK)
    (created,) = change.created
    assert created.get_parent().pk == space.pk


# series_rule_change: some dates begun (a split) ----------------------------------------------


def test_a_split_copies_the_latest_dates_fields_and_description(space):
    organiser = make_organiser(space)
    series = weekly(space, 3, capacity=5, room="Sala", price_credits=2, user=organiser)
    latest = weeks(space)[2]
    latest = EventPage.objects.get(pk=latest.pk).get_latest_revision_as_object()
    latest.capacity, latest.room, latest.summary = 9, "Terrazza", "Con vista"
    latest.ends_at = latest.starts_at + dt.timedelta(hours=3)
    latest.body = [("text", RichText("<p>Porta un amico</p>"))]
    latest.save_revision().publish()

    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=5", user=organiser,
                                now=t0() + dt.timedelta(days=1))
    assert [p.starts_at for p in change.created] == [t0() + 3 * WEEK, t0() + 4 * WEEK]
    for page in change.created:
        page = EventPage.objects.get(pk=page.pk)
        assert (page.capacity, page.room, page.summary, page.price_credits,
                page.ends_at - page.starts_at, page.series_id, page.title) == (
            9, "Terrazza", "Con vista", 2, dt.timedelta(hours=3), change.series.pk,
            "Aperitivo")
        assert page.body.raw_data[0]["type"] == "text"
        assert "Porta un amico" in page.body.raw_data[0]["value"]


def test_a_split_ends_the_old_series_and_starts_a_new_one(space):
    organiser = make_organiser(space)
    series = weekly(space, 4, exceptions=[(t0() + 2 * WEEK).date()])
    before = weeks(space)
    now = t0() + WEEK + dt.timedelta(hours=1)  # two dates begun, the left-out 3rd is future
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4", user=organiser, now=now)

    series.refresh_from_db()
    last = (t0() + WEEK).astimezone(UTC)
    assert (series.rrule, series.sequence, series.exdates, series.first_starts_at) == (
        f"FREQ=WEEKLY;UNTIL={last:%Y%m%dT%H%M%SZ}", 1, [], t0())
    new = change.series
    new.refresh_from_db()
    assert new.pk != series.pk and new.uid != series.uid
    assert (new.space_id, new.title, new.rrule, new.first_starts_at, new.time_zone,
            new.created_by, new.sequence, new.exdates) == (
        space.pk, "Aperitivo", "FREQ=WEEKLY;COUNT=2", t0() + 2 * WEEK, "Europe/Rome",
        organiser, 0, [])
    after = weeks(space)
    assert [after[w].series_id for w in (0, 1)] == [series.pk, series.pk]
    assert [after[w].pk for w in (0, 1)] == [before[w].pk for w in (0, 1)]
    assert after[3].pk == before[3].pk and after[3].series_id == new.pk
    assert [p.starts_at for p in change.created] == [t0() + 2 * WEEK]
    assert change.created[0].series_id == new.pk


def test_a_split_keeps_an_until_rule_as_it_is(space):
    series = series_create(space, title="Mensile", first_start=t0(),
                           duration=dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=3")
    until = (t0() + 4 * WEEK).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    change = series_rule_change(series, rrule=f"FREQ=WEEKLY;UNTIL={until}",
                                now=t0() + dt.timedelta(hours=1))
    assert change.series.rrule == f"FREQ=WEEKLY;UNTIL={until}"
    assert change.series.first_starts_at == t0() + WEEK
    assert [p.starts_at for p in change.created] == [t0() + 3 * WEEK, t0() + 4 * WEEK]


def test_the_old_series_keeps_only_the_exdates_up_to_its_last_begun_date(space):
    series = weekly(space, 5, exceptions=[(t0() + WEEK).date(), (t0() + 3 * WEEK).date()])
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=5",
                                exceptions=[(t0() + 3 * WEEK).date()],
                                now=t0() + 2 * WEEK + dt.timedelta(hours=1))
    series.refresh_from_db()
    assert series.exdates == [(t0() + WEEK).astimezone(UTC).isoformat()]
    assert change.series.exdates == [(t0() + 3 * WEEK).astimezone(UTC).isoformat()]
    assert change.series.rrule == "FREQ=WEEKLY;COUNT=2"


def test_a_date_moved_before_now_has_begun_and_is_an_exdate_of_the_new_series(space):
    series = weekly(space, 4)
    moved = weeks(space)[2]
    EventPage.objects.filter(pk=moved.pk).update(starts_at=t0() + dt.timedelta(days=2),
                                                 ends_at=t0() + dt.timedelta(days=2, hours=2))
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4",
                                now=t0() + dt.timedelta(days=3))
    moved.refresh_from_db()
    assert moved.series_id == series.pk  # begun: stays in the old series
    key = (t0() + 2 * WEEK).astimezone(UTC)
    assert change.series.exdates == [key.isoformat()]
    assert change.created == [] and change.deleted == []
    assert EventPage.objects.filter(recurrence_id=t0() + 2 * WEEK).count() == 1
    series.refresh_from_db()
    assert series.rrule == f"FREQ=WEEKLY;UNTIL={key:%Y%m%dT%H%M%SZ}"


def test_a_date_moved_later_whose_own_date_has_begun_is_left_alone(space):
    series = weekly(space, 4)
    moved = weeks(space)[1]
    EventPage.objects.filter(pk=moved.pk).update(starts_at=t0() + 3 * WEEK - dt.timedelta(days=1),
                                                 ends_at=t0() + 3 * WEEK - dt.timedelta(hours=20))
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3",
                                now=t0() + WEEK + dt.timedelta(hours=1))
    moved.refresh_from_db()
    assert moved.series_id == series.pk and moved.recurrence_id == t0() + WEEK
    assert change.deleted == [t0() + 3 * WEEK]
    assert [p.starts_at for p in pages(change.series)] == [t0() + 2 * WEEK]


def test_translations_follow_their_original(space):
    series = weekly(space, 4)
    originals = weeks(space)
    italian = {w: translate(originals[w], "it", title=f"Aperitivo {w}") for w in (1, 2, 3)}
    registration_create(originals[3], user=UserFactory())
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=2",
                                now=t0() + dt.timedelta(hours=1))
    # week 1 moves to the new series with its translation; week 2 is deleted with its
    # translation; week 3 (registered) is detached with its translation
    moved = EventPage.objects.get(pk=italian[1].pk)
    assert moved.series_id == change.series.pk == EventPage.objects.get(
        pk=originals[1].pk).series_id
    assert not EventPage.objects.filter(pk__in=[originals[2].pk, italian[2].pk]).exists()
    for page in (originals[3], italian[3]):
        page = EventPage.objects.get(pk=page.pk)
        assert (page.series_id, page.recurrence_id) == (None, None)
    assert [p.pk for p in change.detached] == [originals[3].pk]
    assert change.deleted == [t0() + 2 * WEEK]


def test_a_split_series_is_not_changed_again(space):
    series = weekly(space, 4)
    now = t0() + dt.timedelta(hours=1)
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=6", now=now)
    series.refresh_from_db()
    assert series.continued_as_id == change.series.pk
    assert change.series.continued_as_id is None
    rows = sorted(EventPage.objects.values_list("pk", "series_id", "starts_at"))
    with pytest.raises(SeriesInvalid) as error:  # a replay: the later dates exist already
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=6", now=now)
    assert str(error.value) == ("This series was split: its later dates belong to the series "
                                "that continues it. Change the rule there.")
    assert sorted(EventPage.objects.values_list("pk", "series_id", "starts_at")) == rows
    assert EventSeries.objects.count() == 2
    # the series that continues it can be changed
    again = series_rule_change(change.series, rrule="FREQ=WEEKLY;COUNT=6", now=now)
    assert again.series.pk == change.series.pk
    assert [p.starts_at for p in again.created] == [t0() + 6 * WEEK]


def test_the_old_series_sequence_grows_from_where_it_was_when_it_splits(space):
    series = weekly(space, 4)
    series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=5", now=t0() - WEEK)
    series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=6", now=t0() - WEEK)
    series.refresh_from_db()
    assert series.sequence == 2
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=6",
                                now=t0() + dt.timedelta(hours=1))
    series.refresh_from_db()
    assert (series.sequence, change.series.sequence) == (3, 0)


def test_a_date_moved_to_start_exactly_now_has_begun(space):
    series = weekly(space, 4)
    now = t0() + dt.timedelta(days=3)
    moved = weeks(space)[2]
    EventPage.objects.filter(pk=moved.pk).update(starts_at=now, ends_at=now + WEEK / 7)
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4", now=now)
    moved.refresh_from_db()
    assert moved.series_id == series.pk != change.series.pk
    assert change.series.exdates == [(t0() + 2 * WEEK).astimezone(UTC).isoformat()]


def test_a_date_whose_own_start_is_exactly_now_has_begun_even_if_moved_later(space):
    series = weekly(space, 4)
    now = t0() + WEEK
    moved = weeks(space)[1]
    EventPage.objects.filter(pk=moved.pk).update(starts_at=now + dt.timedelta(days=1),
                                                 ends_at=now + dt.timedelta(days=1, hours=2))
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=4", now=now)
    moved.refresh_from_db()
    assert (moved.series_id, moved.recurrence_id) == (series.pk, now)
    assert change.deleted == [] and change.detached == []
    assert [p.starts_at for p in pages(change.series)] == [t0() + 2 * WEEK, t0() + 3 * WEEK]


def test_a_new_date_whose_slug_is_taken_in_the_space_gets_a_number(space):
    series = weekly(space, 4)
    other = series_create(space, title="Aperitivo", first_start=t0() + 4 * WEEK,
                          duration=dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=1")
    (taken,) = pages(other)
    change = series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=5", now=t0() - WEEK)
    (created,) = change.created
    assert taken.slug == f"aperitivo-{t0() + 4 * WEEK:%Y-%m-%d}"
    assert created.slug == f"{taken.slug}-2"


def test_checking_the_pages_reads_no_row_for_their_fixed_fields(space, django_assert_num_queries):
    """The page type and locale are set when a page is built: checking them would cost a
    query per date of the series."""
    page = EventPage(title="X", slug="x", starts_at=t0(), ends_at=t0() + WEEK / 7,
                     time_zone="Europe/Rome")
    with django_assert_num_queries(0):
        _validated(page)
