"""events.badge_runs.services.badge_run_start exactly (issue 14, from the mutation run's
survivors): each refusal's sentence and its bound, the row a run is stored as (who asked,
which registrations, in order), and a queue that fails after the commit."""

import logging
from types import SimpleNamespace

import pytest
from django.utils import translation

from events import services
from events.badge_runs import services as badge_run_services
from events.badge_runs.models import BadgeRun
from events.badge_runs.services import badge_run_start
from events.badges import MAX_BLANKS, BadgeError
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Badge")


@pytest.fixture
def organiser(space):
    return make_organiser(space)


@pytest.fixture
def event(space, organiser):
    event = publish_event(space, capacity=10, guests_allowed=True)
    for n, name in enumerate(("Zoë 😀", "نور الهدى", "<b>Ana</b>")):
        services.registration_create(event, guest_name=name, guest_email=f"g{n}@example.org",
                                     actor=organiser)
    return event


def refusal(**kwargs) -> str:
    with pytest.raises(BadgeError) as refused:
        badge_run_start(**kwargs)
    assert not BadgeRun.objects.exists()
    return str(refused.value)


def test_blank_badges_are_bounded_with_their_sentence(event, organiser):
    sentence = f"Blank badges must be between 0 and {MAX_BLANKS}."
    for blanks in (-1, MAX_BLANKS + 1, 2.5):
        assert refusal(event=event, actor=organiser, layout="A6", blanks=blanks) == sentence
    run = badge_run_start(event, actor=organiser, layout="A6", blanks=MAX_BLANKS)
    assert run.total == 3 + MAX_BLANKS


def test_the_sentences_are_translated(event, organiser, monkeypatch):
    monkeypatch.setattr(badge_run_services, "MAX_BADGES", 2)
    with translation.override("it"):
        assert refusal(event=event, actor=organiser, layout="A6", blanks=-1) == (
            f"I badge vuoti devono essere tra 0 e {MAX_BLANKS}.")
        assert refusal(event=event, actor=organiser, layout="A6") == (
            "Al massimo 2 badge alla volta.")


def test_at_most_max_badges_in_one_run(event, organiser, monkeypatch):
    monkeypatch.setattr(badge_run_services, "MAX_BADGES", 4)
    assert refusal(event=event, actor=organiser, layout="A6", blanks=2) == (
        "At most 4 badges at a time.")
    run = badge_run_start(event, actor=organiser, layout="A6", blanks=1)  # exactly 4
    assert run.total == 4


def test_nobody_to_print_is_refused_by_its_sentence(event, organiser):
    assert refusal(event=event, actor=organiser, layout="A6", everyone=False,
                   registration_ids=None) == "There is nobody to print a badge for."


def test_a_run_records_who_asked_and_exactly_which_registrations(event, organiser):
    first, _second, third = sorted(event.registrations.values_list("pk", flat=True))
    chosen = badge_run_start(event, actor=organiser, layout="a6 ", everyone=False,
                             registration_ids=[third, first, 999_999], blanks=1)
    chosen.refresh_from_db()
    assert (chosen.requested_by, chosen.layout, chosen.everyone, chosen.registration_ids,
            chosen.blanks, chosen.total) == (organiser, "A6", False, [first, third], 1, 3)
    everyone = badge_run_start(event, actor=organiser, layout="A6")
    everyone.refresh_from_db()
    assert (everyone.everyone, everyone.registration_ids, everyone.total) == (True, [], 3)


def test_a_queue_that_fails_after_the_commit_keeps_the_run(
        event, organiser, monkeypatch, django_capture_on_commit_callbacks, caplog):
    """The run is committed before its task is queued: a broken queue is logged, the
    organiser still gets the run (queued) instead of an error page."""
    def broken(run_pk):
        raise ConnectionError("queue down")

    monkeypatch.setattr(badge_run_services, "badge_run_render", SimpleNamespace(enqueue=broken))
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        run = badge_run_start(event, actor=organiser, layout="A6")
    assert BadgeRun.objects.get().pk == run.pk
    assert "queue down" in caplog.text
