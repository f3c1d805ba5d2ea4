"""Starting a badge run (the task that renders it is in tasks.py).

Guarantees: a run is created only for an organiser of the event's space (or a coordinator),
with a known layout, a valid number of blank badges and at least one badge to print; its
`total` is the number of badges the PDF will hold; the task is enqueued once the run's row
is committed. Raises PermissionDenied and events.badges.BadgeError (nothing is created).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from events.badges import MAX_BADGES, MAX_BLANKS, BadgeError, badge_registrations, layout_get
from events.models import EventPage
from network.permissions import user_organises_space

from .models import BadgeRun
from .tasks import badge_run_render


@transaction.atomic
def badge_run_start(event: EventPage, *, actor, layout: str, everyone: bool = True,
                    registration_ids: Iterable[int] | None = None,
                    blanks: int = 0) -> BadgeRun:
    """Queue the badge PDF of `event` (see the module's guarantees)."""
    if not user_organises_space(actor, event.space_id):
        raise PermissionDenied
    chosen = layout_get(layout)
    if not isinstance(blanks, int) or not 0 <= blanks <= MAX_BLANKS:
        raise BadgeError(_("Blank badges must be between 0 and %(max)d.") % {"max": MAX_BLANKS})
    people = badge_registrations(event, None if everyone else (registration_ids or []))
    ids = [] if everyone else sorted(people.values_list("pk", flat=True))
    total = (people.count() if everyone else len(ids)) + blanks
    if not total:
        raise BadgeError(_("There is nobody to print a badge for."))
    if total > MAX_BADGES:
        raise BadgeError(_("At most %(max)d badges at a time.") % {"max": MAX_BADGES})
    run = BadgeRun.objects.create(event=event, requested_by=actor, layout=chosen.name,
                                  everyone=everyone, registration_ids=ids, blanks=blanks,
                                  total=total)
    run_pk = str(run.pk)
    transaction.on_commit(lambda: badge_run_render.enqueue(run_pk), robust=True)
    return run
