"""Runs every benchmark module (bench/bench_*.py) against a fresh database and prints a table.

Usage: `make bench` (PostgreSQL throwaway cluster) or
`DATABASE_URL=... .venv/bin/python bench/run.py [name ...]`.
Each module exposes `run() -> list[dict]`; each dict is one measured row
(`name`, and any of `requests`, `ms_per_request`, `queries`, `per_second`, `note`); rows
made by `bench.figures.figure` carry a value, a same-run baseline, a ratio and a goal, and
are printed again together at the end (the goal table of issue 11).
"""

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "espresso.settings.test")
# The test settings turn the page cache off for the suite; the benchmarks measure it on.
os.environ.setdefault("PAGE_CACHE", "true")


def main(selected: list[str]) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["NAME"] == ":memory:":
        settings.DATABASES["default"]["NAME"] = str(ROOT / "var" / "bench.sqlite3")
    call_command("migrate", verbosity=0, interactive=False)
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Espresso benchmarks on {engine}, load average {os.getloadavg()[0]:.1f}"
          " (other work on the machine shows in every figure)")
    from bench.figures import print_goal_table

    every_row: list[dict] = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        for row in module.run():
            every_row.append(row)
            cells = "  ".join(f"{k}={v}" for k, v in row.items() if k != "name")
            print(f"{row['name']:<48} {cells}", flush=True)
    print_goal_table(every_row)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
