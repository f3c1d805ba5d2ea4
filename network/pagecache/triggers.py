"""Database triggers that bump the content version whenever a table pages may show changes.

Guarantees: every INSERT, UPDATE, DELETE (and TRUNCATE on PostgreSQL) on a watched table
changes `pagecache_contentversion.value` in the same transaction, whoever makes it (a
service, the Wagtail admin, a queryset `.update()`, a data migration, raw SQL). A reader
therefore sees the new version exactly when it can see the new data: never earlier (the
bump is not visible before the commit), never later.

Watched: every table of the database except those in UNWATCHED (tables no cached page
shows: sessions, the task queue, the credits ledger, logs). Tables added by later migrations
are covered too: the triggers are (re)installed after every `migrate`.

PostgreSQL: a deferred constraint trigger per table (row-level, as PostgreSQL requires),
fired at COMMIT: the version row's lock is then the last lock a transaction takes and is
held only while it commits, so it can neither serialise the transactions' bodies nor close
a deadlock cycle with the ledger's and the registrations' own lock order. Until the commit
the writer itself still sees the old version: the middleware and the fragment tag never
store what is rendered inside an open transaction. The value comes from a sequence, never
reused. SQLite: row-level triggers with a random 63-bit value, at the change (SQLite runs one
writer at a time, so there is no lock order to disturb). Other databases get no triggers,
and the page cache stays off for them.
"""

from __future__ import annotations

import secrets

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.models import DBTaskResult

from .models import ContentVersion

VERSION_TABLE = ContentVersion._meta.db_table
#: Tables (prefixes) no cached page shows; changes there leave cached pages valid.
UNWATCHED = (
    VERSION_TABLE,
    "django_session",
    "django_migrations",
    "django_admin_log",
    # The task queue (django-tasks-db names its table `django_tasks_database_...`): a
    # registration's e-mail task, a worker claiming or finishing a task show on no page.
    DBTaskResult._meta.db_table,
    "credits_",
    "wagtailcore_pagelogentry",
    "wagtailcore_modellogentry",
    "wagtailcore_revision",
    "wagtailcore_pagesubscription",
    "wagtailcore_taskstate",
    "wagtailcore_workflowstate",
    "account_emailconfirmation",
    # The admin's "who else is editing this page" ping: every few seconds while an editor
    # has a page open; it shows on no page.
    "wagtailadmin_editingsession",
)
#: Columns whose change alone shows on no page: a sign-in updates `last_login`, and must not
#: empty the cache of every page.
UNWATCHED_COLUMNS = {"auth_user": ("last_login",)}
SUPPORTED_VENDORS = ("postgresql", "sqlite")
_TRIGGER = "pagecache_bump"
_PG_DEFERRED = "pagecache_bump_at_commit"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {VERSION_TABLE} SET value = nextval('pagecache_version_seq') WHERE id = 1;
    RETURN NULL;
END $$
"""  # noqa: S608 (constants only)


def watched_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The tables whose changes bump the content version (SQLite's full-text virtual tables
    and their shadow tables take no trigger: the search index's own table is watched)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        virtual: tuple[str, ...] = ()
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                           " AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            virtual = tuple(row[0] for row in cursor.fetchall())
    return sorted(t for t in tables if not t.startswith(UNWATCHED)
                  and not (virtual and t.startswith(virtual)))


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _installed(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c"
                           " ON c.oid = t.tgrelid WHERE t.tgname = %s", [_PG_DEFERRED])
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
                       " AND name LIKE %s", [f"{_TRIGGER}_%_delete"])
        return {row[0] for row in cursor.fetchall()}


def _update_event(connection: BaseDatabaseWrapper, cursor, table: str) -> str:
    """`UPDATE`, or `UPDATE OF <every column but the unwatched ones>` (both databases fire
    such a trigger only when the statement sets one of the listed columns)."""
    unwatched = UNWATCHED_COLUMNS.get(table)
    if not unwatched:
        return "UPDATE"
    columns = [c.name for c in connection.introspection.get_table_description(cursor, table)
               if c.name not in unwatched]
    return "UPDATE OF " + ", ".join(_quote(connection, c) for c in columns)


def _drop(connection: BaseDatabaseWrapper, cursor, table: str) -> None:
    name = _quote(connection, table)
    if connection.vendor == "postgresql":
        cursor.execute(f"DROP TRIGGER IF EXISTS {_PG_DEFERRED} ON {name}")
        cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}_truncate ON {name}")
        return
    for operation in ("insert", "update", "delete"):
        trigger = _quote(connection, f"{_TRIGGER}_{table}_{operation}")
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def triggers_install(connection: BaseDatabaseWrapper) -> int:
    """Install the missing triggers and the version row, and drop the triggers of tables no
    longer watched (a table added to UNWATCHED); returns how many tables got one.

    Idempotent and cheap when nothing is missing (one query lists the installed ones)."""
    if connection.vendor not in SUPPORTED_VENDORS:
        return 0
    watched, installed = watched_tables(connection), _installed(connection)
    missing = [t for t in watched if t not in installed]
    with connection.cursor() as cursor:
        for table in sorted(installed.difference(watched)):
            _drop(connection, cursor, table)
        if missing and connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in missing:
            name = _quote(connection, table)
            update = _update_event(connection, cursor, table)
            if connection.vendor == "postgresql":
                # The first version's statement-level trigger took the version row's lock at
                # the change, before the transaction's other locks: replaced.
                cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON {name}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {_PG_DEFERRED} ON {name}")
                cursor.execute(f"CREATE CONSTRAINT TRIGGER {_PG_DEFERRED} AFTER INSERT OR"
                               f" {update} OR DELETE ON {name} DEFERRABLE INITIALLY DEFERRED"
                               f" FOR EACH ROW EXECUTE FUNCTION {_TRIGGER}()")
                cursor.execute(f"CREATE OR REPLACE TRIGGER {_TRIGGER}_truncate AFTER TRUNCATE"
                               f" ON {name} FOR EACH STATEMENT EXECUTE FUNCTION {_TRIGGER}()")
                continue
            for operation, event in (("insert", "INSERT"), ("update", update),
                                     ("delete", "DELETE")):
                trigger = _quote(connection, f"{_TRIGGER}_{table}_{operation}")
                sql = (f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER"  # noqa: S608 (names)
                       f" {event} ON {name} BEGIN UPDATE {VERSION_TABLE}"
                       f" SET value = abs(random() % 9223372036854775807) WHERE id = 1; END")
                cursor.execute(sql)
    # A random first value: a database emptied by a flush never starts again at a version
    # whose pages another state of it left in a shared cache.
    ContentVersion.objects.using(connection.alias).get_or_create(
        pk=1, defaults={"value": secrets.randbits(62)})
    return len(missing)


def triggers_uninstall(connection: BaseDatabaseWrapper) -> int:
    """Drop the PostgreSQL triggers (returns how many tables had one). Migrations run
    without them: a deferred trigger event queued by a data migration would make the same
    migration's ALTER TABLE fail ("pending trigger events"). SQLite's are not deferred."""
    if connection.vendor != "postgresql":
        return 0
    installed = _installed(connection)
    with connection.cursor() as cursor:
        for table in installed:
            _drop(connection, cursor, table)
    return len(installed)


def triggers_uninstall_before_migrate(sender, using: str = "default", **kwargs) -> None:
    """pre_migrate receiver: migrations run without the triggers (post_migrate puts them
    back and bumps nothing: the version row is kept)."""
    triggers_uninstall(connections[using])


def triggers_install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: install the triggers on the database just migrated."""
    triggers_install(connections[using])
