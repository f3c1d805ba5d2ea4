"""Every export of the reports, one class each, registered with `network.exporters` under
the report's scope ("event", "space", "network"). The page, the PDF, the CSV and the XLSX of
a report all come from the same report object, so they show the same numbers.

PDF: the report's body template (the one the HTML page includes) in a print document, the
charts as inline SVG, rendered by WeasyPrint with the data-only URL fetcher of
`events.badges` (nothing is fetched from the network or the disk).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.badges import html_to_pdf
from network.exporters import Exporter, exporter_register, tables_csv, tables_xlsx

from .charts import event_charts, network_charts, space_charts
from .event_report import EventReport
from .network_report import NetworkReport, SpaceReport, figure_labels

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def report_context(report: Any) -> dict:
    """What the report's body template needs: the report, its charts, its kind."""
    if isinstance(report, EventReport):
        return {"report": report, "charts": event_charts(report), "kind": "event",
                "title": report.title}
    if isinstance(report, SpaceReport):
        return {"report": report, "charts": space_charts(report), "kind": "space",
                "title": report.figures.title,
                "figure_rows": list(zip(figure_labels(), report.figures.row(), strict=True))}
    if isinstance(report, NetworkReport):
        return {"report": report, "charts": network_charts(report), "kind": "network",
                "title": _("Network report"), "labels": figure_labels(),
                "space_rows": [(s.title, s.row()) for s in report.spaces]}
    raise TypeError(f"not a report: {type(report).__name__}")


def report_pdf(report: Any) -> bytes:
    """The report as a PDF (A4), the same body as the HTML page."""
    context = {**report_context(report), "generated_at": timezone.localtime()}
    return html_to_pdf(render_to_string("reports/pdf.html", context))


class _CSV(Exporter):
    identifier, verbose_name, content_type, extension = "csv", _("CSV"), CSV, "csv"

    def render(self, source: Any) -> bytes:
        return tables_csv(source.tables())


class _XLSX(Exporter):
    identifier, verbose_name, content_type, extension = "xlsx", _("Excel (XLSX)"), XLSX, "xlsx"

    def render(self, source: Any) -> bytes:
        return tables_xlsx(source.tables())


class _PDF(Exporter):
    identifier, verbose_name, content_type, extension = "pdf", _("PDF"), PDF, "pdf"

    def render(self, source: Any) -> bytes:
        return report_pdf(source)


@exporter_register
class EventReportPDF(_PDF):
    scope = "event"


@exporter_register
class EventReportCSV(_CSV):
    scope = "event"


@exporter_register
class EventReportXLSX(_XLSX):
    scope = "event"


@exporter_register
class SpaceReportPDF(_PDF):
    scope = "space"


@exporter_register
class SpaceReportCSV(_CSV):
    scope = "space"


@exporter_register
class SpaceReportXLSX(_XLSX):
    scope = "space"


@exporter_register
class NetworkReportPDF(_PDF):
    scope = "network"


@exporter_register
class NetworkReportCSV(_CSV):
    scope = "network"


@exporter_register
class NetworkReportXLSX(_XLSX):
    scope = "network"
