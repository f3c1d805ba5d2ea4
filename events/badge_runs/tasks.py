"""The background rendering of a badge run (django-tasks; the database backend's worker in
production, at once in tests).

The badges are rendered by `events.badges.badges_render`, the one code path of every badge
PDF: in chunks of whole sheets joined by pypdf, so the peak memory does not grow with the
run. After each chunk the run's `done` count is written (outside any transaction, so the
progress page sees it at once). A run that is gone, or no longer queued (a second delivery
of the same task), is left alone; a failure is recorded on the run with a short reason and
logged.
"""

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from events.badges import BadgeError, badge_registrations, badges_for, badges_render, layout_get

from .models import BadgeRun, BadgeRunState

logger = logging.getLogger(__name__)


def badge_run_pdf(run: BadgeRun) -> bytes:
    """Render `run`'s badges, writing its progress after every chunk. Raises BadgeError."""
    event, layout = run.event, layout_get(run.layout)
    people = list(badge_registrations(event, None if run.everyone else run.registration_ids))
    badges = badges_for(event, layout, people, run.blanks)
    BadgeRun.objects.filter(pk=run.pk).update(total=len(badges), done=0)

    def progress(done: int) -> None:
        BadgeRun.objects.filter(pk=run.pk).update(done=done)

    return badges_render(event, layout, badges, progress=progress)


@task()
def badge_run_render(run_pk: str) -> str:
    """Render the queued run `run_pk` and store its PDF. Returns the run's final state."""
    claimed = BadgeRun.objects.filter(pk=run_pk, state=BadgeRunState.QUEUED).update(
        state=BadgeRunState.RUNNING)
    if not claimed:
        return "skipped"
    run = BadgeRun.objects.select_related("event", "event__space").get(pk=run_pk)
    try:
        pdf = badge_run_pdf(run)
    except BadgeError as exc:
        run.state, run.error = BadgeRunState.FAILED, str(exc)[:300]
    except Exception:
        logger.exception("badge run %s failed", run_pk)
        run.state, run.error = BadgeRunState.FAILED, "rendering failed"
    else:
        run.file.save(f"badges-{run.pk}.pdf", ContentFile(pdf), save=False)
        run.state = BadgeRunState.DONE
    run.refresh_from_db(fields=["total", "done"])
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "file", "finished_at"])
    return run.state
