"""The exporter registry and the CSV/XLSX writers (network.exporters): formula injection
is neutralised in both, nasty text survives, the XLSX opens in openpyxl."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from network.exporters import (
    Exporter,
    Table,
    cell_neutralised,
    exporter_get,
    exporter_register,
    exporters_for,
    tables_csv,
    tables_xlsx,
)

NASTY = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "|calc",
         "%0A", "\t=1+1", "\r=1+1"]
FRIENDLY = ["نور الهدى", "אבי כהן", "Zoë 😀 Café", "<b>Bold</b> & Co", "line\nbreak", "-5",
            "-1,000.50"]


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_neutralises_every_formula_start_and_keeps_plain_text():
    data = tables_csv([Table("People", ["Name"], [[v] for v in NASTY + FRIENDLY])])
    rows = _rows(data)
    assert rows[0] == ["People"] and rows[1] == ["Name"]
    cells = [row[0] for row in rows[2:-1]]
    for original, written in zip(NASTY, cells[:len(NASTY)], strict=True):
        assert written.startswith("'"), written
        assert written[1:].replace("\\|", "|") == original
    assert cells[len(NASTY):] == FRIENDLY


def test_csv_keeps_numbers_and_dates_as_values():
    data = tables_csv([Table("T", ["n", "d"], [[-3, datetime.date(2026, 3, 1)], [None, True]])])
    assert _rows(data)[2:4] == [["-3", "2026-03-01"], ["", "1"]]


def test_xlsx_opens_and_never_holds_a_formula(tmp_path):
    data = tables_xlsx([Table("People: [all]/*?", ["=Name", "Count"],
                              [[v, i] for i, v in enumerate(NASTY + FRIENDLY + ["a\x07b"])]),
                        Table("People: [all]/*?", ["x"], [[1]])])
    path = tmp_path / "out.xlsx"
    path.write_bytes(data)
    book = load_workbook(path)
    assert book.sheetnames == ["People   all", "People   all (2)"]
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "'=Name" and sheet["A1"].data_type == "s"
    values = [row[0].value for row in sheet.iter_rows(min_row=2)]
    types = {row[0].data_type for row in sheet.iter_rows(min_row=2)}
    assert types == {"s"}
    # (XLSX stores a carriage return as a line feed)
    assert values[:len(NASTY)] == ["'" + v.replace("\r", "\n") for v in NASTY]
    assert values[len(NASTY):-1] == FRIENDLY
    assert values[-1] == "ab"  # a control character is dropped, not a crash
    assert [row[1].value for row in sheet.iter_rows(min_row=2)][:3] == [0, 1, 2]


def test_cell_neutralised_leaves_numbers_and_negative_numbers_in_text():
    assert cell_neutralised(-7) == -7
    assert cell_neutralised("-7") == "-7"
    assert cell_neutralised("-7+1") == "'-7+1"
    assert cell_neutralised(None) == ""


def test_registry_lists_the_reports_exports_and_refuses_a_duplicate():
    assert [e.identifier for e in exporters_for("network")] == ["pdf", "csv", "xlsx"]
    assert [e.identifier for e in exporters_for("event")] == ["pdf", "csv", "xlsx"]
    assert exporter_get("space", "xlsx").extension == "xlsx"
    with pytest.raises(LookupError):
        exporter_get("space", "docx")

    class Twin(Exporter):
        identifier, scope = "csv", "network"
        verbose_name, content_type, extension = "CSV", "text/csv", "csv"

    with pytest.raises(ValueError, match="two exporters network/csv"):
        exporter_register(Twin)
    assert exporter_get("network", "csv").__class__.__name__ == "NetworkReportCSV"
