"""Rows inserted by fixed statements, built once per model and database vendor.

`row_insert(obj)` writes what `obj.save(force_insert=True)` writes (each field's
`pre_save` and `get_db_prep_save`: defaults already set by the model, `auto_now`,
`auto_now_add`), without compiling an INSERT through the ORM on every call and without the
model-save machinery: no `pre_save`/`post_save` signal is sent, so it is only for models
whose saves nothing listens to (a registration, a task row; see the callers). The busiest
write of the site, a registration, spends its time in Python, under its event's lock.
`rows_insert(*objs)` writes several such rows, on PostgreSQL in one round trip.

Several statements in one execute (`several_statements_per_execute`): Django's PostgreSQL
backend binds parameters on the client by default (psycopg's `ClientCursor`: the values are
written into the SQL text, which goes to the server by the simple query protocol, where
`"INSERT ...; INSERT ..."` runs both statements in the current transaction). With
server-side binding (`OPTIONS = {"server_side_binding": True}`) a statement is prepared
and one execute may hold only one: each statement then takes its own round trip.
tests/events/test_rows.py breaks if Django or psycopg changes this.
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_STATEMENTS: dict[tuple[type[Model], str, bool], tuple[str, tuple, bool]] = {}


def several_statements_per_execute(conn: BaseDatabaseWrapper) -> bool:
    """Whether one `cursor.execute` on `conn` may hold several statements separated by
    semicolons, their parameters bound on the client (PostgreSQL without server-side
    binding; never SQLite, whose driver runs one statement per execute)."""
    return (conn.vendor == "postgresql"
            and not conn.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def row_instance(model: type[Model], alias: str, attnames: Sequence[str],
                 values: Sequence) -> Model:
    """`model.from_db(alias, attnames, values)` (`values` already converted, in the order of
    `attnames`; every other field deferred, read from the database when first used),
    without running the model's `__init__`: for a Wagtail page that builds the list of its
    child relations and walks every field, most of a registration's Python time under its
    event's lock. `__init__` then only sets `_state` and the fields (no model here defines
    its own), which this does itself; when anything listens to `pre_init` or `post_init`
    for `model`, `from_db` is used instead. tests/events/test_rows.py compares the two."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(alias, frozenset(attnames), values)
    obj = model.__new__(model)
    obj._state = ModelState()
    obj._state.adding = False
    obj._state.db = alias
    obj.__dict__.update(zip(attnames, values, strict=True))
    return obj


def _insert_statement(model: type[Model], conn,
                      with_auto: bool = False) -> tuple[str, tuple, bool]:
    """(the INSERT, the fields it writes in order, whether it returns the new id). The
    auto-increment primary key is left to the database unless `with_auto` (the row's id
    was drawn beforehand); any other (a UUID) is written."""
    key = (model, conn.vendor, with_auto)
    if key not in _STATEMENTS:
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{model.__name__}: a model with a parent table takes two INSERTs")
        quote = conn.ops.quote_name
        auto = meta.auto_field
        fields = tuple(field for field in meta.local_concrete_fields
                       if with_auto or field is not auto)
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns})"  # noqa: S608 (names only)
               f" VALUES ({marks})")
        returning = (auto is not None and not with_auto
                     and conn.features.can_return_columns_from_insert)
        if returning:
            sql += f" RETURNING {quote(auto.column)}"
        _STATEMENTS[key] = (sql, fields, returning)
    return _STATEMENTS[key]


def _prepared(obj: Model, conn) -> tuple[str, list, bool | None]:
    """(the INSERT, its values, how the new id comes back: True by RETURNING, False by
    `last_insert_id`, None when there is none to read) for a new `obj`."""
    model = type(obj)
    if not obj._state.adding:
        raise ValueError(f"{model.__name__} {obj.pk} is already saved")
    auto = model._meta.auto_field
    with_auto = auto is not None and getattr(obj, auto.attname) is not None
    sql, fields, returning = _insert_statement(model, conn, with_auto)
    values = [field.get_db_prep_save(field.pre_save(obj, True), conn) for field in fields]
    return sql, values, None if auto is None or with_auto else returning


def _saved(obj: Model, cursor, conn, new_id: bool | None) -> None:
    """Set the id the database gave `obj` (read from `cursor`) and mark it saved."""
    meta = type(obj)._meta
    if new_id is not None:
        setattr(obj, meta.auto_field.attname,
                cursor.fetchone()[0] if new_id
                else conn.ops.last_insert_id(cursor, meta.db_table, meta.auto_field.column))
    obj._state.adding = False
    obj._state.db = conn.alias


def row_insert(obj: Model) -> None:
    """INSERT `obj` (a new row: `_state.adding`; its auto-increment id, if set, is written,
    else the database's) in the current transaction's database and set its id; `obj` is
    then saved as far as Django knows. Raises ValueError for a row already saved,
    IntegrityError as `save()` would (a unique constraint, a foreign key)."""
    rows_insert(obj)


def rows_insert(*objs: Model) -> None:
    """INSERT each of `objs` (as `row_insert`), in this order, in the current transaction:
    in one round trip where the connection allows it (`several_statements_per_execute`),
    else one execute each. An error in any statement raises as `row_insert` and aborts the
    transaction (the caller's atomic block rolls back)."""
    conn = transaction.get_connection()
    prepared = [_prepared(obj, conn) for obj in objs]
    with conn.cursor() as cursor:
        if len(objs) > 1 and several_statements_per_execute(conn):
            cursor.execute("; ".join(sql for sql, _values, _new_id in prepared),
                           [value for _sql, values, _new_id in prepared for value in values])
            for index, (obj, (_sql, _values, new_id)) in enumerate(zip(objs, prepared,
                                                                       strict=True)):
                if index:
                    cursor.nextset()
                _saved(obj, cursor, conn, new_id)
            return
        for obj, (sql, values, new_id) in zip(objs, prepared, strict=True):
            cursor.execute(sql, values)
            _saved(obj, cursor, conn, new_id)
