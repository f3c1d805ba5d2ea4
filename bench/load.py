"""A bounded load test on loopback: gunicorn (2 workers, production settings) and wrk with
50 connections for 60 s of mixed traffic — anonymous visitors on every public page and
signed-in members (one session each) on the listing, event pages and their own pages.

Usage: `make load` (a throwaway PostgreSQL), or
`DATABASE_URL=postgresql://... .venv/bin/python bench/load.py [--seconds 60]`.
Every page is first requested a few times (anonymous and signed in: the steady state is
measured, not each worker's first render), then the bare Django view gets the same 50
connections for 10 s: the same run's best case on this machine. Prints requests/s,
p50/p90/p99 latency, errors (socket errors and non-2xx/3xx answers) of both and whether the
goals hold: 0 errors, p99 ≤ 300 ms. Exits non-zero when they do not. Only 127.0.0.1 is
ever contacted. Every request says `Accept-Encoding: gzip, deflate, br`, as browsers do.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
# The same settings and secret as the gunicorn under test, so the sessions made here are
# valid there.
SECRET_KEY = "bench-" + "k" * 60
os.environ.update({"DJANGO_SETTINGS_MODULE": "bench.http_settings", "SECRET_KEY": SECRET_KEY,
                   "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "false",
                   "SITE_URL": "http://127.0.0.1:8000"})
CONNECTIONS = 50
SIGNED_IN_SHARE = 0.25
MEMBERS = 40
P99_GOAL_MS = 300.0
WARM_UP_SECONDS = 10

LUA = """
local anonymous = {%(anonymous)s}
local signed_in = {%(signed_in)s}
local sessions = {%(sessions)s}
math.randomseed(%(seed)d)
request = function()
  if math.random() < %(share)f then
    local path = signed_in[math.random(#signed_in)]
    local cookie = "sessionid=" .. sessions[math.random(#sessions)]
    return wrk.format("GET", path, {["Cookie"] = cookie, ["Accept-Encoding"] = "%(encoding)s"})
  end
  return wrk.format("GET", anonymous[math.random(#anonymous)],
                    {["Accept-Encoding"] = "%(encoding)s"})
end
"""


def _lua_list(values: list[str]) -> str:
    """Lua string literals (paths and session ids are ASCII: JSON's escapes are Lua's)."""
    return ", ".join(json.dumps(value, ensure_ascii=True) for value in values)


def _sessions(count: int) -> list[str]:
    """Session ids of `count` signed-in bench members (stored in the database)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model().objects.filter(username__startswith="bench-member-")[:count]
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


def main(seconds: int) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection
    from django.urls import reverse

    from bench.bench_http import (
        CLIENT_HEADERS,
        bench_urls,
        free_port,
        gunicorn_start,
        gunicorn_stop,
        warm_up,
        wrk,
    )

    call_command("migrate", verbosity=0, interactive=False)
    urls = bench_urls()
    anonymous = list(urls.values())
    signed_in = [urls["listing"], urls["listing, filtered"], urls["event page"], urls["home"],
                 urls["space page"], reverse("events:my_events")]
    sessions = _sessions(MEMBERS)
    connection.close()
    port = free_port()
    script = LUA % {"anonymous": _lua_list(anonymous), "signed_in": _lua_list(signed_in),
                    "sessions": _lua_list(sessions), "seed": 11, "share": SIGNED_IN_SHARE,
                    "encoding": CLIENT_HEADERS["Accept-Encoding"]}
    process = gunicorn_start(port, extra_env={"SECRET_KEY": SECRET_KEY,
                                              "SITE_URL": f"http://127.0.0.1:{port}"})
    base = f"http://127.0.0.1:{port}"
    try:
        # Anonymous and signed in: the steady state, not each worker's first render.
        warm_up(base, [*anonymous, *signed_in], ({}, {"Cookie": f"sessionid={sessions[0]}"}))
        # The same server, the same 50 connections, on the bare view: what this machine
        # gives at best right now (other work on it shows here as well).
        bare = wrk(f"{base}/bench/bare/", seconds=WARM_UP_SECONDS, connections=CONNECTIONS)
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
            lua.write(script)
            lua.flush()
            result = wrk(f"{base}/", seconds=seconds, connections=CONNECTIONS, script=lua.name)
    finally:
        gunicorn_stop(process)
    met = result["errors"] == 0 and result["p99_ms"] <= P99_GOAL_MS
    print("load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{value:.1f}" for value in os.getloadavg()))
    print(f"load: {seconds} s, {CONNECTIONS} connections, {len(anonymous)} anonymous pages,"
          f" {SIGNED_IN_SHARE:.0%} signed-in requests ({len(sessions)} members)")
    print(f"  requests/s {result['per_second']:.0f}  p50 {result['p50_ms']:.1f} ms"
          f"  p90 {result['p90_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms"
          f"  errors {result['errors']}")
    print(f"  same run, bare view, {CONNECTIONS} connections: requests/s {bare['per_second']:.0f}"
          f"  p50 {bare['p50_ms']:.1f} ms  p99 {bare['p99_ms']:.1f} ms  errors {bare['errors']}")
    print(f"  goals: 0 errors, p99 ≤ {P99_GOAL_MS:.0f} ms -> {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    arguments = parser.parse_args()
    if not 1 <= arguments.seconds <= 600:
        parser.error("--seconds must be between 1 and 600")
    sys.exit(main(arguments.seconds))
