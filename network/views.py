"""HTTP views of the network; they only translate requests into selector/service calls.

The two directories are Wagtail pages (SpaceIndexPage, MemberDirectoryPage) whose context
comes from `network.selectors`; profiles live at the stable Django URL /members/<slug>/.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import ProfileForm
from .pagecache.marks import public_page_cache
from .selectors import profile_email_visible, profile_for_viewer
from .services import profile_avatar_remove, profile_avatar_set, profile_ensure
from .unsubscribe import UnsubscribeTokenInvalid, unsubscribe_token_read


@public_page_cache
def profile_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One member's profile; a profile the viewer may not see is a plain 404 (its existence
    is not revealed)."""
    profile = profile_for_viewer(slug, request.user)
    if profile is None:
        raise Http404
    return render(request, "network/profile_detail.html", {
        "profile": profile,
        "email_visible": profile_email_visible(profile, request.user),
        "is_own": request.user.is_authenticated and request.user.pk == profile.user_id,
        "memberships": profile.user.memberships.all(),
    })


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The logged-in member edits their own profile (and nobody else's: there is no id in the
    URL). Profiles of users who did not sign up through allauth are created here lazily."""
    profile = profile_ensure(request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile = profile_ensure(request.user, **form.profile_fields(),
                                     skills=form.cleaned_data["skills"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data.get("avatar_upload"):
                profile_avatar_set(profile, form.cleaned_data["avatar_upload"])
            elif form.cleaned_data.get("remove_avatar"):
                profile_avatar_remove(profile)
            messages.success(request, _("Your profile has been saved."))
            return redirect(profile.get_absolute_url())
    return render(request, "network/profile_edit.html", {"form": form, "profile": profile})


# A mail client's one-click POST (RFC 8058) carries no CSRF token; the signed token in the
# URL is what authorises it, and it can only ever unsubscribe its own member (or address)
# from its list.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, identifier: str, token: str) -> HttpResponse:
    """GET: a page with one button (link scanners that follow links unsubscribe nobody).
    POST (the button, or the mail client's `List-Unsubscribe=One-Click`): unsubscribe, no
    login needed. A bad or foreign token is a 404 page that changes nothing."""
    try:
        subscriber, mailing_list = unsubscribe_token_read(identifier, token)
    except UnsubscribeTokenInvalid:
        return render(request, "network/unsubscribe.html", {"invalid": True}, status=404)
    done = request.method == "POST"
    if done:
        mailing_list.stop(subscriber)
    return render(request, "network/unsubscribe.html", {
        "mailing_list": mailing_list, "done": done, "email": subscriber.email,
        "subscribed": mailing_list.gets(subscriber)})
