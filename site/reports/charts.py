"""Charts of the reports as SVG, drawn server-side by pygal and embedded inline in the HTML
page and in the PDF (WeasyPrint renders inline SVG; nothing is fetched).

pygal's interactive script is removed from the tree (the page needs none, and a PDF cannot
run it); labels are text nodes written by the XML serialiser, so a name with markup in it is
shown as text, never interpreted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.etree import ElementTree

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pygal.style import Style

from .event_report import EventReport
from .network_report import NetworkReport, SpaceReport

SVG_NS = "{http://www.w3.org/2000/svg}"
STYLE = Style(font_family="'Noto Sans', 'DejaVu Sans', sans-serif", background="#ffffff",
              plot_background="#ffffff", foreground="#1f2937", foreground_strong="#111827",
              foreground_subtle="#6b7280",
              colors=("#1e3a8a", "#15803d", "#b91c1c", "#a16207", "#7c3aed", "#0e7490"),
              title_font_size=16, label_font_size=11, major_label_font_size=11,
              legend_font_size=12, value_font_size=10)
#: the most bars or slices in one chart (longer series are cut, the tables keep all)
MAX_ITEMS = 60


def _config(**options) -> dict:
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": 720,
            "height": 320, "show_legend": False, "print_values": False,
            "truncate_label": 28, **options}


def svg(chart: pygal.graph.graph.Graph) -> SafeString:
    """The chart as an inline <svg> element without pygal's script."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag in (f"{SVG_NS}script", "script"):
                parent.remove(child)
            elif child.get("id", "").startswith("activate-serie"):
                del child.attrib["id"]  # one id per chart, repeated when a page has several
    return mark_safe(ElementTree.tostring(tree, encoding="unicode"))  # noqa: S308 — serialised XML


def _integer_axis(series: dict[str, Sequence[int]]) -> list[int]:
    """Whole-number ticks from 0 to the largest value (counts have no fractions)."""
    top = max((max(values, default=0) for values in series.values()), default=0)
    step = max(1, math.ceil(top / 8))
    return list(range(0, top + step + 1, step))


def bar(title: str, labels: Sequence[str], series: dict[str, Sequence[int]], *,
        horizontal: bool = False, height: int = 320) -> SafeString:
    """A bar chart: one bar group per label, one colour per series."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(**_config(height=height, show_legend=len(series) > 1,
                           legend_at_bottom=True, x_label_rotation=0 if horizontal else 30))
    chart.title = title
    chart.y_labels = _integer_axis(series)
    chart.x_labels = [str(label) for label in labels[:MAX_ITEMS]]
    for name, values in series.items():
        chart.add(str(name), list(values[:MAX_ITEMS]))
    return svg(chart)


def line(title: str, labels: Sequence[str], series: dict[str, Sequence[int]]) -> SafeString:
    chart = pygal.Line(**_config(show_legend=len(series) > 1, legend_at_bottom=True,
                                 x_label_rotation=30, show_minor_x_labels=False,
                                 x_labels_major_every=max(1, len(labels) // 12)))
    chart.title = title
    chart.y_labels = _integer_axis(series)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        chart.add(str(name), list(values))
    return svg(chart)


def pie(title: str, parts: Sequence[tuple[str, int]]) -> SafeString:
    chart = pygal.Pie(**_config(show_legend=True, legend_at_bottom=False, inner_radius=0.4))
    chart.title = title
    for label, value in parts[:MAX_ITEMS]:
        chart.add(str(label), value)
    return svg(chart)


def event_charts(report: EventReport) -> dict[str, SafeString]:
    """Registrations over time (cumulative) and check-in times (per quarter hour)."""
    charts = {}
    if len(report.by_day) == 1:
        day, new, _total = report.by_day[0]
        charts["registrations"] = bar(_("Registrations over time"), [day.isoformat()],
                                      {_("Registrations"): [new]})
    elif report.by_day:
        charts["registrations"] = line(
            _("Registrations over time"), [day.isoformat() for day, _n, _t in report.by_day],
            {_("Registrations"): [total for _d, _n, total in report.by_day]})
    if report.checkins:
        tz = report.event.tz
        charts["checkins"] = bar(
            _("Check-in times"),
            [start.astimezone(tz).strftime("%H:%M") for start, _n in report.checkins],
            {pgettext("event counts", "Checked in"): [n for _s, n in report.checkins]})
    if report.roles:
        charts["roles"] = pie(_("Roles"), report.roles)
    return charts


def space_charts(report: SpaceReport) -> dict[str, SafeString]:
    lines = [line for line in report.figures.event_lines if not line.cancelled]
    if not lines:
        return {}
    return {"events": bar(
        _("Seats and check-ins per event"),
        [f"{line.starts_at:%m-%d} {line.title}" for line in lines],
        {_("Seats"): [line.seats for line in lines],
         pgettext("event counts", "Checked in"): [line.attended for line in lines]},
        horizontal=True, height=max(240, 60 + 28 * min(len(lines), MAX_ITEMS)))}


def network_charts(report: NetworkReport) -> dict[str, SafeString]:
    charts = {}
    spaces = [s for s in report.spaces if s.events or s.participants]
    if spaces:
        charts["spaces"] = bar(
            _("Participants and returning participants per space"),
            [s.title for s in spaces],
            {_("Participants"): [s.participants for s in spaces],
             _("Returning"): [s.returning for s in spaces]},
            horizontal=True, height=max(240, 60 + 26 * min(len(spaces), MAX_ITEMS)))
    if any(events for _m, events, _s, _a in report.months):
        charts["growth"] = line(
            _("Growth month by month"), [m for m, *_rest in report.months],
            {_("Events"): [e for _m, e, _s, _a in report.months],
             _("Seats"): [s for _m, _e, s, _a in report.months],
             pgettext("event counts", "Checked in"): [a for _m, _e, _s, a in report.months]})
    if report.formats:
        charts["formats"] = pie(_("Formats"), report.formats)
    if report.topics:
        charts["topics"] = bar(_("Top topics"), [t for t, _n in report.topics],
                               {_("Events"): [n for _t, n in report.topics]}, horizontal=True)
    return charts
