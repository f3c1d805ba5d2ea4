"""A fast way back to the test database's starting data for transactional tests on PostgreSQL.

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

from django.db import transaction
from django.db.backends.postgresql.creation import DatabaseCreation

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
