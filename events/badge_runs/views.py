"""Badge runs for organisers: start one from the badge form, follow its progress (the page
refreshes itself every few seconds until the run is finished; no script needed), download
the PDF. Only the event's organisers and coordinators (network.permissions); anyone else
gets a 403, an unknown run a 404."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from events.badges import MAX_DIRECT_BADGES, BadgeError, badge_registrations
from events.forms import BadgeForm
from events.views.access import event_for_organiser
from network.permissions import user_organises_space

from .models import BadgeRun, BadgeRunState
from .retention import badge_run_deleted_after
from .services import badge_run_start


def _run_for(request: HttpRequest, run_id) -> BadgeRun:
    run = get_object_or_404(BadgeRun.objects.select_related("event", "event__space"),
                            pk=run_id)
    if not user_organises_space(request.user, run.event.space_id):
        raise PermissionDenied
    return run


@require_POST
@login_required
def badge_run_create(request: HttpRequest, event_id: int) -> HttpResponse:
    """The badge form posted with "prepare in the background": start a run and go to its
    page, or show the form again with its errors (400)."""
    event = event_for_organiser(request, event_id)
    people = badge_registrations(event)
    form = BadgeForm(request.POST, registrations=people)
    if form.is_valid():
        data = form.cleaned_data
        try:
            run = badge_run_start(
                event, actor=request.user, layout=data["layout"],
                everyone=data["who"] == BadgeForm.EVERYONE,
                registration_ids=([r.pk for r in data["registrations"]]
                                  if data["who"] == BadgeForm.SELECTED else []),
                blanks=data["blanks"])
        except BadgeError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("badge_runs:detail", run_id=run.pk)
    return render(request, "events/badges/form.html",
                  {"event": event, "form": form, "count": people.count(),
                   "direct_max": MAX_DIRECT_BADGES}, status=400)


@require_GET
@login_required
def badge_run_detail(request: HttpRequest, run_id) -> HttpResponse:
    run = _run_for(request, run_id)
    return render(request, "badge_runs/run.html", {
        "run": run, "event": run.event, "deleted_after": badge_run_deleted_after(run)})


@require_GET
@login_required
def badge_run_download(request: HttpRequest, run_id) -> FileResponse:
    run = _run_for(request, run_id)
    if run.state != BadgeRunState.DONE or not run.file:
        raise Http404
    name = f"badges-{slugify(run.event.slug)[:60] or run.event.pk}-{run.layout}.pdf"
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/pdf")
