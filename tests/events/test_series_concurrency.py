"""Two rule changes of one series at once (PostgreSQL row lock, real threads): the second
waits for the first and then sees its pages, so no date gets two pages, no series is split
twice, and the SEQUENCE counts both changes."""

import datetime as dt
from collections import Counter

import pytest

from events.models import EventPage, EventSeries
from events.services import series_create, series_rule_change
from tests.events.registration_factories import space_in
from tests.events.test_concurrency import run_together
from tests.events.test_series_mutants import WEEK, t0

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def series(site_tree) -> EventSeries:
    space = space_in(site_tree, "Cowo Roma", time_zone="Europe/Rome")
    return series_create(space, title="Aperitivo", first_start=t0(),
                         duration=dt.timedelta(hours=2), rrule="FREQ=WEEKLY;COUNT=4")


def test_two_longer_rules_at_once_add_each_missing_date_once(series):
    results, errors = run_together(2, lambda _i: series_rule_change(
        series, rrule="FREQ=WEEKLY;COUNT=6", now=t0() - WEEK))
    assert errors == []
    assert sorted(len(change.created) for change in results) == [0, 2]
    starts = Counter(EventPage.objects.filter(series=series).values_list("starts_at", flat=True))
    assert starts == Counter(t0() + w * WEEK for w in range(6))
    series.refresh_from_db()
    assert (series.sequence, series.rrule, EventSeries.objects.count()) == (
        2, "FREQ=WEEKLY;COUNT=6", 1)


def test_two_changes_after_the_first_date_split_the_series_once(series):
    results, errors = run_together(2, lambda _i: series_rule_change(
        series, rrule="FREQ=WEEKLY;COUNT=6", now=t0() + dt.timedelta(hours=1)))
    # the second waits for the first, then finds the series split: refused, nothing doubled
    assert [str(error) for error in errors] == [
        "This series was split: its later dates belong to the series that continues it. "
        "Change the rule there."]
    (change,) = [result for result in results if result is not None]
    assert [p.starts_at for p in change.created] == [t0() + 4 * WEEK, t0() + 5 * WEEK]
    starts = Counter(EventPage.objects.values_list("starts_at", flat=True))
    assert starts == Counter(t0() + w * WEEK for w in range(6))
    series.refresh_from_db()
    assert (series.sequence, series.continued_as_id, EventSeries.objects.count()) == (
        1, change.series.pk, 2)
