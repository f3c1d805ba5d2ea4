"""Downloading a subscribed calendar without turning the server into a proxy into its own
network (SSRF).

Guarantees of `fetch()`:
- only `http` and `https` URLs, without user name or password;
- the host name is resolved ONCE, every address it resolves to must be public (not private,
  loopback, link-local, multicast, reserved, shared or unspecified, IPv4-mapped ones
  included), and the connection goes to that checked address (a second DNS answer cannot
  swap in 127.0.0.1: no DNS rebinding). TLS still checks the certificate against the host
  name. `settings.EVENTS_IMPORT_ALLOW_PRIVATE` (environment `EVENTS_IMPORT_ALLOW_PRIVATE=1`)
  lifts the address rule, for tests and the demo on one machine;
- every redirect is checked again the same way (at most `MAX_REDIRECTS`);
- the whole download takes at most `settings.EVENTS_IMPORT_TIMEOUT_SECONDS` and at most
  `settings.EVENTS_IMPORT_MAX_BYTES` bytes: a slow or endless server is cut off;
- no compression is asked for or accepted (no decompression bombs), no proxy is used;
- conditional GET: the caller passes the ETag and Last-Modified of the previous download and
  gets `not_modified=True` on a 304.

Raises `UnsafeAddress` or `FetchFailed` (events.federation.exceptions) with a sentence for
people. Hand-written on `http.client` because pinning the connection to the checked address
while keeping TLS host-name checks is a few lines here and awkward through requests' adapters.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import FetchFailed, UnsafeAddress

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 2000
CHUNK = 64 * 1024
USER_AGENT = "Espresso-calendar-import/1 (+https://github.com/espresso)"
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchResult:
    """A download: `body` is empty when `not_modified`."""

    url: str
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    not_modified: bool = False


def _allow_private() -> bool:
    return bool(getattr(settings, "EVENTS_IMPORT_ALLOW_PRIVATE", False))


def address_is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (IPv4-mapped IPv6 read as IPv4). An
    IPv6 zone index (`fe80::1%eth0`, as getaddrinfo gives link-local ones) is read as part of
    the address since Python 3.9, so a link-local address with one is still link-local."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def url_check(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL. Raises UnsafeAddress."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH or any(
            ch.isspace() or not ch.isprintable() for ch in url):
        raise UnsafeAddress(_("The address is not a valid URL."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeAddress(_("The address is not a valid URL.")) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress(_("Only http and https addresses can be imported."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeAddress(_("Addresses with a user name or password are not accepted."))
    host = parts.hostname
    if not host:
        raise UnsafeAddress(_("The address has no host name."))
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def resolve_checked(host: str, port: int) -> str:
    """The one address to connect to. Every address the name resolves to must be public
    (unless private addresses are allowed): a name that also points inside is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(_("The host name %(host)s could not be resolved.")
                          % {"host": host}) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchFailed(_("The host name %(host)s could not be resolved.") % {"host": host})
    if not _allow_private():
        for address in addresses:
            if not address_is_public(address):
                raise UnsafeAddress(
                    _("%(host)s is a private, loopback or link-local address: not imported.")
                    % {"host": host})
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed, already checked address (Host header: the name)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed, already checked address; the certificate is checked for the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _read_limited(response: http.client.HTTPResponse, sock: socket.socket | None,
                  deadline: float, max_bytes: int) -> bytes:
    """The body, read before `deadline` and cut past `max_bytes`; a body shorter than its
    declared Content-Length (http.client's read1 returns b"" then) is a broken download."""
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(_("The server was too slow: download stopped."))
        if sock is not None:
            sock.settimeout(remaining)
        try:
            chunk = response.read1(CHUNK)
        except TimeoutError as exc:
            raise FetchFailed(_("The server was too slow: download stopped.")) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchFailed(_("The download broke off.")) from exc
        if not chunk:
            if response.length:  # the server closed before the Content-Length it declared
                raise FetchFailed(_("The download broke off."))
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed(_("The calendar is larger than %(n)s bytes: not imported.")
                              % {"n": max_bytes})
        chunks.append(chunk)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET `url` safely (see the module's guarantees). Raises UnsafeAddress, FetchFailed."""
    timeout = float(getattr(settings, "EVENTS_IMPORT_TIMEOUT_SECONDS", 15))
    max_bytes = int(getattr(settings, "EVENTS_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port = url_check(url)
        address = resolve_checked(host, port)
        remaining = max(deadline - time.monotonic(), 0.01)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address, remaining)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                   "Accept": "text/calendar, application/json;q=0.9, */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
            except TimeoutError as exc:
                raise FetchFailed(_("The server was too slow: download stopped.")) from exc
            except ssl.SSLCertVerificationError as exc:
                raise FetchFailed(_("The server's certificate could not be verified.")) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise FetchFailed(_("The server could not be reached.")) from exc
            if response.status in REDIRECTS:
                location = response.getheader("Location") or ""
                if not location:
                    raise FetchFailed(_("The server redirected without saying where."))
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return FetchResult(url=url, body=b"", content_type="", etag=etag,
                                   last_modified=last_modified, not_modified=True)
            if response.status != 200:
                raise FetchFailed(_("The server answered %(status)s.")
                                  % {"status": response.status})
            encoding = (response.getheader("Content-Encoding") or "identity").lower()
            if encoding not in ("identity", ""):
                raise FetchFailed(_("The server sent a compressed answer: not imported."))
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchFailed(_("The calendar is larger than %(n)s bytes: not imported.")
                                  % {"n": max_bytes})
            body = _read_limited(response, connection.sock, deadline, max_bytes)
            return FetchResult(
                url=url, body=body,
                content_type=(response.getheader("Content-Type") or "").lower(),
                etag=(response.getheader("ETag") or "")[:200],
                last_modified=(response.getheader("Last-Modified") or "")[:100])
        finally:
            connection.close()
    raise FetchFailed(_("Too many redirects."))
