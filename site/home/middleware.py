"""Middleware of the site as a whole."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse


class AdminNoAccessMiddleware:
    """A signed-in person without access to the Wagtail admin who opens any admin address
    gets a 403 page in the site's look saying so, with a link home.

    Wagtail itself sends them to the login page, and the login page sends a signed-in
    person straight back to where they came from: the browser looped between the two.
    Anonymous visitors still go to the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and request.path_info.startswith(reverse("wagtailadmin_home"))
                and not user.has_perm("wagtailadmin.access_admin")):
            return render(request, "home/admin_no_access.html", status=403)
        return self.get_response(request)
