"""Public pages under gunicorn (2 workers, production settings) measured with wrk, as ratios
to a bare Django view served by the same gunicorn in the same run; and the logged-in listing
and event page through the test client (median server time).

Anonymous pages: home, the listing (default and filtered), an event page, a space page, the
spaces and members directories, a member's profile, feed.json, network.ics and search. Each
URL gets WRK_SECONDS of `wrk -t2 -c10` (50 connections on an uncached page would only
queue requests past wrk's timeout; bench/load.py is the 50-connection run); the bare view
is measured first and last and the mean of the two is the baseline. Every request says
`Accept-Encoding: gzip, deflate, br`, as browsers and calendar apps do (the page cache
sends feeds compressed). Loopback only; wrk comes from the Debian package.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "5"))
CONNECTIONS = 10
PROFILES = 60
LOGGED_IN_REQUESTS = 30
ANONYMOUS_GOAL = 0.3
LOGGED_IN_GOAL_MS = 20.0
WARM_UP_REQUESTS = 4  # per page, sent at once: every gunicorn worker renders it once


def ensure_bench_profiles(count: int) -> None:
    """`count` public member profiles (bench-member-N), created once per database."""
    from django.contrib.auth import get_user_model

    from network.models import MemberProfile, Visibility

    if MemberProfile.objects.filter(slug__startswith="bench-member-").count() >= count:
        return
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-member-{i}", email=f"bench-member-{i}@example.org")
         for i in range(count)], ignore_conflicts=True)
    users = list(user_model.objects.filter(username__startswith="bench-member-"))
    MemberProfile.objects.bulk_create(
        [MemberProfile(user=user, slug=user.username, display_name=f"Bench Member {user.pk} ☕",
                       headline="Facilitator — caffè & co.", city="Lecce",
                       visibility=Visibility.PUBLIC) for user in users],
        ignore_conflicts=True)


def ensure_bench_registrations(space, per_member: int = 3) -> None:
    """Each bench member registered (through the service) for `per_member` of `space`'s
    upcoming events, so their "my events" page has rows, tickets and QR codes to show;
    once per database."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events.models import EventPage, Registration
    from events.services import registration_create

    members = list(get_user_model().objects.filter(username__startswith="bench-member-")
                   .order_by("pk"))
    if not members or Registration.objects.filter(user=members[0]).exists():
        return
    events = list(EventPage.objects.live().filter(space=space, starts_at__gt=timezone.now(),
                                                  price_credits=0)
                  .order_by("starts_at")[:40])
    for index, member in enumerate(members):
        for offset in range(per_member):
            registration_create(events[(index + offset * 7) % len(events)], user=member)


