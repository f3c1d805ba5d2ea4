"""The shared cache's keys carry the running code's id (espresso/release.py): after a deploy,
no node serves markup rendered by the old templates."""

import pytest
from django.conf import settings

from espresso.release import code_release_id, release_id


def _tree(root, template: str = "<p>{{ title }}</p>"):
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "page.html").write_text(template)
    (root / "site").mkdir()
    (root / "site" / "views.py").write_text("VALUE = 1\n")
    (root / "site" / "notes.bin").write_bytes(b"\x00not code")
    return root


def test_the_same_code_gives_the_same_id_on_any_machine(tmp_path):
    one = _tree(tmp_path / "node-1")
    two = _tree(tmp_path / "elsewhere" / "node-2")
    assert code_release_id(one) == code_release_id(two)
    assert len(code_release_id(one)) == 12


@pytest.mark.parametrize("change", ["template", "python", "renamed"])
def test_any_change_of_code_or_template_changes_the_id(tmp_path, change):
    before = code_release_id(_tree(tmp_path / "a"))
    root = _tree(tmp_path / "b")
    if change == "template":
        (root / "templates" / "page.html").write_text("<p>{{ title|upper }}</p>")
    elif change == "python":
        (root / "site" / "views.py").write_text("VALUE = 2\n")
    else:
        (root / "templates" / "page.html").rename(root / "templates" / "other.html")
    assert code_release_id(root) != before


def test_files_that_are_not_code_do_not_change_it(tmp_path):
    before = code_release_id(_tree(tmp_path / "a"))
    root = _tree(tmp_path / "b")
    (root / "site" / "notes.bin").write_bytes(b"something else")
    assert code_release_id(root) == before


def test_a_deployment_may_name_its_release(tmp_path, monkeypatch):
    root = _tree(tmp_path / "a")
    monkeypatch.setenv("RELEASE_ID", "  v2.3-9f1c2ab ")
    assert release_id(root) == "v2.3-9f1c2ab"
    monkeypatch.setenv("RELEASE_ID", "")
    assert release_id(root) == code_release_id(root)


def test_the_cache_keys_start_with_the_release():
    assert settings.RELEASE_ID
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"espresso-{settings.RELEASE_ID}"
