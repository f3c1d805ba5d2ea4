"""events.federation.fetch at its limits, against real sockets: the time limit while waiting
for an answer and while reading one, a download that breaks off, a declared size over the
limit, and HTTPS (the certificate checked for the host name, the connection made to the
checked address). Each failure is asserted by the sentence people read.

The stalling servers are bounded: they hang up after `HANG_UP` seconds, well after the time
limit. A fetcher that ignored its limit would wait for that and say something else ("could
not be reached", "broke off"), so the sentence tells a cut download from one that waited.
"""

import socket
import ssl
import time
from types import SimpleNamespace

import pytest
import trustme

from events.federation import fetch as fetch_module
from events.federation.exceptions import FetchFailed
from events.federation.fetch import _read_limited, address_is_public, fetch

from .conftest import FeedServer

LIMIT = 0.3  # seconds given to a whole download in these tests
HANG_UP = 0.8  # when a stalling server gives up and closes the connection
TOO_SLOW = "The server was too slow: download stopped."
BROKE_OFF = "The download broke off."
NAME = "calendar.test"  # a reserved top-level domain: never a real host


def stall_then_hang_up(handler, route) -> None:
    """Accept the request, answer nothing, close after HANG_UP."""
    time.sleep(HANG_UP)


def start_then_stall(handler, route) -> None:
    """Headers and 10 of the 1,000 bytes they declare, then nothing until HANG_UP."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
    time.sleep(HANG_UP)


def failure(url: str) -> str:
    with pytest.raises(FetchFailed) as failed:
        fetch(url)
    return failed.value.message


# -- the time limit ------------------------------------------------------------------------

def test_a_server_that_never_answers_is_cut_at_the_time_limit(feed_server, settings):
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = LIMIT
    assert failure(feed_server.serve("/cal.ics", handler=stall_then_hang_up)) == TOO_SLOW


def test_a_body_that_stops_coming_is_cut_at_the_time_limit(feed_server, settings):
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = LIMIT
    assert failure(feed_server.serve("/cal.ics", handler=start_then_stall)) == TOO_SLOW


def test_the_limit_counts_the_whole_download_not_each_wait(feed_server, settings):
    """The answer starts 0.45 s into a 0.6 s limit: the body has 0.15 s left, not a fresh
    0.6 s (which would last until after the server hangs up at 0.9 s)."""
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = 0.6

    def late_then_stall(handler, route):
        time.sleep(0.45)
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
        time.sleep(0.45)

    assert failure(feed_server.serve("/cal.ics", handler=late_then_stall)) == TOO_SLOW


def test_a_short_limit_is_enough_for_a_quick_server(feed_server, settings):
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = 0.5
    assert fetch(feed_server.serve("/cal.ics", b"BEGIN:VCALENDAR")).body == b"BEGIN:VCALENDAR"


class _Answer:
    """An http.client response as `_read_limited` reads it: one chunk, then the end."""

    length = None

    def __init__(self, body: bytes) -> None:
        self.chunks = [body, b""]

    def read1(self, size: int) -> bytes:
        return self.chunks.pop(0)


def test_no_time_left_at_all_is_too_late(monkeypatch):
    monkeypatch.setattr(fetch_module, "time", SimpleNamespace(monotonic=lambda: 100.0))
    with pytest.raises(FetchFailed) as late:
        _read_limited(_Answer(b"BEGIN"), None, deadline=100.0, max_bytes=10)
    assert late.value.message == TOO_SLOW
    assert _read_limited(_Answer(b"BEGIN"), None, deadline=100.5, max_bytes=10) == b"BEGIN"


# -- broken and oversized downloads ------------------------------------------------------------

def test_a_body_shorter_than_its_declared_length_broke_off(feed_server):
    """http.client's read1 returns b"" when the server closes early; that is not the end."""
    def hang_up_early(handler, route):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)

    assert failure(feed_server.serve("/cal.ics", handler=hang_up_early)) == BROKE_OFF


def test_a_chunked_body_that_stops_mid_chunk_broke_off(feed_server):
    def hang_up_mid_chunk(handler, route):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"64\r\n" + b"x" * 10)

    assert failure(feed_server.serve("/cal.ics", handler=hang_up_mid_chunk)) == BROKE_OFF


def test_a_declared_size_over_the_limit_is_refused_before_the_body(feed_server, settings):
    """The server declares 10,000 bytes, sends 50 and hangs up: the refusal comes from the
    declaration (reading would have found a broken download instead)."""
    settings.EVENTS_IMPORT_MAX_BYTES = 100

    def declare_too_much(handler, route):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + b"x" * 50)

    assert failure(feed_server.serve("/cal.ics", handler=declare_too_much)) == (
        "The calendar is larger than 100 bytes: not imported.")


# -- addresses -------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "public"), [
    ("fe80::1%eth0", False),  # link-local with its zone index, as getaddrinfo gives it
    ("fe80::1%2", False),
    ("2606:2800:220:1:248:1893:25c8:1946%eth0", True),
    ("4000::1", False),  # reserved, though Python counts it global
    ("2001:db8::1", False),  # documentation
])
def test_zone_indexes_and_reserved_ipv6(address, public):
    assert address_is_public(address) is public


# -- HTTPS -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def only_our_name(monkeypatch):
    """DNS that knows NAME only (as 127.0.0.1) besides IP literals: a connection to anything
    but the checked address (the name again, or no host at all) fails to resolve."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == NAME:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        if host == "127.0.0.1":
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "unknown in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def https_server(ca, settings, only_our_name):
    """Start an HTTPS server reached as NAME, with a certificate for `cert_name` from `ca`."""
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = True
    servers = []

    def start(cert_name: str = NAME, issuer: trustme.CA = ca) -> FeedServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        issuer.issue_cert(cert_name).configure_cert(context)
        servers.append(FeedServer(tls=context, name=NAME))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def trusted(ca, tmp_path, monkeypatch):
    """The system's trusted certificates are our test CA's, for this test."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


def test_https_goes_to_the_checked_address_and_checks_the_name(https_server, trusted):
    server = https_server()
    url = server.serve("/cal.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert url == f"https://{NAME}:{server.port}/cal.ics"
    assert fetch(url).body == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert server.requests[0]["headers"]["Host"] == f"{NAME}:{server.port}"


def test_a_certificate_for_another_name_is_refused(https_server, trusted):
    url = https_server(cert_name="other.test").serve("/cal.ics", b"BEGIN:VCALENDAR")
    assert failure(url) == "The server's certificate could not be verified."


def test_an_untrusted_certificate_is_refused(https_server, trusted):
    url = https_server(issuer=trustme.CA()).serve("/cal.ics", b"BEGIN:VCALENDAR")
    assert failure(url) == "The server's certificate could not be verified."


def test_certificates_are_checked_even_if_the_process_turned_checks_off(
        https_server, monkeypatch):
    """A library in the same process may switch Python's default HTTPS context to the
    unverified one (a known shortcut); the fetcher makes its own verifying context."""
    monkeypatch.setattr(ssl, "_create_default_https_context", ssl._create_unverified_context)
    url = https_server(issuer=trustme.CA()).serve("/cal.ics", b"BEGIN:VCALENDAR")
    assert failure(url) == "The server's certificate could not be verified."


def test_https_waits_are_cut_at_the_time_limit_too(https_server, trusted, settings):
    settings.EVENTS_IMPORT_TIMEOUT_SECONDS = LIMIT
    url = https_server().serve("/cal.ics", handler=stall_then_hang_up)
    assert failure(url) == TOO_SLOW
