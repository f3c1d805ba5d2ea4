"""An unconference's outcomes in its event report (issue 8): every placed session with its
room and time, hosts, dots, attendance and latest notes, the same in the page, the PDF,
the CSV and the XLSX; notes rendered from Markdown and sanitised in the page and the PDF,
as written in the spreadsheets; a bounded number of queries."""

import csv
import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from events.programme import services
from events.programme.models import Phase
from network.exporters import XLSX_CELL_MAX, tables_csv, tables_xlsx
from network.services import profile_ensure
from reports.event_report import event_report
from reports.exporters import report_pdf
from tests.events.programme.factories import make_unconference, participant

pytestmark = pytest.mark.django_db

TITLE = "=Caffè & <b>prezzi</b> — שלום ☕"
NOTES = ("# What we said\n\n- **Five-day packs** beat discounts\n\n"
         "<script>alert(1)</script>\n\n![x](https://evil.example/x.png) "
         "[bad](javascript:alert(2)) [good](https://espresso.example/)")
LATER_NOTES = "Only the latest version counts."


@pytest.fixture
def u(site_tree):
    u = make_unconference(site_tree, people=3, rooms=2, slots=2)
    profile_ensure(u.people[0], display_name="نور الهدى", visibility="hidden")
    profile_ensure(u.people[1], display_name="Zoë Café", visibility="public")
    u.first = u.propose(u.people[0], TITLE, co_hosts=(u.people[1],))
    u.second = u.propose(u.people[2], "Second session")
    u.set_phase(Phase.VOTING)
    services.vote_cast(u.first, actor=u.people[1])
    services.vote_cast(u.first, actor=u.people[2])
    u.s1 = services.session_place(u.first, room=u.rooms[1], slot=u.slots[0],
                                  actor=u.organiser)
    u.s2 = services.session_place(u.second, room=u.rooms[0], slot=u.slots[1],
                                  actor=u.organiser)
    u.set_phase(Phase.RUNNING)
    services.note_save(u.s2, "old text", actor=u.people[2])
    services.note_save(u.s2, LATER_NOTES, actor=u.people[2])
    services.note_save(u.s1, NOTES, actor=u.people[0])
    services.session_set_attendance(u.s1, 12, actor=u.organiser)
    return u


def test_no_outcomes_before_the_grid_is_published(site_tree):
    u = make_unconference(site_tree, people=1)
    u.propose(u.people[0], "Early idea")
    report = event_report(u.event)
    assert report.programme.outcomes_listed is False
    assert report.programme.outcomes == []
    assert "Outcomes" not in [t.title for t in report.tables()]


def test_the_outcomes_of_every_placed_session(u):
    outcomes = event_report(u.event).programme.outcomes
    assert [(o.title, o.room, o.starts_at, o.ends_at, o.hosts, o.votes, o.attendance,
             o.notes) for o in outcomes] == [
        (TITLE, "Room 2", u.slots[0].starts_at, u.slots[0].ends_at,
         ["نور الهدى", "Zoë Café"], 2, 12, NOTES),
        ("Second session", "Room 1", u.slots[1].starts_at, u.slots[1].ends_at,
         ["—"], 0, None, LATER_NOTES),
    ]


def test_the_page_renders_the_notes_sanitised_and_says_the_outcomes_are_a_draft(client, u):
    client.force_login(u.organiser)
    response = client.get(reverse("reports:event", args=[u.event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="outcomes-heading"'):html.index('id="people-heading"')]
    assert "not published yet" in section
    assert "<h1>What we said</h1>" in section
    assert "<strong>Five-day packs</strong>" in section
    assert "<script" not in section and "<img" not in section
    assert "javascript:" not in section
    assert 'href="https://espresso.example/"' in section
    assert "=Caffè &amp; &lt;b&gt;prezzi&lt;/b&gt;" in section
    assert "12 people came" in section and "attendance not recorded" in section
    assert "<p>Only the latest version counts.</p>" in section and "old text" not in section


def test_the_page_links_the_published_outcomes(client, u):
    u.set_phase(Phase.ARCHIVED)
    services.outcomes_publish(u.programme, actor=u.organiser)
    client.force_login(u.organiser)
    html = client.get(reverse("reports:event", args=[u.event.pk])).content.decode()
    assert "The outcomes page was published on" in html
    assert reverse("programme:outcomes", args=[u.event.pk]) in html


def test_the_csv_lists_the_outcomes_with_the_notes_as_written(u):
    text = tables_csv(event_report(u.event).tables()).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:])))
    start = rows.index(["Outcomes"])
    assert rows[start + 1] == ["Starts", "Ends", "Room", "Session", "Kind", "Hosts", "Dots",
                               "Attendance", "Notes (Markdown)"]
    tz = u.event.tz
    first, second = rows[start + 2], rows[start + 3]
    assert first == [
        u.slots[0].starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        u.slots[0].ends_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        "Room 2", "'" + TITLE, "Discussion", "نور الهدى, Zoë Café", "2", "12", NOTES]
    assert second[2:] == ["Room 1", "Second session", "Discussion", "—", "0", "", LATER_NOTES]
    assert rows[start + 4] == []
    assert ["Outcomes published", "no"] in rows


def test_the_xlsx_has_an_outcomes_sheet_and_cuts_a_cell_at_excels_limit(u, tmp_path):
    services.note_save(u.s2, "x" * 40_000, actor=u.people[2])
    path = tmp_path / "report.xlsx"
    path.write_bytes(tables_xlsx(event_report(u.event).tables()))
    sheet = load_workbook(path)["Outcomes"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][3] == "'" + TITLE
    assert rows[0][8] == NOTES
    assert rows[0][0] == u.slots[0].starts_at.astimezone(u.event.tz).replace(tzinfo=None)
    assert len(rows[1][8]) == XLSX_CELL_MAX and rows[1][8].endswith("…")


def test_the_pdf_shows_the_outcomes_with_rendered_notes(u, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(event_report(u.event)))
    text = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout
    squashed = "".join(text.split())
    assert "Outcomes" in text
    assert "Whatwesaid" in squashed and "Five-daypacksbeatdiscounts" in squashed
    assert "**" not in text and "<script>" not in text and "alert(1)" not in text
    assert "12peoplecame" in squashed
    assert "Onlythelatestversioncounts." in squashed


def test_the_outcomes_read_a_bounded_number_of_queries(u, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as small:
        event_report(u.event)
    u.set_phase(Phase.VOTING)
    for n in range(4):
        proposal = u.propose(participant(u.event), f"More {n}")
        u.rooms.append(services.room_save(u.programme, actor=u.organiser, name=f"R{n}",
                                          capacity=10))
        services.session_place(proposal, room=u.rooms[-1], slot=u.slots[0],
                               actor=u.organiser)
    u.set_phase(Phase.RUNNING)
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = event_report(u.event)
    assert len(report.programme.outcomes) == 6
    assert [o.room for o in report.programme.outcomes] == [
        "Room 2", "R0", "R1", "R2", "R3", "Room 1"]
