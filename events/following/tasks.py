"""Background work of following: the periodic digest run (see `manage.py
enqueue_periodic_tasks`). Idempotent: running it twice, or in two workers, sends each
member at most one digest a week (`events.following.digest`)."""

from django_tasks import task

from network.db_retry import db_retry

from .digest import digests_send_due


@task()
@db_retry
def digests_send_periodic() -> int:
    """Send the digests due this week; returns how many e-mails left."""
    return digests_send_due()
