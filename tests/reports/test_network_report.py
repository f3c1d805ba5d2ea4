"""Space and network reports (issue 9): exact figures on two spaces, recomputed
independently; returning participants and members from other spaces; credits and day
passes; the clearing; a bounded number of queries; the command."""

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from credits import services as credits
from credits.models import DayPass, DayPassState
from events.models import EventStatus, Registration, RegistrationState
from home.services import site_tree_ensure
from reports.network_report import network_report, space_report
from reports.periods import period_parse
from tests.events.registration_factories import publish_event, space_in
from tests.reports.conftest import member

pytestmark = pytest.mark.django_db

SEAT, IN = RegistrationState.CONFIRMED, RegistrationState.ATTENDED
WAIT = RegistrationState.WAITLISTED


def at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 18))


def seat(event, user, state=IN):
    # The report reads states as they are; the services that make them are tested in
    # tests/events. Past events cannot be registered for any more, so rows are written.
    return Registration.objects.create(event=event, user=user, state=state)


@pytest.fixture(scope="class")
def network(class_transaction):
    """Two spaces in this year; one event last year (for returning people), one next year
    (outside the period), one cancelled. Built once for the class; each test runs in a
    savepoint inside its transaction, so what a test adds is gone before the next."""
    site_tree = site_tree_ensure()
    year = timezone.localdate().year
    alpha = space_in(site_tree, title="Alpha ☕")
    beta = space_in(site_tree, title="بيتا Beta")
    ada, bo, cy, dee = (member("Ada", 50, home_space=alpha), member("Bo", 50),
                        member("Cy", 50, home_space=beta), member("Dee", 50))
    past = publish_event(alpha, starts_at=at(year - 1, 6, 1))
    first = publish_event(alpha, starts_at=at(year, 3, 10))
    second = publish_event(alpha, starts_at=at(year, 4, 12), format="meetup")
    off = publish_event(alpha, starts_at=at(year, 5, 1))
    EventPage = type(off)
    EventPage.objects.filter(pk=off.pk).update(status=EventStatus.CANCELLED)
    remote = publish_event(beta, starts_at=at(year, 3, 11))
    future = publish_event(beta, starts_at=at(year + 1, 1, 5))
    first.topics.add("coworking", "food")
    first.save_revision().publish()
    second.topics.add("coworking")
    second.save_revision().publish()
    seat(past, ada)                  # ada returns to alpha this year
    seat(first, ada)
    seat(first, bo, SEAT)            # a seat, not checked in
    seat(first, cy)                  # a member of beta at alpha
    seat(second, cy)                 # cy returns within the year
    seat(second, dee, WAIT)          # waiting: no seat
    seat(off, dee)                   # cancelled event: not counted
    seat(remote, ada)                # ada (alpha) visiting beta
    seat(future, bo)                 # next year: not counted
    return {"alpha": alpha, "beta": beta, "year": year, "people": (ada, bo, cy, dee)}


