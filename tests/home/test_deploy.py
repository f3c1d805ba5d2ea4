"""Production settings pass Django's deployment checklist."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# Each test runs manage.py in a subprocess with production settings; none reads or writes the
# database, so the PostgreSQL pass of `make test` leaves them out.
pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env_overrides) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "espresso.settings.production", **env_overrides})
    return subprocess.run(  # noqa: S603 — fixed command, our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def _check_deploy(**env_overrides) -> subprocess.CompletedProcess:
    return _manage("check", "--deploy", "--fail-level", "WARNING", **env_overrides)


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy(SECRET_KEY=secrets.token_urlsafe(64),
                           ALLOWED_HOSTS="espresso.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _check_deploy(SECRET_KEY="short", ALLOWED_HOSTS="espresso.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_collectstatic_builds_the_manifest_whitenoise_serves(tmp_path):
    """Production stores static files with hashed names and compressed copies (WhiteNoise's
    manifest storage), which fails if a stylesheet of ours points at a file that does not
    exist.

    Only our own files (STATICFILES_DIRS) are collected: the installed packages' ~20 MB of
    admin and API-browser scripts are their maintainers' to keep consistent, and
    compressing them with Brotli took this test ~40 s."""
    static_root = tmp_path / "static"
    (tmp_path / "collect_settings.py").write_text(
        "from espresso.settings.production import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(static_root)!r}\n"
        "STATICFILES_FINDERS = ['django.contrib.staticfiles.finders.FileSystemFinder']\n")
    result = _manage("collectstatic", "--noinput", "-v", "0",
                     DJANGO_SETTINGS_MODULE="collect_settings", PYTHONPATH=str(tmp_path),
                     SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="espresso.example.org")
    assert result.returncode == 0, result.stderr
    hashed = [path.name for path in (static_root / "css").glob("espresso.*.css")]
    assert len(hashed) == 1
    assert (static_root / "css" / f"{hashed[0]}.gz").exists()
    assert (static_root / "staticfiles.json").exists()
    sources = {path.relative_to(ROOT / "static").as_posix()
               for path in (ROOT / "static").rglob("*") if path.is_file()}
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    assert set(manifest) == sources


def _production_settings(expression: str, **env) -> str:
    result = _manage("shell", "--no-imports", "-c",
                     f"from django.conf import settings; print(repr({expression}))",
                     SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="espresso.example.org",
                     **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_shares_the_cache_named_by_cache_url():
    """Several app nodes share one cache through CACHE_URL (docs/operations.md)."""
    caches = _production_settings(
        "(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'],"
        " settings.DATABASES['default']['CONN_MAX_AGE'])",
        CACHE_URL="rediscache://cache.internal:6379/1")
    assert caches == ("('django.core.cache.backends.redis.RedisCache', "
                      "'redis://cache.internal:6379/1', 60)")
