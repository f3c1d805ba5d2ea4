"""The machinery of the URL-map fuzz walk (tests/home/test_fuzz.py): the hostile values,
the URL map filled with real objects, the forms of a page, and a tally of the answers.

Sampling (the walk must stay well under a minute on SQLite): every hostile value reaches
every slot of a page's query string and of each of its forms, by rotation — request k puts
value (i + k) mod n into slot i, so n requests cover n values in all slots. Path parameters
get a shorter list (Django's converters already narrow what reaches a view).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from network.ids import MAX_ID

#: Each value stands for a family of inputs that broke something once.
HOSTILE = [
    str(MAX_ID + 1),                                   # beyond 64 bits
    "-1",                                              # negative
    "²",                                               # a digit int() refuses
    "\"'><script>alert(1)</script> AND ( OR NOT *",     # quotes, HTML, search syntax
    "a\x00b\r\nSet-Cookie: x=1",                       # control characters
    "🚀\u202e\u0645\u0631\u062d\u0628\u0627" * 700,  # long, 4-byte, right-to-left
    "2026-13-45T25:61",                                # an impossible date
    "",                                                # nothing
]
HOSTILE_PATH = [str(MAX_ID + 1), "0", "\"'><script>", "x" * 300]
#: Query parameters views read without a GET form naming them.
KNOWN_QUERY_PARAMS = [
    "q", "page", "p", "type", "next", "event", "state", "role", "ordering", "space", "skill",
    "city", "topic", "from", "to", "date_from", "date_to", "when", "export", "format",
    "content_type", "owner", "locale", "site", "locked", "status", "sort", "per_page",
    "parent", "collection_id", "tag", "id", "home_space", "user", "search", "order",
]
#: Never posted to: it would end the session the rest of the walk needs.
NOT_POSTED = ("/accounts/logout/",)


class FormCollector(HTMLParser):
    """The forms of a page: method, action, field names with their values, a submit."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(),
                          "action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and self._form is not None:
            name, kind = attrs.get("name"), attrs.get("type")
            if not name or kind in ("file", "image"):
                return
            if kind == "submit" or tag == "button":
                self._form.setdefault("submit", (name, attrs.get("value") or name))
            else:
                self._form["fields"].setdefault(name, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def forms_of(html: str) -> list[dict]:
    parser = FormCollector()
    parser.feed(html)
    return parser.forms


def rotations(names: list[str], values: list[str] = HOSTILE):
    """len(values) dicts; across them every name takes every value once."""
    for k in range(len(values)):
        yield {name: values[(i + k) % len(values)] for i, name in enumerate(names)}


@dataclass
class Walk:
    """Requests and their tally; every answer of 500 or more is kept for the report."""

    requests: int = 0
    inputs: int = 0
    failures: list[str] = field(default_factory=list)
    #: Seconds spent per (method, address without ids), to see where the time goes.
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)

    def send(self, client: Client, method: str, url: str, data=None, *, inputs: int = 0):
        self.requests += 1
        self.inputs += inputs
        started = time.perf_counter()
        response = getattr(client, method)(url, data or {})
        key = (method, re.sub(r"/\d+/", "/N/", url.split("?")[0])[:60])
        self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
        if response.status_code >= 500:
            shown = {k: (v[:40] if isinstance(v, str) else v) for k, v in (data or {}).items()}
            self.failures.append(f"{response.status_code} {method.upper()} {url} {shown}"[:400])
        return response


def _patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def fill(route: str, values: dict[str, list[tuple[str, str]]],
         override: dict[str, str] | None = None) -> str | None:
    """The route with each <converter:name> replaced, or None when a name has no value.
    `values[name]` lists (a word the route must contain, a value) pairs, first match wins."""
    def replace(match):
        name = match.group(2)
        if override and name in override:
            return quote(override[name], safe="")
        for word, value in values.get(name, []):
            if word in route:
                return value
        raise KeyError(name)
    try:
        return "/" + PARAMETER.sub(replace, route)
    except KeyError:
        return None


def project_routes(modules: tuple[str, ...], skipped: tuple[str, ...]) -> list[str]:
    """The routes (Django path syntax) whose views live in `modules`."""
    routes = []
    for route, entry in _patterns(get_resolver().url_patterns):
        module = getattr(entry.callback, "__module__", "") or ""
        view_class = getattr(entry.callback, "view_class", None)
        if view_class is not None:
            module = view_class.__module__
        if (module.startswith(modules) and isinstance(entry.pattern, RoutePattern)
                and not ("/" + route).startswith(skipped)):
            routes.append(route)
    return routes


def postable(form: dict, base: str) -> str | None:
    """Where a form posts to, or None for another site, a fragment or a skipped action."""
    action = form["action"] or base
    if urlsplit(action).netloc or action.startswith("#") or action.startswith(NOT_POSTED):
        return None
    return action
