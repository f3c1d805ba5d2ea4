"""Faster PostgreSQL test databases: one migration per run, and a fast way back to the
starting data for transactional tests.

Each xdist worker needs its own test database. Migrating one (~250 migrations) costs tens
of seconds, and the workers did it at the same time on the same two cores. Here the first
worker migrates a template database (named after a digest of every migration it holds, so
a changed migration makes a new one) while the others wait on a file lock; each worker's
database is then a copy (`CREATE DATABASE … TEMPLATE`, well under a second), and Django,
told to keep it (`keepdb`), finds every migration applied.

A transactional test (`django_db(transaction=True, serialized_rollback=True)`) starts from
the data the migrations and the page tree left (content types, permissions, groups, the
tree...). Django restores it by deserialising a JSON copy and saving its ~1,500 objects
one by one: about a second per test on PostgreSQL, more than most of those tests take, and
the PostgreSQL pass has over a hundred of them (the concurrency tests).

Here the same rows are copied once, right after the set-up, into tables of their own
schema, and put back with one `INSERT … SELECT` per table in one round trip, triggers and
foreign-key checks off for that transaction (`session_replication_role = replica`: the
rows are the ones that were already consistent). That needs a superuser, which the
throwaway cluster of `make test` is; any other database keeps Django's way.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
import tempfile
from pathlib import Path

from django.db import transaction
from django.db.backends.postgresql.creation import DatabaseCreation
from django.db.migrations.loader import MigrationLoader

SCHEMA = "espresso_test_snapshot"

#: database name -> the SQL that restores its starting data.
_RESTORE_SQL: dict[str, str] = {}
_django_deserialize = DatabaseCreation.deserialize_db_from_string


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_take(connection) -> bool:
    """Copy every model table's rows into SCHEMA; True when the fast restore is set up."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        tables = sorted(connection.introspection.django_table_names(
            only_existing=True, include_views=False))
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        cursor.execute(
            "SELECT table_name, string_agg(quote_ident(column_name), ', '"
            " ORDER BY ordinal_position) FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
            " AND table_name = ANY(%s) GROUP BY table_name", [tables])
        columns = dict(cursor.fetchall())
        filled = []
        for table in tables:
            # Identifiers only, from the catalog and quoted: nothing a test can inject.
            cursor.execute(f"CREATE TABLE {SCHEMA}.{_quote(table)} AS"  # noqa: S608
                           f" SELECT {columns[table]} FROM {_quote(table)}")
            if cursor.rowcount:
                filled.append(table)
    statements = ["SET LOCAL session_replication_role = replica"]
    if filled:
        statements.append("TRUNCATE " + ", ".join(_quote(t) for t in filled) + " CASCADE")
    statements += [f"INSERT INTO {_quote(t)} ({columns[t]}) OVERRIDING SYSTEM VALUE"  # noqa: S608
                   f" SELECT {columns[t]} FROM {SCHEMA}.{_quote(t)}" for t in filled]
    _RESTORE_SQL[connection.settings_dict["NAME"]] = ";\n".join(statements)
    return True


def _deserialize(self: DatabaseCreation, data: str) -> None:
    """Django's `deserialize_db_from_string`, from the snapshot when there is one."""
    restore = _RESTORE_SQL.get(self.connection.settings_dict["NAME"])
    if restore is None:
        _django_deserialize(self, data)
        return
    with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
        cursor.execute(restore)


def fast_restore_install() -> None:
    DatabaseCreation.deserialize_db_from_string = _deserialize


def fast_restore_uninstall() -> None:
    DatabaseCreation.deserialize_db_from_string = _django_deserialize
    _RESTORE_SQL.clear()


def _migrations_digest(connection) -> str:
    """A digest of every migration the project would apply: names and file contents."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in sorted(loader.disk_migrations):
        digest.update(repr(key).encode())
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        if getattr(module, "__file__", None):
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:12]


def _database_exists(connection, name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _old_templates_drop(connection, template: str) -> None:
    """Drop the templates of earlier migrations (on a database kept between runs)."""
    prefix = template.rsplit("_", 1)[0] + "_"
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)"
                       " AND datname <> %s", [prefix, template])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


def worker_database_from_template(connection) -> bool:
    """On PostgreSQL, make this worker's test database a copy of a migrated template
    (building the template first if no worker has). True when it did: the caller then
    sets the database up with `keepdb`."""
    if connection.vendor != "postgresql":
        return False
    settings_dict = connection.settings_dict
    worker_name = connection.creation._get_test_db_name()
    template = f"{worker_name.rsplit('_gw', 1)[0]}_template_{_migrations_digest(connection)}"
    quote = connection.ops.quote_name
    lock_path = Path(tempfile.gettempdir()) / (
        f"espresso-test-template-{settings_dict.get('HOST') or 'local'}"
        f"-{settings_dict.get('PORT') or 5432}-{template}.lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _database_exists(connection, template):
            _old_templates_drop(connection, template)
            original_name, test = settings_dict["NAME"], settings_dict.setdefault("TEST", {})
            original_test_name = test.get("NAME")
            test["NAME"] = template
            try:
                connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                   serialize=False)
            finally:
                connection.close()
                settings_dict["NAME"], test["NAME"] = original_name, original_test_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(worker_name)}")
            cursor.execute(f"CREATE DATABASE {quote(worker_name)} TEMPLATE {quote(template)}")
    return True
