"""Production settings for the HTTP benchmark's gunicorn (bench/bench_http.py), plus one bare
view at /bench/bare/ as the baseline. Static files use the plain storage: the benchmark does
not run collectstatic (the manifest lookup of the production storage is a dict lookup)."""

from espresso.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
