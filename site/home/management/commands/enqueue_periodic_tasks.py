"""Enqueue the periodic tasks named in `settings.PERIODIC_TASKS` (task path -> seconds).

django-tasks runs tasks but has no scheduler of its own, so this small loop is the
project's: run exactly ONE of it next to `manage.py db_worker` (a second one is harmless,
the periodic tasks are idempotent, but wasteful). `--once` enqueues every periodic task
once and exits, for a cron line or a systemd timer instead of the loop.

A task whose previous run is still waiting in the database queue (the worker is down or
behind) is not enqueued again, so a stopped worker does not find a pile of copies.
"""

import signal
import time
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def periodic_schedule(config: dict) -> dict[str, tuple[Task, int]]:
    """`{path: seconds}` -> `{path: (task, seconds)}`. Raises CommandError naming the
    entry that is not a task or has no positive whole number of seconds."""
    schedule = {}
    for path, seconds in config.items():
        try:
            task = import_string(path)
        except ImportError as exc:
            raise CommandError(f"PERIODIC_TASKS: cannot import {path!r}") from exc
        if not isinstance(task, Task):
            raise CommandError(f"PERIODIC_TASKS: {path!r} is not a task (use @task())")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise CommandError(f"PERIODIC_TASKS: {path!r} needs a whole number of seconds >= 1")
        schedule[path] = (task, seconds)
    return schedule


def periodic_task_waiting(task: Task) -> bool:
    """Whether a run of `task` is still waiting in the database queue (never true for
    backends that run tasks at once)."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(task_path=task.module_path, backend_name=backend.alias,
                                       status=TaskResultStatus.READY).exists()


def periodic_tasks_enqueue_due(schedule: dict[str, tuple[Task, int]], next_due: dict[str, float],
                               now: float) -> list[str]:
    """Enqueue every task of `schedule` whose time has come (`next_due`, updated in place:
    a path missing from it is due at once). Returns the paths enqueued."""
    enqueued = []
    for path, (task, seconds) in schedule.items():
        if now < next_due.get(path, now):
            continue
        next_due[path] = now + seconds
        if periodic_task_waiting(task):
            continue
        task.enqueue()
        enqueued.append(path)
    return enqueued


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (settings.PERIODIC_TASKS); runs until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="Enqueue each periodic task once and exit (for cron).")
        parser.add_argument("--tick", type=float, default=15.0,
                            help="Seconds between checks of the schedule (default 15).")

    def handle(self, *args, once: bool, tick: float, **options) -> None:
        if not 0.1 <= tick <= 3600:
            raise CommandError("--tick must be between 0.1 and 3600 seconds.")
        schedule = periodic_schedule(getattr(settings, "PERIODIC_TASKS", {}))
        next_due: dict[str, float] = {}
        if once:
            self._report(periodic_tasks_enqueue_due(schedule, next_due, time.monotonic()))
            return
        self.running, self.sleeping = True, False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.stdout.write(f"Enqueueing {len(schedule)} periodic task(s); stop with Ctrl+C.")
        while self.running:
            self._report(periodic_tasks_enqueue_due(schedule, next_due, time.monotonic()))
            self.sleeping = True
            time.sleep(tick)
            self.sleeping = False

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Asleep: leave now. Enqueueing: finish that insert, then leave.
        if self.sleeping:
            raise SystemExit(0)
        self.running = False

    def _report(self, enqueued: list[str]) -> None:
        for path in enqueued:
            self.stdout.write(f"Enqueued {path}")
