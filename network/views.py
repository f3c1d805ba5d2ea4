"""HTTP views of the network; they only translate requests into selector/service calls."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import MemberProfile


def profile_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profile = get_object_or_404(MemberProfile, slug=slug)
    if profile.visibility != "public":
        raise Http404
    return render(request, "network/profile_detail.html", {"profile": profile})
