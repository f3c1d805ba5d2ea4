"""The badge form of an event, for its organisers (and coordinators): choose a layout,
whom to print and how many blank badges, get the PDF (events.badges)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..badges import MAX_DIRECT_BADGES, BadgeError, badge_registrations, badges_pdf
from ..forms import BadgeForm
from .access import event_for_organiser


@require_http_methods(["GET", "POST"])
@login_required
def event_badges(request: HttpRequest, event_id: int) -> HttpResponse:
    """GET: the form. POST: the PDF as a download, or the form again with its errors
    (400). Anonymous visitors are sent to sign in, anyone else but the event's organisers
    and coordinators gets a 403."""
    event = event_for_organiser(request, event_id)
    people = badge_registrations(event)
    form = BadgeForm(request.POST or None, registrations=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            wanted = data["blanks"] + (
                people.count() if data["who"] == BadgeForm.EVERYONE
                else len(data["registrations"]) if data["who"] == BadgeForm.SELECTED else 0)
            if wanted > MAX_DIRECT_BADGES:
                form.add_error(None, _(
                    "%(count)d badges are more than %(max)d: prepare them in the background.")
                    % {"count": wanted, "max": MAX_DIRECT_BADGES})
            else:
                try:
                    pdf = badges_pdf(
                        event, data["layout"], everyone=data["who"] == BadgeForm.EVERYONE,
                        registration_ids=([r.pk for r in data["registrations"]]
                                          if data["who"] == BadgeForm.SELECTED else None),
                        blanks=data["blanks"])
                except BadgeError as exc:
                    form.add_error(None, str(exc))
                else:
                    slug = slugify(event.slug)[:60] or event.pk
                    response = HttpResponse(pdf, content_type="application/pdf")
                    response["Content-Disposition"] = (
                        f'attachment; filename="badges-{slug}-{data["layout"]}.pdf"')
                    return response
        status = 400
    return render(request, "events/badges/form.html",
                  {"event": event, "form": form, "count": people.count(),
                   "direct_max": MAX_DIRECT_BADGES}, status=status)
