"""The page cache's compressed copies: a cached page without a CSRF token is stored gzipped
once and sent so to clients that accept gzip, byte for byte the same content, with a weak
ETag that still answers If-None-Match; never a page carrying a token."""

import gzip
import os

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import reverse

from network.pagecache.middleware import GZIP_MIN_BYTES, _compressed, accepts_gzip
from tests.events.registration_factories import publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, db):
    settings.PAGE_CACHE = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # see test_pagecache.py
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def events(site_tree):
    space = space_in(site_tree, title="Cowo Lecce — caffè ☕")
    return [publish_event(space, title=f"Open coffee {n} · مرحبا", capacity=3)
            for n in range(3)]


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def test_a_cached_feed_is_sent_gzipped_to_a_client_that_accepts_it(client, events):
    url = reverse("events:calendar_network")
    miss = client.get(url)
    assert miss["X-Page-Cache"] == "miss"
    assert not miss.has_header("Content-Encoding")
    assert "accept-encoding" in _vary(miss)

    hit = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert hit.status_code == 200
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.content) == miss.content
    assert len(hit.content) < len(miss.content) / 2
    assert int(hit["Content-Length"]) == len(hit.content)
    assert hit["ETag"] == "W/" + miss["ETag"]
    assert hit["Content-Type"] == miss["Content-Type"]
    assert {"cookie", "accept-encoding"} <= _vary(hit)

    plain = client.get(url)
    assert plain["X-Page-Cache"] == "hit"
    assert not plain.has_header("Content-Encoding")
    assert plain.content == miss.content
    assert plain["ETag"] == miss["ETag"]
    assert "accept-encoding" in _vary(plain)


def test_a_client_that_does_not_accept_gzip_gets_the_plain_bytes(client, events):
    url = reverse("events:feed_json")
    first = client.get(url)
    for header in ("identity", "gzip;q=0", "br, deflate", "*;q=0", ""):
        response = client.get(url, HTTP_ACCEPT_ENCODING=header)
        assert response["X-Page-Cache"] == "hit"
        assert not response.has_header("Content-Encoding"), header
        assert response.content == first.content


def test_the_weak_etag_and_the_strong_one_both_answer_304(client, events):
    url = reverse("events:calendar_network")
    strong = client.get(url)["ETag"]
    weak = client.get(url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    assert weak == "W/" + strong
    for etag in (strong, weak):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        assert response.content == b""
        assert not response.has_header("Content-Encoding")


def test_a_space_feed_decompresses_to_the_same_text_with_its_accents_and_scripts(client,
                                                                                events):
    url = reverse("events:calendar_space", kwargs={"slug": events[0].space.slug})
    plain = client.get(url)
    hit = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert hit["Content-Encoding"] == "gzip"
    text = gzip.decompress(hit.content).decode()
    assert text == plain.content.decode()
    assert "Open coffee 2 · مرحبا" in text
    assert "Cowo Lecce — caffè ☕" in text


def test_a_page_with_a_csrf_token_is_never_sent_compressed(client, events):
    url = events[0].url
    first = client.get(url)
    assert 'name="csrfmiddlewaretoken"' in first.content.decode()
    for _ in range(2):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response["X-Page-Cache"] == "hit"
        assert not response.has_header("Content-Encoding")
        assert "accept-encoding" not in _vary(response)
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()


@pytest.mark.parametrize(("header", "accepted"), [
    ("gzip", True), ("GZIP", True), ("deflate, gzip;q=0.5", True), ("x-gzip", True),
    ("*", True), ("br;q=1.0, *;q=0.1", True), ("gzip;q=0", False), ("gzip;q=0.0", False),
    ("gzip;q=nonsense", False), ("identity", False), ("", False), (None, False),
    ("gzip;q=0, *", False), ("gzipped", False),
])
def test_accept_encoding_is_read_with_its_qualities(header, accepted):
    assert accepts_gzip(header) is accepted


def _response(body: bytes, content_type: str, **headers) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def test_only_text_worth_compressing_gets_a_compressed_copy():
    text = ("<p>Caffè ☕ مرحبا</p>\n" * 200).encode()
    assert gzip.decompress(_compressed(text, _response(text, "text/html; charset=utf-8"))) == text
    assert _compressed(text, _response(text, "text/calendar")) is not None
    assert _compressed(text, _response(text, "application/json")) is not None
    assert _compressed(text, _response(text, "application/ld+json")) is not None
    small = b"x" * (GZIP_MIN_BYTES - 1)
    assert _compressed(small, _response(small, "text/plain")) is None
    assert _compressed(text, _response(text, "image/png")) is None
    assert _compressed(text, _response(text, "application/pdf")) is None
    assert _compressed(text, _response(text, "text/html", **{"Content-Encoding": "br"})) is None
    noise = os.urandom(4096)  # gzip would only make it larger
    assert _compressed(noise, _response(noise, "text/plain")) is None


def test_the_compressed_copy_is_the_same_bytes_every_time():
    text = b"BEGIN:VCALENDAR\r\n" * 500
    response = _response(text, "text/calendar")
    assert _compressed(text, response) == _compressed(text, response)
