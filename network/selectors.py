"""Reads for the network's pages (directory of spaces, member directory)."""

from django.http import HttpRequest


def space_directory_context(page, request: HttpRequest) -> dict:
    from .models import SpacePage

    return {"spaces": SpacePage.objects.live().descendant_of(page).order_by("title")}


def member_directory_context(page, request: HttpRequest) -> dict:
    return {"profiles": []}