class TestTheReportsOfTwoSpaces:
    """Figures read from one network of two spaces."""

    def test_space_figures_are_exact(self, network):
        report = space_report(network["alpha"], period_parse(str(network["year"])))
        f = report.figures
        assert (f.events, f.cancelled_events) == (2, 1)
        assert (f.seats, f.attended) == (4, 3)          # ada, bo, cy / cy at the second
        assert f.participants == 3                      # ada, bo, cy
        assert f.returning == 2                         # ada (last year), cy (twice this year)
        assert f.from_other_spaces == 1                 # cy (home: beta); bo has no home
        assert [line.waiting for line in f.event_lines] == [0, 1, 0]


    def test_network_figures_side_by_side_and_totals(self, network):
        report = network_report(period_parse(str(network["year"])))
        by_title = {s.title: s for s in report.spaces}
        assert list(by_title) == ["Alpha ☕", "بيتا Beta"]
        beta = by_title["بيتا Beta"]
        assert (beta.events, beta.seats, beta.participants, beta.from_other_spaces) == (1, 1, 1, 1)
        totals = dict(zip(["events", "cancelled", "seats", "attended", "participants"],
                          report.totals()[:5], strict=True))
        assert totals == {"events": 3, "cancelled": 1, "seats": 5, "attended": 4,
                          "participants": 4}
        months = {m: (e, s, a) for m, e, s, a in report.months}
        year = network["year"]
        assert months[f"{year}-03"] == (2, 4, 3)
        assert months[f"{year}-04"] == (1, 1, 1)
        assert len(months) == 12
        assert report.topics == [("coworking", 2), ("food", 1)]
        assert report.formats == [("Workshop", 2), ("Meetup", 1)]


    def test_the_figures_equal_an_independent_count(self, network):
        year = network["year"]
        report = network_report(period_parse(str(year)))
        seats = Registration.objects.filter(
            state__in=[SEAT, IN], event__starts_at__year=year, event__live=True).exclude(
            event__status=EventStatus.CANCELLED)
        assert sum(s.seats for s in report.spaces) == seats.count()
        assert sum(s.attended for s in report.spaces) == seats.filter(state=IN).count()


    def test_credits_and_day_passes_come_from_the_ledger(self, network):
        alpha, beta = network["alpha"], network["beta"]
        ada, bo, cy, _dee = network["people"]
        today = timezone.localdate()
        credits.transfer_post(debit=credits.account_for_space(alpha),
                              credit=credits.account_for_member(bo), amount=30, code="purchase",
                              idempotency_key=f"t-{uuid.uuid4()}")
        credits.transfer_post(debit=credits.account_for_member(cy),
                              credit=credits.account_for_space(beta), amount=7,
                              code="spend_daypass", idempotency_key=f"t-{uuid.uuid4()}")
        DayPass.objects.create(user=cy, space=beta, date=today, price=7, code="P1",
                               state=DayPassState.USED)
        DayPass.objects.create(user=cy, space=beta, date=today, price=7, code="P2",
                               state=DayPassState.REFUNDED)
        DayPass.objects.create(user=ada, space=beta, date=today, price=7, code="P3")
        report = network_report(period_parse(str(today.year)))
        by_title = {s.title: s for s in report.spaces}
        assert by_title["Alpha ☕"].credits.sold == 30
        assert by_title["بيتا Beta"].credits.earned_day_passes == 7
        assert (by_title["بيتا Beta"].day_passes_sold, by_title["بيتا Beta"].day_passes_used) \
            == (2, 1)
        assert [(p["debtor"], p["creditor"], p["amount"])
                for p in report.clearing.named_payments()] == [("Network (grants)", "بيتا Beta", 7)]


    def test_the_network_report_reads_a_bounded_number_of_queries(
            self, network, site_tree, django_assert_max_num_queries):
        period = period_parse(str(network["year"]))
        with django_assert_max_num_queries(25) as two:
            network_report(period)
        for n in range(4):
            space = space_in(site_tree, title=f"More {n}")
            event = publish_event(space, starts_at=at(network["year"], 2, 2))
            seat(event, member(f"M{n}", 0))
        with django_assert_max_num_queries(len(two.captured_queries)):
            report = network_report(period)
        assert len(report.spaces) == 6


    def test_the_command_writes_pdf_csv_and_xlsx(self, network, tmp_path):
        year = network["year"]
        for name in ("r.pdf", "r.xlsx"):
            call_command("network_report", "--period", str(year), "-o", str(tmp_path / name))
        call_command("network_report", "--period", f"{year}-Q1", "--format", "csv",
                     "-o", str(tmp_path / "r.txt"))
        assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
        assert "بيتا Beta" in (tmp_path / "r.txt").read_text("utf-8-sig")
        assert load_workbook(tmp_path / "r.xlsx").sheetnames[:3] == ["Summary", "Spaces", "Growth"]


@pytest.mark.parametrize("args, message", [
    (["--period", "2026-13"], "is not a period"),
    (["--period", "2026", "--format", "docx"], "invalid choice"),
])
def test_the_command_refuses_bad_input_with_one_line(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("network_report", *args, "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_refuses_an_unknown_extension_and_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match="Unknown format 'doc'"):
        call_command("network_report", "--period", "2026", "-o", str(tmp_path / "x.doc"))
    with pytest.raises(CommandError, match="No folder"):
        call_command("network_report", "--period", "2026", "-o",
                     str(tmp_path / "nope" / "x.pdf"))
