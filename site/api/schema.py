"""drf-spectacular hooks: the served schema describes /api/v1/ only (Wagtail's own admin API
is not ours to document)."""

API_PREFIX = "/api/v1/"


def only_api_v1(endpoints: list, **kwargs) -> list:
    """Preprocessing hook: keep the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
