"""The report pages and their downloads. Who may see what is decided by
`network.permissions` only: an event's and a space's reports by its organisers and the
coordinators, the network report by coordinators. Anonymous visitors are sent to sign in,
anyone else gets a 403; an unknown event, space or export is a 404, a bad period a 400."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from events.views.access import event_for_organiser
from network.access import coordinator_required, space_for_organiser
from network.exporters import exporter_get, exporters_for

from .event_report import event_report
from .exporters import report_context
from .network_report import network_report, space_report
from .periods import Period, PeriodError, period_current_year, period_parse


def _period(request: HttpRequest) -> tuple[Period | None, str]:
    text = request.GET.get("period", "")
    if not text:
        return period_current_year(), ""
    try:
        return period_parse(text), ""
    except PeriodError as exc:
        return None, str(exc)


def _download(scope: str, identifier: str, report, stem: str) -> HttpResponse:
    try:
        exporter = exporter_get(scope, identifier)
    except LookupError:
        raise Http404 from None
    response = HttpResponse(exporter.render(report), content_type=exporter.content_type)
    name = exporter.filename(slugify(stem)[:80] or scope)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bad_period(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _page(request: HttpRequest, report, scope: str, extra: dict) -> HttpResponse:
    return render(request, "reports/page.html", {
        **report_context(report), **extra, "exporters": exporters_for(scope)})


@require_GET
@login_required
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = event_for_organiser(request, event_id)
    return _page(request, event_report(event), "event", {"event": event})


@require_GET
@login_required
def event_export(request: HttpRequest, event_id: int, identifier: str) -> HttpResponse:
    event = event_for_organiser(request, event_id)
    return _download("event", identifier, event_report(event),
                     f"report-{event.slug}-{event.local_starts_at:%Y-%m-%d}")


@require_GET
@login_required
def space_page(request: HttpRequest, space_id: int) -> HttpResponse:
    space = space_for_organiser(request, space_id)
    period, error = _period(request)
    if period is None:
        return render(request, "reports/period_error.html",
                      {"error": error, "space": space, "title": space.title}, status=400)
    return _page(request, space_report(space, period), "space",
                 {"space": space, "period": period})


@require_GET
@login_required
def space_export(request: HttpRequest, space_id: int, identifier: str) -> HttpResponse:
    space = space_for_organiser(request, space_id)
    period, error = _period(request)
    if period is None:
        return _bad_period(error)
    return _download("space", identifier, space_report(space, period),
                     f"report-{space.slug}-{period.label}")


@require_GET
@login_required
def network_page(request: HttpRequest) -> HttpResponse:
    coordinator_required(request)
    period, error = _period(request)
    if period is None:
        return render(request, "reports/period_error.html", {"error": error}, status=400)
    return _page(request, network_report(period), "network", {"period": period})


@require_GET
@login_required
def network_export(request: HttpRequest, identifier: str) -> HttpResponse:
    coordinator_required(request)
    period, error = _period(request)
    if period is None:
        return _bad_period(error)
    return _download("network", identifier, network_report(period),
                     f"network-report-{period.label}")
