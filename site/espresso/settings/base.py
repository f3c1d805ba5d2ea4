"""Settings shared by every environment. Everything that varies comes from the environment."""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from espresso.release import release_id

BASE_DIR = Path(__file__).resolve().parents[3]
SITE_DIR = BASE_DIR / "site"
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def site_url(value: str) -> str:
    """SITE_URL as `http(s)://host[:port]` without a trailing slash; anything else (a path, a
    query, another scheme) raises ImproperlyConfigured."""
    parts = urlsplit(value.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or \
            parts.query or parts.fragment or parts.username:
        raise ImproperlyConfigured(
            f"SITE_URL must be http(s)://host[:port] with nothing after it, not {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"


env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "home",
    "network",
    "network.pagecache",
    "events",
    "events.programme",
    "events.badge_runs",
    "events.following",
    "events.federation",
    "events.messaging",
    "credits",
    "reports",
    "api",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware; old addresses of pages redirect to /<language>/...
    "home.middleware.PageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Anonymous pages from the shared cache, keyed by the content version in the database:
    # after Locale (the language is part of the key) and Csrf (cached pages get a fresh token).
    "network.pagecache.middleware.PageCacheMiddleware",
    # Wagtail's page routing (site and page of an address) cached under the same version.
    "network.pagecache.routes.RouteCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "home.middleware.AdminNoAccessMiddleware",
    "home.middleware.MalformedRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "espresso.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.site_navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "espresso.wsgi.application"

# --- Database -------------------------------------------------------------
# SQLite under var/ by default; DATABASE_URL (postgresql://...) in production.
VAR_DIR = Path(env.str("ESPRESSO_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # not in git: the SQLite file and media live here
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'espresso.sqlite3'}"),
}


def tune_database(db: dict) -> dict:
    """SQLite: IMMEDIATE transactions, a busy timeout and WAL, so writers queue safely."""
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    db.setdefault("ATOMIC_REQUESTS", False)
    return db


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth (django-allauth: e-mail is the login) ---------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The sign-up form also asks for the member's name; their profile is created with it.
ACCOUNT_SIGNUP_FORM_CLASS = "home.forms.SignupForm"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Espresso] "
# allauth's e-mails get the project's headers and an HTML part (home.account_adapter).
ACCOUNT_ADAPTER = "home.account_adapter.AccountAdapter"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "account_login"

# --- E-mail ---------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds a mail-server connection may block: a hung server must not hold a worker (and the
# message deliveries it claimed, events.messaging.tasks) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Espresso <noreply@espresso.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italiano"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Wagtail ------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Espresso"
# The public address (scheme and host, no path) of links that leave the site: calendar files,
# feeds, "add to my calendar" links, e-mails (see network.public_urls).
SITE_URL = site_url(env.str("SITE_URL", default="http://127.0.0.1:8000"))
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default=SITE_URL)
# Pages in two languages (docs/translations.md): Wagtail's own locales, one page tree per
# language, pages served under /en/ and /it/ (espresso.urls), the admin's "Translate".
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# ASCII page slugs: shareable URLs, and slug-based routes (calendars) can match them.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "home.search_backend"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
TAGGIT_CASE_INSENSITIVE = True
TAGGIT_TAGS_FROM_STRING = "network.tags.tags_from_string"  # one spelling per tag

# --- Credits ----------------------------------------------------------------
# How far below zero a space's account may go: the credits a space may issue to its members.
CREDITS_SPACE_ISSUANCE_LIMIT = env.int("CREDITS_SPACE_ISSUANCE_LIMIT", default=1000)

# --- Background tasks (django-tasks, the backport of Django 6's django.tasks) ---------
# E-mails to registered people, Wagtail's index updates and the periodic jobs are tasks.
# By default they run at once, in the process that enqueues them (after the commit): right
# for `make run` and the tests. Production (settings/production.py) stores them in the
# database for `manage.py db_worker`; see docs/operations.md.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND",
                           default="django_tasks.backends.immediate.ImmediateBackend"),
    },
}
# Organisers' messages to participants (events.messaging): at most this many per event, and
# per sender, in any 24 hours.
EVENTS_MESSAGES_PER_EVENT_PER_DAY = env.int("EVENTS_MESSAGES_PER_EVENT_PER_DAY", default=5)
EVENTS_MESSAGES_PER_SENDER_PER_DAY = env.int("EVENTS_MESSAGES_PER_SENDER_PER_DAY", default=20)
# A delivery claimed longer ago than this is taken to belong to a dead worker and is sent
# again by the periodic resume (events.messaging.tasks; well above EMAIL_TIMEOUT).
EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS = env.int("EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS",
                                                default=900)

