"""Production: every secret and host from the environment; HTTPS everywhere.

Run with: gunicorn espresso.wsgi --chdir site --bind 0.0.0.0:8000 --workers 3
(after `manage.py collectstatic`); WhiteNoise serves static files. Background tasks need
`manage.py db_worker` and `manage.py enqueue_periodic_tasks` (docs/operations.md).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env, site_url

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Links in calendars, feeds and e-mails: SITE_URL, else https:// the first allowed host name.
_first_host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ""
if not env.str("SITE_URL", default="") and (
        not _first_host or _first_host.startswith(".") or "*" in _first_host):
    raise ImproperlyConfigured("Set SITE_URL (e.g. https://espresso.example) in production.")
SITE_URL = site_url(env.str("SITE_URL", default="") or f"https://{_first_host}")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default=SITE_URL)

# Each gunicorn worker keeps its database connection between requests (a new connection
# per request costs more than serving a cached page); checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Tasks wait in the database for `manage.py db_worker` (django-tasks-db).
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")},
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
