"""events.federation.fetch exactly (issue 14, the mutation run): each refusal's sentence, the
request as the server receives it, what a download and a 304 return, the size limit's bound."""

import socket

import pytest

from events.federation.exceptions import FetchFailed, UnsafeAddress
from events.federation.fetch import USER_AGENT, FetchResult, fetch, resolve_checked, url_check


@pytest.mark.parametrize(("url", "sentence"), [
    ("http://example.org/a b", "The address is not a valid URL."),
    ("http://example.org:99999/", "The address is not a valid URL."),
    ("ftp://example.org/cal.ics", "Only http and https addresses can be imported."),
    ("http://user@example.org/", "Addresses with a user name or password are not accepted."),
    ("http://:secret@example.org/", "Addresses with a user name or password are not accepted."),
    ("http:///cal.ics", "The address has no host name."),
])
def test_each_refused_address_gets_its_sentence(url, sentence):
    with pytest.raises(UnsafeAddress) as refused:
        url_check(url)
    assert refused.value.message == sentence


def test_an_address_of_exactly_the_longest_length_is_accepted():
    url = "https://example.org/" + "a" * (2000 - len("https://example.org/"))
    assert url_check(url) == ("https", "example.org", 443)
    with pytest.raises(UnsafeAddress):
        url_check(url + "a")


def test_a_name_that_resolves_to_nothing_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [])
    with pytest.raises(FetchFailed) as nothing:
        resolve_checked("nowhere.example", 443)
    assert nothing.value.message == "The host name nowhere.example could not be resolved."

    def fail(*args, **kwargs):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchFailed) as failed:
        resolve_checked("nowhere.example", 443)
    assert failed.value.message == "The host name nowhere.example could not be resolved."


def test_the_name_is_resolved_for_its_port_and_a_stream(monkeypatch):
    asked = []

    def answer(host, port, **kwargs):
        asked.append((host, port, kwargs))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    assert resolve_checked("example.org", 8443) == "93.184.216.34"
    assert asked == [("example.org", 8443, {"type": socket.SOCK_STREAM})]


def test_a_private_name_is_refused_by_name(settings, monkeypatch):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80))])
    with pytest.raises(UnsafeAddress) as refused:
        resolve_checked("intranet.example", 80)
    assert refused.value.message == (
        "intranet.example is a private, loopback or link-local address: not imported.")


def test_the_request_carries_exactly_its_headers_and_the_query(feed_server):
    url = feed_server.serve("/feed.json?page=2", b"{}")
    fetch(url)
    [request] = feed_server.requests
    assert request["path"] == "/feed.json?page=2"
    assert request["headers"] == {
        "Host": f"127.0.0.1:{feed_server.port}", "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
        "Accept": "text/calendar, application/json;q=0.9, */*;q=0.1"}
    feed_server.serve("/", b"{}")
    fetch(feed_server.url(""))  # no path: the root is asked for
    assert feed_server.requests[-1]["path"] == "/"


def test_a_download_returns_its_headers_as_read_and_cut(feed_server):
    url = feed_server.serve("/cal.ics", b"BEGIN", headers={
        "Content-Type": "Text/Calendar; Charset=UTF-8", "ETag": '"' + "e" * 300 + '"',
        "Last-Modified": "M" * 150})
    assert fetch(url) == FetchResult(
        url=url, body=b"BEGIN", content_type="text/calendar; charset=utf-8",
        etag='"' + "e" * 199, last_modified="M" * 100)
    bare = feed_server.serve("/bare.ics", b"x")
    assert fetch(bare) == FetchResult(url=bare, body=b"x", content_type="", etag="",
                                      last_modified="")


def test_a_304_returns_the_validators_it_was_given(feed_server):
    url = feed_server.serve("/feed.json", status=304)
    assert fetch(url, etag='"v1"', last_modified="Mon, 30 Nov 2026 10:00:00 GMT") == (
        FetchResult(url=url, body=b"", content_type="", etag='"v1"',
                    last_modified="Mon, 30 Nov 2026 10:00:00 GMT", not_modified=True))
    feed_server.requests.clear()
    fetch(url)  # no validators: none sent
    headers = feed_server.requests[0]["headers"]
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


def test_a_feed_of_exactly_the_largest_size_is_accepted(feed_server, settings):
    settings.EVENTS_IMPORT_MAX_BYTES = 1000
    declared = feed_server.serve("/exact.ics", b"x" * 1000)
    assert fetch(declared).body == b"x" * 1000
    streamed = feed_server.serve("/exact-stream.ics", b"y" * 1000, drip=100)
    assert fetch(streamed).body == b"y" * 1000
    over = feed_server.serve("/over.ics", b"z" * 1001, drip=100)
    with pytest.raises(FetchFailed) as cut:
        fetch(over)
    assert cut.value.message == "The calendar is larger than 1000 bytes: not imported."


def test_each_failed_download_gets_its_sentence(feed_server):
    nowhere = feed_server.serve("/moved", status=302)
    with pytest.raises(FetchFailed) as moved:
        fetch(nowhere)
    assert moved.value.message == "The server redirected without saying where."
    loop = feed_server.serve("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchFailed) as looped:
        fetch(loop)
    assert looped.value.message == "Too many redirects."
    packed = feed_server.serve("/gz", b"\x1f\x8b", headers={"Content-Encoding": "GZIP"})
    with pytest.raises(FetchFailed) as compressed:
        fetch(packed)
    assert compressed.value.message == "The server sent a compressed answer: not imported."
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(FetchFailed) as unreachable:
        fetch(f"http://127.0.0.1:{port}/cal.ics")
    assert unreachable.value.message == "The server could not be reached."
