"""Old badge runs are deleted, files and rows: a badge PDF holds people's names and their
ticket codes, so it is kept `BADGE_RUNS_KEEP_DAYS` days (setting, default 7) from when it
was asked for, then goes (periodic task, see `manage.py enqueue_periodic_tasks`).

Guarantees: a run asked for before the cutoff loses its file first, then its row (a file
that cannot be deleted keeps its row, so the next pass tries again; no file is left without
a row because of us). Files under `badge-runs/` that no row names (their event was deleted,
which takes the rows with it) and that were last written before the cutoff are deleted too.
Running it twice, or twice at once, deletes nothing twice and fails on nothing (a file
already gone is no error). Newer runs and files are never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .models import BadgeRun

logger = logging.getLogger(__name__)

_FILE_FIELD = BadgeRun._meta.get_field("file")
#: the folder of the runs' files in their storage (the field's upload_to)
FOLDER = _FILE_FIELD.upload_to.rstrip("/")


@dataclass(frozen=True)
class BadgeRunsDeleted:
    runs: int
    orphan_files: int


def badge_runs_keep_days() -> int:
    return int(getattr(settings, "BADGE_RUNS_KEEP_DAYS", 7))


def badge_run_deleted_after(run: BadgeRun) -> dt.datetime:
    """When `run` becomes due for deletion (its page says so)."""
    return run.created_at + dt.timedelta(days=badge_runs_keep_days())


def badge_runs_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Runs asked for before this moment, and orphan files written before it, are due."""
    return (now or timezone.now()) - dt.timedelta(days=badge_runs_keep_days())


def _orphan_files_delete(cutoff: dt.datetime) -> int:
    try:
        _folders, names = _FILE_FIELD.storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    known = set(BadgeRun.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        if path in known:
            continue
        try:
            if _FILE_FIELD.storage.get_modified_time(path) >= cutoff:
                continue
        except FileNotFoundError:
            continue  # deleted meanwhile (another pass)
        _FILE_FIELD.storage.delete(path)
        deleted += 1
    return deleted


def badge_runs_delete_old(now: dt.datetime | None = None) -> BadgeRunsDeleted:
    """Delete the badge runs asked for before the cutoff (file, then row) and the orphan
    files written before it; see the module's guarantees. Returns how many of each."""
    cutoff = badge_runs_cutoff(now)
    runs = 0
    for run in BadgeRun.objects.filter(created_at__lt=cutoff).only("pk", "file").iterator():
        if run.file:
            run.file.storage.delete(run.file.name)  # a file already gone is no error
        deleted, _per_model = BadgeRun.objects.filter(pk=run.pk).delete()
        runs += deleted
    orphans = _orphan_files_delete(cutoff)
    if runs or orphans:
        logger.info("deleted %d old badge runs and %d orphan badge files", runs, orphans)
    return BadgeRunsDeleted(runs=runs, orphan_files=orphans)


@task()
def badge_runs_delete_old_periodic() -> dict[str, int]:
    """The periodic job (see `manage.py enqueue_periodic_tasks`)."""
    deleted = badge_runs_delete_old()
    return {"runs": deleted.runs, "orphan_files": deleted.orphan_files}
