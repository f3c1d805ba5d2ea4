"""One shape for every export (pretix's and pretalx's exporters): a class per export with an
`identifier`, a `verbose_name`, a `content_type`, a file `extension` and `render(source)`
returning bytes, registered with `@exporter_register` under a `scope` ("event", "space",
"network"...). The apps that own the data register their exporters; views and commands ask
`exporters_for(scope)` / `exporter_get(scope, identifier)`, so this ground floor never
imports them.

What an exporter renders is made of `Table`s (a title, a header, rows of plain values);
`tables_csv` and `tables_xlsx` write them. Every text cell a spreadsheet would run as a
formula (it starts with = + - @ | % or a tab or carriage return) is neutralised: defusedcsv
in CSV files, the same rule plus an explicit text type in XLSX files.
"""

from __future__ import annotations

import csv as _stdlib_csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import defusedcsv.csv as defused_csv
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

#: the most characters an XLSX cell holds (Excel's limit; a longer one "needs repair")
XLSX_CELL_MAX = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "|", "%", "\t", "\r")
#: an Excel sheet title is at most 31 characters, without []:*?/\
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class Table:
    """One block of a report: a title, a header and rows of plain values (str, int, float,
    date, datetime, None)."""

    title: str
    header: Sequence[Any]
    rows: list[Sequence[Any]] = field(default_factory=list)


class Exporter:
    """Subclass, set the class attributes and implement `render`."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]
    content_type: ClassVar[str]
    extension: ClassVar[str]
    scope: ClassVar[str]

    def render(self, source: Any) -> bytes:
        raise NotImplementedError

    def filename(self, stem: str) -> str:
        return f"{stem}.{self.extension}"


_registry: dict[str, dict[str, type[Exporter]]] = {}


def exporter_register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: list `cls` under its scope. Raises ValueError when another class
    already holds the same scope and identifier (at import time)."""
    scope = _registry.setdefault(cls.scope, {})
    if scope.get(cls.identifier) not in (None, cls):
        raise ValueError(f"two exporters {cls.scope}/{cls.identifier}")
    scope[cls.identifier] = cls
    return cls


def exporters_for(scope: str) -> list[type[Exporter]]:
    """The exporters registered for `scope`, in registration order."""
    return list(_registry.get(scope, {}).values())


def exporter_get(scope: str, identifier: str) -> Exporter:
    """An instance of the exporter `identifier` of `scope`. Raises LookupError."""
    try:
        return _registry[scope][str(identifier)]()
    except KeyError:
        raise LookupError(f"no exporter {scope}/{identifier}") from None


def cell_plain(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers and dates stay, lazy strings become text,
    None becomes empty, aware datetimes lose their zone (already converted by the caller)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (int, float, datetime.date)):
        return value
    return str(value)


def cell_neutralised(value: Any) -> Any:
    """`cell_plain(value)`, and text that a spreadsheet would run as a formula prefixed
    with a quote ("=1+1" → "'=1+1"); a plain negative number in text ("-5") is kept."""
    value = cell_plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        stripped = value.replace(",", "").replace(".", "")
        if not (stripped.startswith("-") and stripped[1:].isdigit()):
            return "'" + value
    return value


def tables_csv(tables: Iterable[Table]) -> bytes:
    """The tables one after another (title row, header, rows, an empty row), UTF-8 with a
    byte-order mark so spreadsheets read accents and scripts right. Cells go through
    defusedcsv, and leading tabs and carriage returns are neutralised too."""
    out = io.StringIO()
    writer = defused_csv.writer(out, quoting=_stdlib_csv.QUOTE_MINIMAL)
    for table in tables:
        writer.writerow([cell_plain(table.title)])
        writer.writerow([_tab_safe(cell_plain(v)) for v in table.header])
        for row in table.rows:
            writer.writerow([_tab_safe(cell_plain(v)) for v in row])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _tab_safe(value: Any) -> Any:
    # defusedcsv leaves a leading tab or carriage return alone; a spreadsheet may strip it
    # and then read a formula.
    if isinstance(value, str) and value[:1] in ("\t", "\r"):
        return "'" + value
    return value


def _sheet_title(title: str, taken: set[str]) -> str:
    base = (str(title).translate(_SHEET_TITLE_BAD).strip() or "Sheet")[:31]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_text(value: str) -> str:
    # openpyxl refuses control characters (IllegalCharacterError): drop them, keep the rest.
    # Excel refuses a cell over its limit: cut there, with an ellipsis (the CSV keeps all).
    text = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
    return text if len(text) <= XLSX_CELL_MAX else text[:XLSX_CELL_MAX - 1] + "…"


def tables_xlsx(tables: Iterable[Table]) -> bytes:
    """One sheet per table (header in bold, frozen), every text cell stored as text (never
    a formula) and neutralised like the CSV. Returns the .xlsx bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, taken))
        sheet.append([_xlsx_text(str(cell_neutralised(v))) for v in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.data_type = TYPE_STRING
        for row in table.rows:
            values = [cell_neutralised(v) for v in row]
            sheet.append([_xlsx_text(v) if isinstance(v, str) else v for v in values])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
        sheet.freeze_panes = "A2"
    if not workbook.sheetnames:
        workbook.create_sheet("Sheet")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
