"""The organiser's pages: an event's message history, writing (with a preview) and one
message's progress. Organisers of the event's space and coordinators only."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from events.models import EventPage
from events.views.access import event_for_organiser
from network.db_retry import db_retry

from . import services
from .emails import message_email_build
from .exceptions import MessageError
from .forms import MessageForm
from .selectors import message_history, message_recipients


@require_GET
@login_required
def message_list(request: HttpRequest, event_id: int) -> HttpResponse:
    """Who sent what to how many, newest first, with each message's progress."""
    event = event_for_organiser(request, event_id)
    return render(request, "messaging/list.html", {
        "event": event, "history": message_history(event),
        "per_event_limit": services.per_event_limit()})


def _preview(event: EventPage, request: HttpRequest, data: dict) -> dict:
    """The e-mail the first recipient would get, and how many people it would reach."""
    draft = services.message_draft(event, sender=request.user, subject=data["subject"],
                                   body=data["body"], audience=data["audience"],
                                   role=data["role"])
    recipients = message_recipients(event, draft.audience, draft.role)
    first = recipients.first()
    if first is None:
        return {"recipient_count": 0}
    first.event = event
    with translation.override(draft.language):
        email = message_email_build(draft, first)
    html = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    return {"recipient_count": recipients.count(), "preview_html": html,
            "preview_text": email.body, "preview_subject": email.subject,
            "preview_to": first.person_name}


@require_http_methods(["GET", "POST"])
@login_required
@db_retry
def message_compose(request: HttpRequest, event_id: int) -> HttpResponse:
    """GET: the form. POST with `preview`: the form again with the e-mail as the first
    recipient would get it and the number of recipients; changes nothing. POST with `send`:
    the message is saved and sent in the background (see `services.message_send`)."""
    event = event_for_organiser(request, event_id)
    form = MessageForm(request.POST or None)
    context: dict = {"event": event, "form": form}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif "send" in request.POST:
            data = form.cleaned_data
            try:
                message = services.message_send(
                    event, sender=request.user, subject=data["subject"], body=data["body"],
                    audience=data["audience"], role=data["role"])
            except MessageError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                count = message.deliveries.count()
                flash.success(request, ngettext("Your message is being sent to %(n)s person.",
                                                "Your message is being sent to %(n)s people.",
                                                count) % {"n": count})
                return HttpResponseRedirect(reverse("messaging:detail",
                                                    args=[event.pk, message.pk]))
        else:
            try:
                context.update(_preview(event, request, form.cleaned_data))
            except MessageError as exc:
                form.add_error(None, exc.message)
                status = 400
    return render(request, "messaging/compose.html", context, status=status)


@require_GET
@login_required
def message_detail(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    """One message as sent, with how many were sent, skipped and failed so far."""
    event = event_for_organiser(request, event_id)
    message = get_object_or_404(message_history(event), pk=pk)
    return render(request, "messaging/detail.html", {"event": event, "message": message,
                                                     "done": message.sent_count
                                                     + message.skipped_count
                                                     + message.failed_count})
