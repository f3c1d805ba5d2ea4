"""events.rows.row_insert skips the model-save machinery: it is right only while nothing
listens to the saves of the models it writes. A receiver added later must fail here, not
silently miss every registration."""

import pytest
from django.db.models.signals import post_save, pre_save
from django_tasks_db.models import DBTaskResult

from events.models import Registration
from events.rows import row_insert

#: pre_save receivers whose work the callers do themselves, or that do nothing for these:
#: Wagtail's (any model) sets the locale of translatable objects only; django-tasks-db's
#: default for `run_after` is written by events.tasks.database_enqueue.
ALLOWED = {
    Registration: {"wagtail.models.i18n.set_locale_on_new_instance"},
    DBTaskResult: {"wagtail.models.i18n.set_locale_on_new_instance",
                   "django_tasks_db.signal_handlers.set_run_after"},
}


def _receivers(signal, model) -> set[str]:
    return {f"{receiver.__module__}.{receiver.__qualname__}"
            for receiver in signal._live_receivers(model)[0]}


@pytest.mark.parametrize("model", [Registration, DBTaskResult])
def test_nothing_listens_to_the_saves_row_insert_skips(model):
    assert _receivers(post_save, model) == set()
    assert _receivers(pre_save, model) <= ALLOWED[model]


def test_a_saved_row_or_a_model_with_a_parent_table_is_refused(db):
    from events.models import EventPage

    with pytest.raises(TypeError, match="parent table"):
        row_insert(EventPage(title="x"))
    registration = Registration(pk=7)
    with pytest.raises(ValueError, match="already saved"):
        row_insert(registration)
