"""Big badge runs in the background (issue 9): the run renders in chunks and records its
progress after each, the PDF is downloadable when done, a failure is recorded with the
progress made so far; only the event's organisers see a run; the direct download sends
big runs to the background."""

import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from events import badges, services
from events.badge_runs import tasks
from events.badge_runs.models import BadgeRun, BadgeRunState
from events.badge_runs.services import badge_run_start
from events.badges import BadgeError
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db

NAMES = ["نور الهدى", "אבי כהן", "Zoë 😀 Café", "山田 太郎", "<b>Bold</b> & Co"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Grande")


@pytest.fixture
def organiser(space):
    return make_organiser(space)


@pytest.fixture
def event(space, organiser):
    event = publish_event(space, capacity=100, guests_allowed=True, title="Festa <grande>")
    for n in range(12):
        services.registration_create(event, guest_name=f"{NAMES[n % 5]} {n}",
                                     guest_email=f"g{n}@example.org", actor=organiser)
    return event


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(badges, "CHUNK_BADGES", 5)  # A7: 5 badges per chunk


def pdf_info(path) -> tuple[int, str]:
    info = subprocess.run(["/usr/bin/pdfinfo", str(path)], check=True,  # noqa: S603
                          capture_output=True, text=True).stdout
    text = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return pages, "".join(text.split())


def test_a_run_renders_in_chunks_and_the_pdf_is_downloadable(
        client, event, organiser, small_chunks, django_capture_on_commit_callbacks, tmp_path):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("badge_runs:create", args=[event.pk]),
                               {"layout": "A7", "who": "everyone", "blanks": "3"})
    run = BadgeRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "badge_runs:detail", args=[run.pk])
    assert (run.state, run.total, run.done) == (BadgeRunState.DONE, 15, 15)
    page = client.get(response["Location"]).content.decode()
    assert "15 of 15 badges rendered" in page
    assert 'http-equiv="refresh"' not in page
    download = client.get(reverse("badge_runs:download", args=[run.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    path = tmp_path / "run.pdf"
    path.write_bytes(b"".join(download.streaming_content))
    pages, text = pdf_info(path)
    assert pages == 15  # 12 people + 3 blanks, one per A7 page, across 3 chunks
    for name in NAMES:
        assert "".join(name.split()) in text


def test_a_failure_keeps_the_progress_made_and_says_so(event, organiser, small_chunks,
                                                       monkeypatch,
                                                       django_capture_on_commit_callbacks):
    calls = []
    real = badges.badges_html

    def second_chunk_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(badges, "badges_html", second_chunk_fails)
    with django_capture_on_commit_callbacks(execute=True):
        run = badge_run_start(event, actor=organiser, layout="A7")
    run.refresh_from_db()
    assert (run.state, run.done, run.total, run.error) == (
        BadgeRunState.FAILED, 5, 12, "rendering failed")
    assert not run.file


def test_a_queued_run_page_refreshes_itself_and_has_no_download_yet(client, event, organiser):
    run = badge_run_start(event, actor=organiser, layout="L7160")  # not committed: queued
    client.force_login(organiser)
    page = client.get(reverse("badge_runs:detail", args=[run.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "0 of 12 badges rendered" in page
    assert client.get(reverse("badge_runs:download", args=[run.pk])).status_code == 404
    dashboard = client.get(reverse("events:event_dashboard", args=[event.pk]))
    assert reverse("badge_runs:detail", args=[run.pk]) in dashboard.content.decode()


def test_a_second_delivery_of_the_task_does_nothing(event, organiser,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = badge_run_start(event, actor=organiser, layout="A6", everyone=False,
                              blanks=2)
    assert tasks.badge_run_render.call(str(run.pk)) == "skipped"
    run.refresh_from_db()
    assert (run.state, run.total) == (BadgeRunState.DONE, 2)


def test_only_the_events_organisers_reach_a_run(client, site_tree, event, organiser):
    run = badge_run_start(event, actor=organiser, layout="A6")
    stranger = make_organiser(space_in(site_tree, title="Altrove"))
    client.force_login(stranger)
    assert client.get(reverse("badge_runs:detail", args=[run.pk])).status_code == 403
    assert client.get(reverse("badge_runs:download", args=[run.pk])).status_code == 403
    response = client.post(reverse("badge_runs:create", args=[event.pk]),
                           {"layout": "A6", "who": "everyone", "blanks": "0"})
    assert response.status_code == 403
    assert client.get("/badge-runs/00000000-0000-0000-0000-000000000000/").status_code == 404
    with pytest.raises(PermissionDenied):
        badge_run_start(event, actor=stranger, layout="A6")
    assert BadgeRun.objects.count() == 1


@pytest.mark.parametrize("data, error", [
    ({"layout": "A6", "who": "everyone", "blanks": "501"}, "blanks"),
    ({"layout": "Z9", "who": "everyone", "blanks": "0"}, "layout"),
    ({"layout": "A6", "who": "selected", "blanks": "0"}, "registrations"),
    ({"layout": "A6", "who": "everyone", "blanks": "-1"}, "blanks"),
])
def test_bad_input_is_the_form_again_and_starts_nothing(client, event, organiser, data, error):
    client.force_login(organiser)
    response = client.post(reverse("badge_runs:create", args=[event.pk]), data)
    assert response.status_code == 400
    assert error in response.context["form"].errors
    assert not BadgeRun.objects.exists()


def test_the_service_refuses_an_empty_run(site_tree, organiser, space):
    empty = publish_event(space)
    with pytest.raises(BadgeError, match="nobody"):
        badge_run_start(empty, actor=organiser, layout="A6")
    assert not BadgeRun.objects.exists()


def test_the_direct_download_sends_a_big_run_to_the_background(client, event, organiser,
                                                              monkeypatch):
    monkeypatch.setattr("events.views.badges.MAX_DIRECT_BADGES", 10)
    client.force_login(organiser)
    response = client.post(reverse("events:badges", args=[event.pk]),
                           {"layout": "A6", "who": "everyone", "blanks": "0"})
    assert response.status_code == 400
    assert "12 badges are more than 10: prepare them in the background." in \
        response.content.decode()
    assert reverse("badge_runs:create", args=[event.pk]) in response.content.decode()
    assert badges.MAX_DIRECT_BADGES == 500


def test_the_run_page_speaks_italian(client, event, organiser, settings):
    run = badge_run_start(event, actor=organiser, layout="A6")
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    # The request activates Italian in this thread: the override puts it back afterwards.
    with translation.override(None):
        page = client.get(reverse("badge_runs:detail", args=[run.pk])).content.decode()
    assert "0 badge pronti su 12" in page and "In attesa di partire" in page
