"""Background work of the programme: the automatic scheduler (it may run for the solver's
whole time limit, so an organiser's request only enqueues it).

Tasks take ids, never model objects, and re-read the rows when they run."""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tasks import task

from . import services
from .exceptions import ProgrammeError
from .models import Programme

logger = logging.getLogger(__name__)


@task()
def programme_schedule_task(programme_id: int, actor_id: int, full_replan: bool) -> dict:
    """Run `services.programme_schedule`; returns its report, or {"error": message}."""
    programme = Programme.objects.select_related("event").filter(pk=programme_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first()
    if programme is None or actor is None:
        return {"error": "gone"}
    try:
        return services.programme_schedule(programme, actor=actor,
                                           full_replan=full_replan).as_report()
    except ProgrammeError as exc:
        logger.info("scheduling programme %s refused: %s", programme_id, exc)
        Programme.objects.filter(pk=programme_id).update(
            last_schedule_report={"error": str(exc)})
        return {"error": str(exc)}


def programme_schedule_on_commit(programme: Programme, *, actor, full_replan: bool) -> None:
    """Enqueue the scheduler once the current transaction commits."""
    transaction.on_commit(lambda: programme_schedule_task.enqueue(
        programme.pk, actor.pk, bool(full_replan)))


@task()
def programme_phases_catch_up_periodic() -> int:
    """The periodic job (settings.PERIODIC_TASKS): move programmes whose timetable says a
    phase has begun (idempotent). Returns how many changed phase."""
    return services.programmes_phase_catch_up()
