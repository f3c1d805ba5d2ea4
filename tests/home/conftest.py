import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

ITALIAN_PO = Path(django_settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate limits (e.g. one confirmation mail per address) in the cache,
    which would otherwise leak from one test to the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def italian_catalog(tmp_path, settings):
    """The committed Italian .po, compiled by msgfmt (which also checks its placeholders)
    into a private locale directory, so a test never depends on a stale .mo."""
    target = tmp_path / "it" / "LC_MESSAGES"
    target.mkdir(parents=True)
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed (make system-deps)"
    subprocess.run([msgfmt, "--check-format", "-o", str(target / "django.mo"),  # noqa: S603
                    str(ITALIAN_PO)], check=True, capture_output=True)
    settings.LOCALE_PATHS = [tmp_path]
