"""Views of following: the follow/unfollow buttons, the member's "what I follow" page and
the calendar feed of followed events. They only turn requests into selector/service calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.calendar import events_to_ical
from events.calendar_links import webcal_url
from events.calendar_tokens import calendar_token_active, calendar_token_user
from network.public_urls import public_url

from .forms import DigestSettingsForm
from .models import FollowKind
from .selectors import digest_settings, events_followed, follow_list, follow_target_get
from .services import digest_settings_set, follow_add, follow_remove


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("following:mine")


@login_required
@require_POST
def follow_toggle(request: HttpRequest) -> HttpResponse:
    """Follow (action=follow) or stop following (action=unfollow) one space (kind=space,
    target=page id), topic (kind=topic, target=tag slug) or format (kind=format,
    target=value); back to `next`. An unknown target is a 400 that changes nothing."""
    kind, action = request.POST.get("kind", ""), request.POST.get("action", "")
    target = follow_target_get(kind, request.POST.get("target", ""))
    if target is None or action not in ("follow", "unfollow"):
        return HttpResponseBadRequest(_("Unknown thing to follow."), content_type="text/plain")
    if action == "follow":
        follow = follow_add(request.user, kind, target)
        messages.success(request, _("You now follow “%(name)s”.") % {"name": follow.target_label})
    else:
        follow_remove(request.user, kind, target)
        messages.success(request, _("You no longer follow it."))
    return redirect(_next_url(request))


@login_required
@require_http_methods(["GET", "POST"])
def following_mine(request: HttpRequest) -> HttpResponse:
    """What the member follows, their digest choice (a day of the week or never, and a time
    zone; a bad choice is a 400 that changes nothing), and the address of the calendar of
    followed events (when they have a personal calendar address)."""
    form = DigestSettingsForm(request.POST or None,
                              initial=DigestSettingsForm.initial_for(
                                  digest_settings(request.user)))
    if request.method == "POST":
        if not form.is_valid():
            return HttpResponseBadRequest(_("Unknown digest choice."), content_type="text/plain")
        digest_settings_set(request.user, weekday=form.weekday(),
                            time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Your digest choice is saved."))
        return redirect("following:mine")
    token = calendar_token_active(request.user)
    feed_url = (public_url(reverse("following:calendar", kwargs={"token": token.token}))
                if token is not None else "")
    return render(request, "following/mine.html", {
        "follows": follow_list(request.user),
        "digest_form": form,
        "events": list(events_followed(request.user)[:10]),
        "feed_url": feed_url,
        "webcal_url": webcal_url(feed_url) if feed_url else "",
        "kinds": FollowKind,
    })


@require_GET
def following_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The events matching what the member follows (the last 30 days and what is to come,
    cancelled ones marked so), behind their personal calendar token (404 once revoked)."""
    user = calendar_token_user(token)
    if user is None:
        raise Http404(_("Unknown or revoked calendar address."))
    events = list(events_followed(user, upcoming_only=False, include_cancelled=True))
    body = events_to_ical(events, _("Espresso: events I follow"), request=request,
                          url=public_url(request.get_full_path()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="espresso-following.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
