"""Shared pieces of the API tests: a client that speaks to /api/v1/, tokens, the schema."""

from __future__ import annotations

from functools import cache

import jsonschema
from django.test import Client
from django.urls import reverse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.tokens import api_token_create


def token_for(user, name: str = "test") -> str:
    return api_token_create(user, name).plain


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def get(client: Client, name: str, *, token: str | None = None, params: dict | None = None,
        **kwargs):
    headers = bearer(token) if token else {}
    return client.get(reverse(f"api:{name}", kwargs=kwargs or None), params or {}, **headers)


@cache
def _schema_document() -> dict:
    response = Client().get(reverse("api:schema"),
                            HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def schema_document() -> dict:
    return _schema_document()


def component_validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator of the served schema's component `name` (OpenAPI 3.1 schemas are JSON
    Schema 2020-12), resolving its $refs inside the served document."""
    document = schema_document()
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:api-schema", resource)
    schema = {"$ref": f"urn:api-schema#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.FormatChecker())


def assert_matches_schema(data: dict, name: str) -> None:
    """`data` validates against component `name`, with exactly the keys it declares (a key
    the code adds without declaring it fails here)."""
    component_validator(name).validate(data)
    declared = schema_document()["components"]["schemas"][name]["properties"]
    assert set(data) == set(declared), (name, set(data) ^ set(declared))
