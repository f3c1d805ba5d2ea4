"""Every translatable string of the code and templates has its Italian translation.

The catalogue is edited by hand (several people add strings at once), so a string changed in
a template (a `<bdi>` that gains a class) silently falls back to English in Italian. Here
`makemessages` runs on a copy of the sources and nothing may come out untranslated or fuzzy."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", "var", "mutants", "staticfiles", "node_modules",
                              "__pycache__", "*.mo", "*.sqlite3*")


def _msgids(option: str, po: Path) -> list[str]:
    """The msgids msgattrib prints with `option` (--untranslated or --only-fuzzy)."""
    out = subprocess.run(["msgattrib", option, "--no-wrap", "--no-location", str(po)],  # noqa: S603, S607
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_string_in_the_code_is_translated_in_italian(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "it", "-v", "0"],
        cwd=copy, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    po = copy / "locale" / "it" / "LC_MESSAGES" / "django.po"
    assert (_msgids("--untranslated", po), _msgids("--only-fuzzy", po)) == ([], [])
