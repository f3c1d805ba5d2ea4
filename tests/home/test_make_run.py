"""`make run` serves where its links point: the SITE_URL it sets (for calendar files, feeds
and e-mails, issue 10) is the address runserver listens on."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_sets_the_public_address_to_where_it_serves():
    make = shutil.which("make")
    assert make, "make is needed"
    dry = subprocess.run([make, "-n", "run"], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                         timeout=60, check=True, env={"PATH": "/usr/bin:/bin"}).stdout
    line = next(line for line in dry.splitlines() if "runserver" in line)
    found = re.search(r"SITE_URL=\$\{SITE_URL:-(http://[^}]+)\}.* runserver (\S+)", line)
    assert found, line
    assert found[1] == f"http://{found[2]}"
