"""The event report (issue 9): exact figures on a small event built through the services,
the same figures recomputed independently from the database, the exports with nasty
names, and a bounded number of queries."""

import csv
import io
import subprocess

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from credits.models import Transfer
from events import payments, services
from events.models import Registration, RegistrationState
from network.exporters import tables_csv, tables_xlsx
from reports.event_report import event_report
from reports.exporters import report_pdf
from tests.reports.conftest import NAMES, PRICE, REWARD, later, member

pytestmark = pytest.mark.django_db


def test_the_figures_of_a_small_event(small_event):
    report = event_report(small_event.event)
    assert report.capacity == 4
    assert report.registrations == 6
    assert report.with_seat == 4           # host, attendee, walk-in, promoted
    assert report.attended == 3            # host, attendee, walk-in
    assert report.not_checked_in == 1      # promoted
    assert report.no_shows is None         # the event has not ended
    assert report.cancelled == 1           # leaver
    assert report.waiting == 1
    assert report.ever_waited == 2         # promoted, waiting
    assert report.promotions == 1
    assert report.walk_ins == 1
    assert report.roles == [("Attendee", 3), ("Host", 1)]
    assert report.credits_collected == 3 * PRICE   # host, attendee, walk-in posted
    assert report.credits_on_hold == PRICE         # the promoted person's hold
    assert report.rewards == [("Host", REWARD)]
    assert report.attendance_rate == 75.0
    assert [n for _day, n, _total in report.by_day] == [6]
    assert sum(n for _start, n in report.checkins) == 3


def test_no_shows_are_counted_once_the_event_has_ended(small_event):
    report = event_report(small_event.event, now=later(small_event.event, 1))
    assert report.no_shows == 1
    assert dict(report.summary())["No-shows"] == 1


def test_the_figures_equal_an_independent_count_from_the_database(small_event):
    event = small_event.event
    registrations = Registration.objects.filter(event=event)
    references = [payments.registration_reference(r) for r in registrations]
    posted = Transfer.objects.filter(reference__in=references, state="posted")
    report = event_report(event)
    assert report.registrations == registrations.count()
    assert report.attended == registrations.filter(state=RegistrationState.ATTENDED).count()
    assert report.waiting == registrations.filter(state=RegistrationState.WAITLISTED).count()
    assert report.walk_ins == registrations.filter(walk_in=True).count()
    assert report.credits_collected == posted.filter(code="spend_event").aggregate(
        t=Sum("amount"))["t"]
    assert report.rewards_paid == posted.filter(code__startswith="earn_").aggregate(
        t=Sum("amount"))["t"]


def test_the_csv_has_the_event_date_readable_states_and_roles_and_defused_names(small_event):
    report = event_report(small_event.event)
    text = tables_csv(report.tables()).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:])))
    start = rows.index(["Registrations"])
    header, body = rows[start + 1], rows[start + 2:start + 8]
    assert header[:4] == ["Event date", "Name", "Role", "State"]
    date = small_event.event.local_starts_at.date().isoformat()
    by_name = {row[1]: row for row in body}
    assert by_name[NAMES[0]][:4] == [date, NAMES[0], "Host", "Attended"]
    assert by_name[NAMES[1]][3] == "Cancelled"
    assert by_name[NAMES[5]][3] == "Waiting list"
    assert by_name[NAMES[3]][7] == "yes"           # the walk-in
    assert "'=HYPERLINK(\"x\")" in by_name          # a formula in a name is text
    assert ["Credits collected", str(3 * PRICE)] in rows


def test_the_xlsx_opens_with_a_sheet_per_table(small_event, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(tables_xlsx(event_report(small_event.event).tables()))
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Figures", "Roles", "Registrations over time",
                               "Check-in times", "Rewards", "Registrations"]
    names = [row[1].value for row in book["Registrations"].iter_rows(min_row=2)]
    assert set(names) == {*NAMES[:5], NAMES[5]} - {NAMES[4]} | {"'" + NAMES[4]}


def test_the_pdf_shows_every_name_and_the_charts(small_event, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(event_report(small_event.event)))
    text = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout
    squashed = "".join(text.split())
    for name in NAMES[:6]:
        assert "".join(name.split()) in squashed or \
            "".join(name.split())[::-1] in squashed, name
    assert "Registrationsovertime" in squashed and "Check-intimes" in squashed
    fonts = subprocess.run(["/usr/bin/pdffonts", str(path)], check=True,  # noqa: S603
                           capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # all embedded


def test_the_report_reads_a_bounded_number_of_queries(small_event,
                                                      django_assert_max_num_queries):
    event = small_event.event
    with django_assert_max_num_queries(8) as small:
        event_report(event)
    services.registration_promote_waitlist(event)
    for n in range(15):
        services.registration_create(event, user=member(f"Extra {n}"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = event_report(event)
    assert report.registrations == 21
