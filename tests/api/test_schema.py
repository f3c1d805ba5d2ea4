"""The OpenAPI schema is served, valid, describes exactly the read-only /api/v1/ endpoints,
and its documentation page is served from our own static files."""

import pytest
from django.urls import reverse
from openapi_spec_validator import validate

from tests.api.helpers import schema_document

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/events/", "/api/v1/events/{id}/", "/api/v1/events/{id}/sessions/",
    "/api/v1/spaces/", "/api/v1/spaces/{slug}/", "/api/v1/profiles/",
    "/api/v1/profiles/{slug}/", "/api/v1/me/registrations/", "/api/v1/me/balance/",
}


def test_the_schema_is_valid_openapi_3_1(client):
    document = schema_document()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == "1.0.0"


def test_the_schema_lists_the_read_only_endpoints(client):
    paths = schema_document()["paths"]
    assert set(paths) == PATHS
    assert {method for operations in paths.values() for method in operations} == {"get"}


def test_personal_endpoints_require_the_token_in_the_schema(client):
    paths = schema_document()["paths"]
    for path in ("/api/v1/me/registrations/", "/api/v1/me/balance/"):
        assert paths[path]["get"]["security"] == [{"personalToken": []}]
    assert {} in paths["/api/v1/events/"]["get"]["security"]


def test_the_schema_comes_as_yaml_too_and_the_docs_page_is_local(client):
    yaml = client.get(reverse("api:schema"))
    assert yaml.status_code == 200
    assert yaml.content.startswith(b"openapi: 3.1.0")
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_writes_are_refused(client, site_tree):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(reverse("api:events"))
        assert response.status_code == 405
