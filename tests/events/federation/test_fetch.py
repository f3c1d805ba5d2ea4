"""Fetching a subscribed calendar is SSRF-safe: http(s) only, public addresses only (checked
once and connected to, no DNS rebinding), redirects re-checked, size and time limits,
conditional GETs."""

import socket
import time

import pytest

from events.federation import fetch as fetch_module
from events.federation.exceptions import FetchFailed, UnsafeAddress
from events.federation.fetch import address_is_public, fetch, resolve_checked, url_check


@pytest.mark.parametrize("url", [
    "ftp://example.org/cal.ics", "file:///etc/passwd", "javascript:alert(1)",
    "gopher://example.org/", "http://user:secret@example.org/cal.ics", "http:///cal.ics",
    "http://example.org/cal ics", "http://example.org/\ncal.ics", "http://example.org:99999/",
    "https://" + "a" * 2100 + ".org/",
])
def test_url_check_refuses_what_is_not_a_plain_http_address(url):
    with pytest.raises(UnsafeAddress):
        url_check(url)


def test_url_check_gives_scheme_host_and_default_port():
    assert url_check("https://Example.org/cal.ics") == ("https", "example.org", 443)
    assert url_check("http://example.org:8080/x") == ("http", "example.org", 8080)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",  # noqa: S104
    "::1", "fe80::1", "fc00::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::",
])
def test_private_loopback_link_local_and_reserved_addresses_are_not_public(address):
    assert address_is_public(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_internet_addresses_are_public(address):
    assert address_is_public(address) is True


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/cal.ics", "http://[::1]/cal.ics", "http://169.254.169.254/latest/",
    "http://10.1.2.3/feed.json", "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/",
    "http://2130706433/",  # 127.0.0.1 written as one number
])
def test_fetch_refuses_private_addresses_before_connecting(url, settings, monkeypatch):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: pytest.fail("connected to a private address"))
    with pytest.raises(UnsafeAddress):
        fetch(url)


def test_a_name_with_one_private_address_among_public_ones_is_refused(settings, monkeypatch):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    with pytest.raises(UnsafeAddress):
        resolve_checked("mixed.example", 80)


def test_the_connection_goes_to_the_checked_address_not_to_a_second_dns_answer(
        settings, monkeypatch):
    """DNS rebinding: the name answers a public address once and 127.0.0.1 afterwards; the
    fetcher resolves once and connects to the address it checked."""
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(FetchFailed):
        fetch("http://rebind.example/cal.ics")
    assert lookups == ["rebind.example"]
    assert connected == [("93.184.216.34", 80)]


def test_private_addresses_are_allowed_only_with_the_setting(feed_server, settings):
    url = feed_server.serve("/cal.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert fetch(url).body.startswith(b"BEGIN:VCALENDAR")
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    with pytest.raises(UnsafeAddress):
        fetch(url)


def test_a_redirect_to_a_private_address_is_refused(feed_server, monkeypatch, settings):
    """The test server stands for a public host (127.0.0.1 counted as public); its redirect
    to the cloud metadata address is checked again and refused."""
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    real = fetch_module.address_is_public
    monkeypatch.setattr(fetch_module, "address_is_public",
                        lambda address: address == "127.0.0.1" or real(address))
    url = feed_server.serve("/cal.ics", status=302,
                            headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(UnsafeAddress):
        fetch(url)
    assert [r["path"] for r in feed_server.requests] == ["/cal.ics"]


def test_redirects_are_followed_and_counted(feed_server):
    feed_server.serve("/final.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    url = feed_server.serve("/old.ics", status=301, headers={"Location": "/final.ics"})
    result = fetch(url)
    assert result.url == feed_server.url("/final.ics")
    loop = feed_server.serve("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchFailed, match="Too many redirects"):
        fetch(loop)
    assert len([r for r in feed_server.requests if r["path"] == "/loop"]) == 6


def test_an_oversized_feed_is_cut(feed_server, settings):
    settings.EVENTS_IMPORT_MAX_BYTES = 100_000
    declared = feed_server.serve("/big.ics", b"x" * 200_000)
    with pytest.raises(FetchFailed, match="larger than 100000 bytes"):
        fetch(declared)
    # No Content-Length (streamed): cut while reading.
    streamed = feed_server.serve("/stream.ics", b"y" * 200_000, drip=16_384)
    with pytest.raises(FetchFailed, match="larger than 100000 bytes"):
        fetch(streamed)


def test_a_slow_feed_is_cut_at_the_time_limit(feed_server, settings):
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = 0.6
    url = feed_server.serve("/slow.ics", b"z" * 1000, drip=10, drip_delay=0.1)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="too slow"):
        fetch(url)
    assert time.monotonic() - started < 1.5


def test_an_error_status_is_a_clear_refusal(feed_server):
    with pytest.raises(FetchFailed, match="answered 404"):
        fetch(feed_server.url("/missing.ics"))


def test_a_compressed_answer_is_refused(feed_server):
    url = feed_server.serve("/gz.ics", b"\x1f\x8b...", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchFailed, match="compressed"):
        fetch(url)


def test_conditional_get_sends_the_validators_and_reads_a_304(feed_server):
    def handler(request, route):
        if request.headers.get("If-None-Match") == '"v1"':
            request.send_response(304)
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("ETag", '"v1"')
        request.send_header("Last-Modified", "Mon, 30 Nov 2026 10:00:00 GMT")
        request.send_header("Content-Length", "2")
        request.end_headers()
        request.wfile.write(b"{}")

    url = feed_server.serve("/feed.json", handler=handler)
    first = fetch(url)
    assert (first.etag, first.last_modified) == ('"v1"', "Mon, 30 Nov 2026 10:00:00 GMT")
    second = fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified is True and second.body == b""
    assert feed_server.requests[1]["headers"]["If-None-Match"] == '"v1"'
    assert feed_server.requests[1]["headers"]["If-Modified-Since"] == first.last_modified
