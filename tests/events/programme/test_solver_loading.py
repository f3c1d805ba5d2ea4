"""OR-Tools (about 80 MB with pandas and numpy) is loaded by the process that schedules, not
by every web and task process when Django starts."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, the programme's included
from events.programme.services import schedule  # noqa: F401
print("ortools" in sys.modules, "pandas" in sys.modules)
from events.programme import scheduler
instance = scheduler.Instance(proposals=[], rooms=[], slots=[])
scheduler.solve(instance, time_limit=1)
print("ortools" in sys.modules)
"""


def test_the_solver_is_loaded_only_when_a_schedule_is_solved():
    result = subprocess.run(  # noqa: S603 — our own interpreter and probe
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{ROOT / 'site'}",
             "DJANGO_SETTINGS_MODULE": "espresso.settings.test"}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
