"""Changing a series' rule after it was created (events.services.series_rule_change and the
admin form): past dates are never touched; future dates without registrations follow the
new rule; future dates with registrations are kept (and, when the new rule no longer has
them, become single events); the calendar never shows a date that has no page; local times
hold across the change to winter time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from events.models import EventPage, EventSeries
from events.recurrence import SeriesInvalid, rrule_build
from events.services import registration_create, series_create, series_rule_change
from tests.events.registration_factories import UserFactory, make_organiser, space_in

ROME = ZoneInfo("Europe/Rome")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def first_tuesday() -> dt.datetime:
    """A Tuesday 18:30 in Rome 12 days before the last Sunday of October (winter time starts
    between the 2nd and the 3rd Tuesday), next year."""
    year = dt.date.today().year + 1
    last_sunday = max(dt.date(year, 10, d) for d in range(25, 32)
                      if dt.date(year, 10, d).weekday() == 6)
    return dt.datetime.combine(last_sunday - dt.timedelta(days=12), dt.time(18, 30), ROME)


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, "Cowo Roma", time_zone="Europe/Rome")


@pytest.fixture
def series(space) -> EventSeries:
    return series_create(space, title="Aperitivo del martedì", first_start=first_tuesday(),
                         duration=dt.timedelta(hours=2),
                         rrule=rrule_build(freq="WEEKLY", count=6, weekdays=["TU"]),
                         fields={"capacity": 5, "language": "it", "format": "meetup"})


def by_day(series: EventSeries) -> dict[int, EventPage]:
    """The pages of the series (and of any series split from it in the same space) by their
    day offset from the first Tuesday."""
    t0 = first_tuesday()
    return {(page.recurrence_id.astimezone(ROME).date() - t0.date()).days: page
            for page in EventPage.objects.filter(series__space=series.space_id)}


def test_a_new_rule_regenerates_future_dates_and_keeps_past_and_registered_ones(series):
    t0 = first_tuesday()
    now = t0 + dt.timedelta(days=8)  # the first two Tuesdays have taken place
    before = by_day(series)
    registration_create(before[21], user=UserFactory())  # the 4th Tuesday has a registration

    change = series_rule_change(series, rrule=rrule_build(freq="WEEKLY", count=6,
                                                          weekdays=["TH"]), now=now)

    after = by_day(series)
    # Past Tuesdays untouched (same pages, same times), in the old series, which now ends
    # with them; the future is a new series starting on the first future Thursday.
    assert {0: after[0].pk, 7: after[7].pk} == {0: before[0].pk, 7: before[7].pk}
    assert {after[0].series_id, after[7].series_id} == {series.pk}
    series.refresh_from_db()
    until = before[7].recurrence_id.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert (series.rrule, series.sequence) == (f"FREQ=WEEKLY;BYDAY=TU;UNTIL={until}", 1)
    new = change.series
    assert new.pk != series.pk and new.uid != series.uid
    assert (new.rrule, new.first_starts_at, new.exdates) == (
        "FREQ=WEEKLY;BYDAY=TH;COUNT=5", t0 + dt.timedelta(days=9), [])
    # The registered Tuesday is kept as a single event with its registration.
    kept = EventPage.objects.get(pk=before[21].pk)
    assert (kept.series_id, kept.recurrence_id, kept.registrations.count()) == (None, None, 1)
    assert change.kept == change.detached == [before[21]]
    # The other future Tuesdays are gone; the future Thursdays exist, at 18:30 local time
    # before and after the change to winter time.
    assert sorted(change.deleted) == [before[14].starts_at, before[28].starts_at,
                                      before[35].starts_at]
    assert not EventPage.objects.filter(pk__in=[before[d].pk for d in (14, 28, 35)]).exists()
    assert sorted(after) == [0, 7, 9, 16, 23, 30, 37]
    thursdays = [after[d] for d in (9, 16, 23, 30, 37)]
    assert [p.starts_at.astimezone(ROME).time() for p in thursdays] == [dt.time(18, 30)] * 5
    assert [p.starts_at.astimezone(ROME).utcoffset() for p in thursdays] == [
        dt.timedelta(hours=2)] + [dt.timedelta(hours=1)] * 4
    assert {(p.capacity, p.format, p.live) for p in thursdays} == {(5, "meetup", True)}
    assert [p.pk for p in change.created] == [p.pk for p in thursdays]
    assert {p.series_id for p in thursdays} == {new.pk}


def test_the_calendar_shows_exactly_the_dates_that_exist_after_a_change(client, space, series):
    t0 = first_tuesday()
    registration_create(by_day(series)[21], user=UserFactory())
    series_rule_change(series, rrule=rrule_build(freq="WEEKLY", count=6, weekdays=["TH"]),
                       now=t0 + dt.timedelta(days=8))
    response = client.get(reverse("events:calendar_space", args=[space.slug]))
    calendar = Calendar.from_ical(response.content)
    shown = recurring_ical_events.of(calendar).between(t0 - dt.timedelta(days=1),
                                                       t0 + dt.timedelta(days=60))
    pages = EventPage.objects.filter(space=space, live=True)
    assert sorted(v.decoded("DTSTART") for v in shown) == sorted(p.starts_at for p in pages)
    assert len(shown) == 8  # 2 past Tuesdays, the registered one, 5 Thursdays


def test_shortening_a_series_keeps_a_registered_date_beyond_the_new_end(series):
    t0 = first_tuesday()
    before = by_day(series)
    registration_create(before[28], user=UserFactory())
    change = series_rule_change(series, rrule=rrule_build(freq="WEEKLY", count=3,
                                                          weekdays=["TU"]),
                                now=t0 + dt.timedelta(days=1))
    after = by_day(series)
    assert sorted(after) == [0, 7, 14]
    assert {d: after[d].pk for d in (0, 7, 14)} == {d: before[d].pk for d in (0, 7, 14)}
    assert change.created == [] and change.detached == [before[28]]
    assert change.deleted == [before[21].starts_at, before[35].starts_at]
    # Split after the first Tuesday: the new series holds the 2nd and 3rd.
    assert (change.series.rrule, change.series.exdates) == ("FREQ=WEEKLY;BYDAY=TU;COUNT=2", [])
    assert {after[7].series_id, after[14].series_id} == {change.series.pk}


def test_an_exception_with_registrations_is_refused_and_nothing_changes(series):
    t0 = first_tuesday()
    before = by_day(series)
    registration_create(before[21], user=UserFactory())
    with pytest.raises(SeriesInvalid, match="people are registered"):
        series_rule_change(series, rrule=series.rrule,
                           exceptions=[(t0 + dt.timedelta(days=21)).date()],
                           now=t0 + dt.timedelta(days=1))
    assert {d: p.pk for d, p in by_day(series).items()} == {d: p.pk for d, p in before.items()}
    series.refresh_from_db()
    assert (series.sequence, series.exdates, EventSeries.objects.count()) == (0, [], 1)


@pytest.mark.parametrize("rule, exceptions, message", [
    ("FREQ=DAILY;COUNT=3", [], "weekly or monthly"),
    ("FREQ=WEEKLY;BYDAY=TU", [], "how the series ends"),
    ("FREQ=WEEKLY;BYDAY=TU;COUNT=6", [dt.date(2000, 1, 4)], "not a future date"),
])
def test_a_bad_rule_or_exception_changes_nothing(series, rule, exceptions, message):
    before = {p.pk for p in by_day(series).values()}
    with pytest.raises(SeriesInvalid, match=message):
        series_rule_change(series, rrule=rule, exceptions=exceptions,
                           now=first_tuesday() - dt.timedelta(days=1))
    assert {p.pk for p in by_day(series).values()} == before


def test_an_exception_leaves_out_a_future_date(series):
    t0 = first_tuesday()
    before = by_day(series)
    change = series_rule_change(series, rrule=series.rrule,
                                exceptions=[(t0 + dt.timedelta(days=14)).date()],
                                now=t0 - dt.timedelta(days=1))
    assert change.deleted == [before[14].starts_at] and change.created == []
    series.refresh_from_db()  # nothing had begun: the same series, one EXDATE more
    assert change.series == series and series.sequence == 1
    assert series.exdates == [before[14].recurrence_id.astimezone(dt.UTC).isoformat()]


def test_the_admin_form_is_prefilled_and_says_which_dates_are_kept(client, space, series):
    organiser = make_organiser(space)
    client.force_login(organiser)
    url = reverse("events_series_rule", args=[series.pk])
    form = client.get(url).context["form"]
    assert (form.initial["freq"], form.initial["count"], form.initial["weekdays"]) == (
        "WEEKLY", 6, ["TU"])
    registration_create(by_day(series)[28], user=UserFactory())
    response = client.post(url, {"freq": "WEEKLY", "interval": 1, "count": 3,
                                 "weekdays": ["TU"], "exceptions": ""})
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == "Repeat rule changed: 0 dates added, 2 removed; past dates are unchanged."
    assert "is kept as a single event: people are registered for it" in texts[1]
    assert by_day(series).keys() == {0, 7, 14}


def test_only_the_spaces_organisers_may_change_the_rule(client, site_tree, series):
    other = make_organiser(space_in(site_tree, "Cowo Milano"))
    client.force_login(other)
    response = client.post(reverse("events_series_rule", args=[series.pk]),
                           {"freq": "WEEKLY", "interval": 1, "count": 1, "weekdays": ["TU"]})
    # Wagtail's admin answers PermissionDenied with a redirect to its home and a message.
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert len(by_day(series)) == 6


def test_a_split_series_sends_its_organiser_to_the_series_that_continues_it(client, space,
                                                                           series):
    t0 = first_tuesday()
    change = series_rule_change(series, rrule=rrule_build(freq="WEEKLY", count=8,
                                                          weekdays=["TU"]),
                                now=t0 + dt.timedelta(days=1))
    later = series_rule_change(change.series, rrule=rrule_build(freq="WEEKLY", count=7,
                                                                weekdays=["TU"]),
                               now=t0 + dt.timedelta(days=8))
    client.force_login(make_organiser(space))
    # the first series' form (the button on its past dates) leads to the latest series
    response = client.get(reverse("events_series_rule", args=[series.pk]))
    assert (response.status_code, response["Location"]) == (
        302, reverse("events_series_rule", args=[later.series.pk]))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "“Aperitivo del martedì” was split when its rule last changed: this is the series "
        "that holds its later dates."]
    # a replayed change of the first series changes nothing and says why
    pages = sorted(EventPage.objects.values_list("pk", "series_id"))
    response = client.post(reverse("events_series_rule", args=[series.pk]),
                           {"freq": "WEEKLY", "interval": 1, "count": 8, "weekdays": ["TU"],
                            "exceptions": ""})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This series was split: its later dates belong to the series that continues it. "
        "Change the rule there."]
    assert sorted(EventPage.objects.values_list("pk", "series_id")) == pages
