"""Reads for the home page."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from network.models import SpacePage


def home_context(page, request: HttpRequest) -> dict:
    """Spaces and live numbers for the landing page (events come from a template tag)."""
    spaces = SpacePage.objects.live().filter(active=True).order_by("title")
    return {
        "spaces": spaces,
        "numbers": {
            "spaces": spaces.count(),
            "members": get_user_model().objects.filter(is_active=True).count(),
        },
    }
