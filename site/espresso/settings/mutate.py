"""Mutation testing (`make mutate`): the test settings, with the SQLite test database in a file.

mutmut runs the tests once per mutant; with `--reuse-db` each run then finds the migrated
database instead of migrating a fresh in-memory one. On PostgreSQL (DATABASE_URL) nothing
changes: `--reuse-db` keeps its test database the same way.
"""

from .test import *  # noqa: F403
from .test import BASE_DIR, DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "mutation-test.sqlite3")}
