"""A tiny HTTP server on 127.0.0.1 for the import tests: each test tells it what to answer."""

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait between chunks of `drip` bytes (a slow server)
    drip_delay: float = 0.0
    drip: int = 0
    handler: Callable | None = None


class FeedServer:
    """`tls` (a server-side SSL context) makes it an HTTPS server, reached as `name`."""

    def __init__(self, tls: ssl.SSLContext | None = None, name: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict] = []
        self.scheme, self.name = ("https" if tls else "http"), name
        handler = self._handler_class()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.name}:{self.port}{path}"

    def serve(self, path: str, body: bytes = b"", **route) -> str:
        self.routes[path] = Route(body=body, **route)
        return self.url(path)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if route.handler is not None:
                    route.handler(self, route)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.drip:
                    self.end_headers()
                    try:
                        for start in range(0, len(route.body), route.drip):
                            self.wfile.write(route.body[start:start + route.drip])
                            self.wfile.flush()
                            time.sleep(route.drip_delay)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server(settings) -> Iterator[FeedServer]:
    """A server on loopback; private addresses allowed, as EVENTS_IMPORT_ALLOW_PRIVATE=1 does."""
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = True
    server = FeedServer()
    yield server
    server.close()
