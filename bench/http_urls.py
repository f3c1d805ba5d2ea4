"""The site's URLs plus /bench/bare/, the bare Django view every page is compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from espresso.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """The baseline: a Django view that renders nothing and reads nothing."""
    return HttpResponse(b"<!DOCTYPE html><title>bare</title><p>Hello</p>")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