def bench_urls() -> dict[str, str]:
    """Name -> path of every public page the issue names, on the bench data."""
    from django.urls import reverse
    from django.utils import timezone

    from bench.bench_listing import ensure_bench_events
    from events.models import EventPage
    from home.services import site_tree_ensure

    tree = site_tree_ensure()
    space, _created = ensure_bench_events("bench-listing", 1000)
    ensure_bench_profiles(PROFILES)
    ensure_bench_registrations(space)
    event = (EventPage.objects.live().filter(space=space, starts_at__gt=timezone.now())
             .order_by("starts_at").first())
    return {
        "home": tree.home.url,
        # Where visitors type the site's name: a redirect to their language's home.
        "home, bare address / (redirect)": "/",
        "listing": tree.events.url,
        "listing, filtered": tree.events.url + "?format=workshop&seats=on&q=bench",
        "event page": event.url,
        "space page": space.url,
        "spaces directory": tree.spaces.url,
        "members directory": tree.members.url,
        "member profile": reverse("network:profile", kwargs={"slug": "bench-member-7"}),
        "feed.json": reverse("events:feed_json"),
        "network.ics": reverse("events:calendar_network"),
        "search": reverse("search") + "?q=bench",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(port: int, workers: int = 2, extra_env: dict | None = None) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port` with the production settings (bench.http_settings)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.http_settings",
           "SECRET_KEY": "bench-" + "k" * 60, "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "SITE_URL": f"http://127.0.0.1:{port}", "SECURE_SSL_REDIRECT": "false",
           "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **(extra_env or {})}
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "espresso.wsgi:application", "--chdir", "site",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/",
                                        timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited at start-up") from None
            time.sleep(0.3)
    gunicorn_stop(process)
    raise RuntimeError("gunicorn did not answer within 60 s")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def warm_up(base: str, paths: list[str], headers: tuple[dict, ...] = ({},)) -> None:
    """Each page WARM_UP_REQUESTS times at once, with each set of `headers`, before measuring.

    Each gunicorn worker has its own cache unless CACHE_URL names a shared one, so a page
    is first rendered once per worker: the figures are the steady state, not those renders
    (the cold network.ics of 6,000 events takes seconds). Requests sent one at a time could
    all reach the same worker; sent at once, a worker busy with one leaves the next to the
    other. Raises AssertionError for a page that does not answer 200."""

    def get(path: str, header: dict) -> int:
        request = urllib.request.Request(base + path, headers=header)  # noqa: S310
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
            return response.status

    with ThreadPoolExecutor(WARM_UP_REQUESTS) as pool:
        for path in dict.fromkeys(paths):
            for header in headers:
                statuses = list(pool.map(get, [path] * WARM_UP_REQUESTS,
                                         [header] * WARM_UP_REQUESTS))
                assert statuses == [200] * WARM_UP_REQUESTS, (path, header, statuses)


def _latency_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


#: What every browser and calendar app sends: the page cache's compressed copies are used.
CLIENT_HEADERS = {"Accept-Encoding": "gzip, deflate, br"}


def wrk(url: str, seconds: int = WRK_SECONDS, connections: int = CONNECTIONS,
        script: str | None = None, headers: dict | None = None) -> dict:
    """Requests per second, p50/p90/p99 in ms and error counts of one wrk run on `url`
    (with a Lua `script` choosing each request, if given; `headers` on every request,
    CLIENT_HEADERS by default)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (CLIENT_HEADERS if headers is None else headers).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                         check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))
    if set(percentiles) != {"50", "90", "99"}:
        raise RuntimeError(f"wrk gave no latency distribution for {url}:\n{out}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    if "Requests/sec" not in out or errors:
        print(out, file=sys.stderr)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _latency_ms(percentiles["50"]), "p90_ms": _latency_ms(percentiles["90"]),
            "p99_ms": _latency_ms(percentiles["99"]),
            "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0)}


def _anonymous_rows(urls: dict[str, str]) -> list[dict]:
    from bench.figures import at_least, figure

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = gunicorn_start(port)
    try:
        warm_up(base, list(urls.values()))  # a page that does not answer 200 stops here
        first = wrk(base + "/bench/bare/")
        measured = {name: wrk(base + path) for name, path in urls.items()}
        last = wrk(base + "/bench/bare/")
    finally:
        gunicorn_stop(process)
    bare = (first["per_second"] + last["per_second"]) / 2
    rows = [{"name": "http: bare Django view (baseline)", "per_second": round(bare),
             "first": round(first["per_second"]), "last": round(last["per_second"]),
             "p99_ms": last["p99_ms"]}]
    for name, result in measured.items():
        ratio = result["per_second"] / bare
        goal, met = at_least(ratio, ANONYMOUS_GOAL)
        rows.append(figure(f"anonymous {name}, req/s", f"{result['per_second']:.0f}/s",
                           ratio=ratio, baseline=f"bare {bare:.0f}/s", goal=goal,
                           met=met and result["errors"] == 0, p50_ms=result["p50_ms"],
                           p99_ms=result["p99_ms"], errors=result["errors"]))
    return rows


def _median_ms(client, url: str, requests: int) -> tuple[float, float]:
    """Median wall-clock and CPU (this process) milliseconds of `requests` requests, after
    two warm-up requests (the first routes the page, the second reads what a routed page
    keeps under the content version). On a machine busy with other work the wall-clock time
    grows with the load; the CPU time much less."""
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


def _logged_in_rows(urls: dict[str, str]) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from bench.figures import figure

    user = get_user_model().objects.get(username="bench-member-3")
    client = Client()
    client.force_login(user)
    with override_settings(ROOT_URLCONF="bench.http_urls"):
        bare, bare_cpu = _median_ms(client, "/bench/bare/", LOGGED_IN_REQUESTS)
    rows = [{"name": "logged in: bare view, test client (baseline)", "median_ms": round(bare, 2),
             "cpu_ms": round(bare_cpu, 2), "load_average": round(os.getloadavg()[0], 1)}]
    for name in ("listing", "event page"):
        ms, cpu = _median_ms(client, urls[name], LOGGED_IN_REQUESTS)
        rows.append(figure(f"logged in {name}, median ms", f"{ms:.1f} ms", ratio=ms / bare,
                           baseline=f"bare {bare:.2f} ms", goal=f"≤ {LOGGED_IN_GOAL_MS:g} ms",
                           met=ms <= LOGGED_IN_GOAL_MS, cpu_ms=round(cpu, 2),
                           load_average=round(os.getloadavg()[0], 1)))
    return rows


def run() -> list[dict]:
    from django.db import connection

    if shutil.which("wrk") is None:
        return [{"name": "http", "note": "needs wrk (apt-get install wrk)"}]
    if connection.vendor != "postgresql":
        return [{"name": "http", "note": "needs PostgreSQL: run `make bench`"}]
    urls = bench_urls()
    connection.close()  # gunicorn's workers open their own
    return [*_anonymous_rows(urls), *_logged_in_rows(urls)]
