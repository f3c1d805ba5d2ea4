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

from .forms import ProfileForm
from .pagecache.marks import public_page_cache
from .selectors import profile_email_visible, profile_for_viewer
from .services import profile_avatar_remove, profile_avatar_set, profile_ensure


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
