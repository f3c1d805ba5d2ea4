"""Benchmark of the badges (issue 9), both goals in one run:

- time: 500 badges on A6 and on a label sheet (Avery L7160) through
  `events.badges.badges_pdf` (query, QR codes, HTML, WeasyPrint in chunks, the pypdf join)
  against bare WeasyPrint rendering the very same HTML in one go. Goal: at most 1.3x. The
  ratio is of the process's CPU time (both sides run here, single-threaded; the machine
  is shared, wall time is printed too). Each side runs twice, alternately; the faster run
  counts.
- memory: peak resident memory of 2,000 A6 badges made by `manage.py event_badges EVENT
  --layout A6 -o FILE.pdf` (the code path of the form's download too) and by a background
  run (`badge_run_pdf`), each a fresh process, against a fresh process that renders one
  badge. Goal: at most 400 MB. The peak is the child's ru_maxrss read by a small launcher
  process: Linux counts in a child's ru_maxrss the memory of the process it was forked
  from, so this (big) process must not be the parent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_listing import ensure_bench_events
from bench.figures import at_most, figure

ROOT = Path(__file__).resolve().parents[1]
BADGES = 500
MEMORY_BADGES = 2000
MEMORY_GOAL_MB = 400
RATIO_GOAL = 1.3
#: names of every script the fonts must cover, so the bench renders what a real run does
NAMES = ["Giulia Rossi", "نور الهدى", "אבי כהן", "Zoë Café", "Ἀριστοτέλης Παππάς",
         "Анна Каренина", "山田 太郎", "Maria Antonietta dei Conti di Castelfranco"]


def _event_with_people(count: int, slug: str = "bench-badges"):
    from django.db import transaction

    from events.models import EventPage, Registration, RegistrationState

    space, _created = ensure_bench_events(slug, 1)
    event = EventPage.objects.select_related("space").get(space=space)
    have = Registration.objects.filter(event=event, state=RegistrationState.CONFIRMED).count()
    if have < count:
        with transaction.atomic():
            Registration.objects.bulk_create(
                Registration(event=event, guest_name=f"{NAMES[i % len(NAMES)]} {i}",
                             guest_email=f"badge{i}@example.org",
                             state=RegistrationState.CONFIRMED)
                for i in range(have, count))
    return event


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _timed(work) -> tuple[tuple[float, float], bytes]:
    """((CPU seconds, wall seconds), result) of `work()`."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return (time.process_time() - cpu, time.perf_counter() - wall), result


def _time_rows() -> list[dict]:
    import weasyprint

    from events import badges

    event = _event_with_people(BADGES)
    # Warm up (fontconfig, WeasyPrint's caches) so neither side pays it in the measure.
    badges.badges_pdf(event, "A7", everyone=False, blanks=1)
    rows = []
    for name in ("A6", "L7160"):
        layout = badges.LAYOUTS[name]
        html = badges.badges_html(event, layout, badges.badges_for(
            event, layout, list(badges.badge_registrations(event))))
        ours, bare = [], []
        for _round in range(2):
            seconds, pdf = _timed(lambda layout=layout: badges.badges_pdf(event, layout))
            ours.append(seconds)
            seconds, bare_pdf = _timed(lambda html=html: weasyprint.HTML(string=html).write_pdf())
            bare.append(seconds)
        (cpu, wall), (bare_cpu, bare_wall) = min(ours), min(bare)
        ratio = cpu / bare_cpu
        goal, met = at_most(ratio, RATIO_GOAL)
        rows.append(figure(
            f"badges: {BADGES} on {name} vs bare WeasyPrint", f"{cpu:.1f} s CPU",
            ratio=ratio, baseline=f"{bare_cpu:.1f} s CPU bare", goal=goal, met=met,
            wall_s=round(wall, 1), bare_wall_s=round(bare_wall, 1),
            pages=_pages(pdf), bare_pages=_pages(bare_pdf), pdf_kb=len(pdf) // 1024,
            bare_pdf_kb=len(bare_pdf) // 1024, chunk=badges.chunk_size(layout)))
    return rows


_ONE_BADGE = """
import django
django.setup()
from events import badges
from events.models import EventPage
event = EventPage.objects.select_related("space").get(pk=int(sys.argv[1]))
badges.badges_pdf(event, "A6", everyone=False, blanks=1)
"""

_BACKGROUND_RUN = """
import django
django.setup()
from events.badge_runs.models import BadgeRun
from events.badge_runs.tasks import badge_run_pdf
from events.models import EventPage
event = EventPage.objects.select_related("space").get(pk=int(sys.argv[1]))
run = BadgeRun.objects.create(event=event, layout="A6", everyone=True)
try:
    pdf = badge_run_pdf(run)
finally:
    run.delete()
open(sys.argv[2], "wb").write(pdf)
"""


#: runs its arguments as a child and prints the child's peak resident memory in kB
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss if status == 0 else -1)
"""


def _peak_mb(command: list[str], env: dict) -> tuple[int, float]:
    """Peak resident memory (MB) and wall time of `command` run as a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], env=env,  # noqa: S603
                          cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    if peak_kb < 0:
        raise RuntimeError(f"{command[:3]} failed: {done.stderr[-2000:]}")
    return peak_kb // 1024, seconds


def _memory_rows() -> list[dict]:
    from django.conf import settings

    event = _event_with_people(MEMORY_BADGES, slug="bench-badges-2000")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}"}
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        env.setdefault("DATABASE_URL", f"sqlite:///{settings.DATABASES['default']['NAME']}")
    preamble = "import sys\n"
    base, _seconds = _peak_mb([sys.executable, "-c", preamble + _ONE_BADGE, str(event.pk)],
                              env)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "badges.pdf"
        for label, command in (
                ("manage.py event_badges", [sys.executable, "manage.py", "event_badges",
                                            str(event.pk), "--layout", "A6", "-o", str(out)]),
                ("background run", [sys.executable, "-c", preamble + _BACKGROUND_RUN,
                                    str(event.pk), str(out)])):
            peak, seconds = _peak_mb(command, env)
            pdf = out.read_bytes()
            rows.append(figure(
                f"badges: {MEMORY_BADGES} on A6, peak memory, {label}", f"{peak} MB",
                ratio=peak / base, baseline=f"{base} MB one badge",
                goal=f"≤ {MEMORY_GOAL_MB} MB", met=peak <= MEMORY_GOAL_MB,
                pages=_pages(pdf), seconds=round(seconds, 1), pdf_kb=len(pdf) // 1024))
            out.unlink()
    return rows


def run() -> list[dict]:
    return _time_rows() + _memory_rows()
