"""Old badge runs are deleted, files and rows (events.badge_runs.retention): a run asked for
more than BADGE_RUNS_KEEP_DAYS ago goes with its file, newer runs stay, files no run names
go when old, twice deletes nothing twice, and a file that cannot be deleted keeps its row."""

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus

from events.badge_runs.models import BadgeRun, BadgeRunState
from events.badge_runs.retention import (
    BadgeRunsDeleted,
    badge_runs_delete_old,
    badge_runs_delete_old_periodic,
)
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BADGE_RUNS_KEEP_DAYS = 7
    return tmp_path / "media"


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree, title="Cowo Archivio"))


def a_run(event, *, days_ago: float, state=BadgeRunState.DONE, with_file: bool = True):
    run = BadgeRun.objects.create(event=event, layout="A6", state=state, total=1, done=1,
                                  created_at=NOW - dt.timedelta(days=days_ago))
    if with_file:
        run.file.save(f"badges-{run.pk}.pdf", ContentFile(b"%PDF-1.7 names"))
    return run


def test_runs_older_than_the_kept_days_go_with_their_files_newer_ones_stay(event, media):
    old = a_run(event, days_ago=7.01)
    old_failed = a_run(event, days_ago=30, state=BadgeRunState.FAILED, with_file=False)
    old_queued = a_run(event, days_ago=8, state=BadgeRunState.QUEUED, with_file=False)
    recent = a_run(event, days_ago=6.99)
    old_path, recent_path = old.file.path, recent.file.path
    assert badge_runs_delete_old(NOW) == BadgeRunsDeleted(runs=3, orphan_files=0)
    assert list(BadgeRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not os.path.exists(old_path) and os.path.exists(recent_path)
    assert not BadgeRun.objects.filter(pk__in=[old_failed.pk, old_queued.pk]).exists()
    # Twice: nothing more to delete, nothing fails.
    assert badge_runs_delete_old(NOW) == BadgeRunsDeleted(runs=0, orphan_files=0)
    assert os.listdir(media / "badge-runs") == [os.path.basename(recent_path)]


def test_the_kept_days_are_a_setting(event, settings):
    run = a_run(event, days_ago=2)
    settings.BADGE_RUNS_KEEP_DAYS = 3
    assert badge_runs_delete_old(NOW).runs == 0
    settings.BADGE_RUNS_KEEP_DAYS = 1
    assert badge_runs_delete_old(NOW).runs == 1
    assert not BadgeRun.objects.filter(pk=run.pk).exists()


def test_a_file_already_gone_still_lets_its_row_go(event):
    run = a_run(event, days_ago=10)
    os.remove(run.file.path)
    assert badge_runs_delete_old(NOW) == BadgeRunsDeleted(runs=1, orphan_files=0)
    assert not BadgeRun.objects.exists()


def test_a_file_that_cannot_be_deleted_keeps_its_row_for_the_next_pass(event, monkeypatch):
    run = a_run(event, days_ago=10)

    def refuse(storage, name):
        raise PermissionError(name)

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    with pytest.raises(PermissionError):
        badge_runs_delete_old(NOW)
    assert BadgeRun.objects.filter(pk=run.pk).exists() and os.path.exists(run.file.path)
    monkeypatch.undo()
    assert badge_runs_delete_old(NOW).runs == 1


def test_old_files_no_run_names_are_deleted_new_ones_kept(event, media):
    kept = a_run(event, days_ago=1)
    folder = media / "badge-runs"
    old_orphan, new_orphan = folder / "badges-of-a-deleted-event.pdf", folder / "fresh.pdf"
    old_orphan.write_bytes(b"%PDF old")
    new_orphan.write_bytes(b"%PDF new")
    ten_days_ago = (NOW - dt.timedelta(days=10)).timestamp()
    os.utime(old_orphan, (ten_days_ago, ten_days_ago))
    os.utime(kept.file.path, (ten_days_ago, ten_days_ago))  # named by a run: not an orphan
    assert badge_runs_delete_old(NOW) == BadgeRunsDeleted(runs=0, orphan_files=1)
    assert sorted(os.listdir(folder)) == sorted([os.path.basename(kept.file.path),
                                                 "fresh.pdf"])


def test_no_folder_yet_is_nothing_to_do(event):
    assert badge_runs_delete_old(NOW) == BadgeRunsDeleted(runs=0, orphan_files=0)


def test_the_periodic_task_deletes_and_is_safe_to_run_twice(event):
    a_run(event, days_ago=9)
    first = badge_runs_delete_old_periodic.enqueue()  # the immediate backend runs it
    second = badge_runs_delete_old_periodic.enqueue()
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL,
                                                  {"runs": 1, "orphan_files": 0})
    assert (second.status, second.return_value) == (TaskResultStatus.SUCCESSFUL,
                                                    {"runs": 0, "orphan_files": 0})


def test_the_run_page_says_when_the_pdf_is_deleted(client, event):
    organiser = make_organiser(event.space)
    run = a_run(event, days_ago=0)
    BadgeRun.objects.filter(pk=run.pk).update(
        created_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    client.force_login(organiser)
    html = client.get(reverse("badge_runs:detail", args=[run.pk])).content.decode()
    assert "it is deleted after March 8, 2026" in html