# Sensitive answers to registration questions (health, access needs) are erased this many
# days after the event ends (events.questions).
EVENTS_SENSITIVE_ANSWERS_KEEP_DAYS = env.int("EVENTS_SENSITIVE_ANSWERS_KEEP_DAYS", default=30)
# Badge runs (their PDFs hold names and ticket codes) are deleted, files and rows, this many
# days after they were asked for (events.badge_runs.retention).
BADGE_RUNS_KEEP_DAYS = env.int("BADGE_RUNS_KEEP_DAYS", default=7)

# Enqueued by `manage.py enqueue_periodic_tasks`: task path -> every how many seconds.
PERIODIC_TASKS = {
    "events.tasks.event_settle_started_periodic": env.int("EVENTS_SETTLE_EVERY_SECONDS",
                                                          default=300),
    "events.reminders.reminders_send_periodic": env.int("EVENTS_REMINDERS_EVERY_SECONDS",
                                                        default=300),
    "events.following.tasks.digests_send_periodic": env.int("FOLLOWING_DIGEST_EVERY_SECONDS",
                                                            default=3600),
    "events.programme.tasks.programme_phases_catch_up_periodic": env.int(
        "PROGRAMME_PHASES_EVERY_SECONDS", default=60),
    "events.federation.tasks.subscriptions_sync_periodic": env.int(
        "EVENTS_IMPORT_EVERY_SECONDS", default=3600),
    "events.questions.sensitive_answers_erase_periodic": env.int(
        "EVENTS_SENSITIVE_ANSWERS_ERASE_EVERY_SECONDS", default=3600),
    "events.messaging.tasks.message_deliveries_resume_periodic": env.int(
        "EVENTS_MESSAGES_RESUME_EVERY_SECONDS", default=300),
    "events.badge_runs.retention.badge_runs_delete_old_periodic": env.int(
        "BADGE_RUNS_DELETE_EVERY_SECONDS", default=3600),
}
# --- Importing other sites' calendars (events.federation) ---------------------
# Private, loopback and link-local addresses are refused unless this is set (tests, a demo
# on one machine); downloads are cut at these limits.
EVENTS_IMPORT_ALLOW_PRIVATE = env.bool("EVENTS_IMPORT_ALLOW_PRIVATE", default=False)
EVENTS_IMPORT_MAX_BYTES = env.int("EVENTS_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
EVENTS_IMPORT_TIMEOUT_SECONDS = env.float("EVENTS_IMPORT_TIMEOUT_SECONDS", default=15.0)

# --- Unconference programme ---------------------------------------------------
# The automatic scheduler (OR-Tools CP-SAT): time limit in seconds and search workers.
PROGRAMME_SCHEDULER_SECONDS = env.float("PROGRAMME_SCHEDULER_SECONDS", default=10.0)
PROGRAMME_SCHEDULER_WORKERS = env.int("PROGRAMME_SCHEDULER_WORKERS", default=2)

# --- The read API (/api/v1/, site/api; docs/api.md) ---------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `format` is an event filter (workshop, meetup...), not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
    # Rate limits, counted in the default cache (shared between nodes with CACHE_URL).
    "DEFAULT_THROTTLE_RATES": {
        "api_anon": env.str("API_RATE_ANON", default="120/min"),
        "api_token": env.str("API_RATE_TOKEN", default="600/min"),
    },
    # Proxies in front of the site that append to X-Forwarded-For (0: use REMOTE_ADDR).
    "NUM_PROXIES": env.int("API_TRUSTED_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Espresso read API",
    "DESCRIPTION": "Events, unconference sessions, spaces and member profiles of an Espresso "
                   "network, and a member's own registrations and balance (docs/api.md).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["api.schema.only_api_v1"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Caching (a shared cache in multi-node deployments via CACHE_URL) ------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://espresso")}
# Keys start with the running code's id: after a deploy, no node serves markup that the old
# templates rendered (espresso/release.py).
RELEASE_ID = release_id(BASE_DIR)
CACHES["default"].setdefault("KEY_PREFIX", f"espresso-{RELEASE_ID}")
# Anonymous pages and shared fragments from the cache, under the content version kept in the
# database (network.pagecache; docs/operations.md). Always right, so on by default.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Wagtail 8 runs search-index and reference-index updates as tasks; don't log each one.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # WeasyPrint logs each step of parsing its own stylesheet at INFO, at import time.
        "weasyprint": {"level": "WARNING"},
    },
}
