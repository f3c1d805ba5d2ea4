"""The background rendering of a badge run (django-tasks; the database backend's worker in
production, at once in tests).

The badges are rendered in chunks of whole sheets, each chunk to its own small PDF; after
each chunk the run's `done` count is written (outside any transaction, so the progress page
sees it at once), and the chunks' PDFs are joined into one by pypdf. Only one chunk's
layout is in memory at a time, so the peak memory does not grow with the run (WeasyPrint
keeps every page's layout until it writes). The data-only URL
fetcher of `events.badges` is used for every chunk. A run that is gone, or no longer
queued (a second delivery of the same task), is left alone; a failure is recorded on the
run with a short reason and logged.
"""

import io
import logging
import math

import weasyprint
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task
from pypdf import PdfWriter

from events.badges import BadgeError, badge_registrations, badges_for, badges_html, layout_get
from events.badges import url_fetcher as badge_url_fetcher

from .models import BadgeRun, BadgeRunState

logger = logging.getLogger(__name__)

#: about this many badges per rendering chunk (rounded up to whole sheets)
CHUNK_BADGES = 100


def _chunk_size(per_page: int) -> int:
    return per_page * max(1, math.ceil(CHUNK_BADGES / per_page))


def badge_run_pdf(run: BadgeRun) -> bytes:
    """Render `run`'s badges, writing its progress after every chunk. Raises BadgeError."""
    event, layout = run.event, layout_get(run.layout)
    people = list(badge_registrations(event, None if run.everyone else run.registration_ids))
    badges = badges_for(event, layout, people, run.blanks)
    BadgeRun.objects.filter(pk=run.pk).update(total=len(badges), done=0)
    writer = PdfWriter()
    size = _chunk_size(layout.per_page)
    for start in range(0, len(badges), size):
        chunk = badges[start:start + size]
        pdf = weasyprint.HTML(string=badges_html(event, layout, chunk), base_url=None,
                              url_fetcher=badge_url_fetcher()).write_pdf()
        writer.append(io.BytesIO(pdf))
        BadgeRun.objects.filter(pk=run.pk).update(done=start + len(chunk))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
