"""One row inserted by one fixed statement, built once per model and database vendor.

`row_insert(obj)` writes what `obj.save(force_insert=True)` writes (each field's
`pre_save` and `get_db_prep_save`: defaults already set by the model, `auto_now`,
`auto_now_add`), without compiling an INSERT through the ORM on every call and without the
model-save machinery: no `pre_save`/`post_save` signal is sent, so it is only for models
whose saves nothing listens to (a registration, a task row; see the callers). The busiest
write of the site, a registration, spends its time in Python, under its event's lock.
"""

from django.db import transaction
from django.db.models import Model

_STATEMENTS: dict[tuple[type[Model], str], tuple[str, tuple, bool]] = {}


def _insert_statement(model: type[Model], conn) -> tuple[str, tuple, bool]:
    """(the INSERT, the fields it writes in order, whether it returns the new id). The
    auto-increment primary key is left to the database; any other (a UUID) is written."""
    key = (model, conn.vendor)
    if key not in _STATEMENTS:
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{model.__name__}: a model with a parent table takes two INSERTs")
        quote = conn.ops.quote_name
        auto = meta.auto_field
        fields = tuple(field for field in meta.local_concrete_fields if field is not auto)
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns})"  # noqa: S608 (names only)
               f" VALUES ({marks})")
        returning = auto is not None and conn.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {quote(auto.column)}"
        _STATEMENTS[key] = (sql, fields, returning)
    return _STATEMENTS[key]


def row_insert(obj: Model) -> None:
    """INSERT `obj` (a new row: its auto-increment id, if any, must be unset) in the current
    transaction's database and set its id; `obj` is then saved as far as Django knows.
    Raises IntegrityError as `save()` would (a unique constraint, a foreign key)."""
    model = type(obj)
    auto = model._meta.auto_field
    if auto is not None and getattr(obj, auto.attname) is not None:
        raise ValueError(f"{model.__name__} {obj.pk} is already saved")
    conn = transaction.get_connection()
    sql, fields, returning = _insert_statement(model, conn)
    values = [field.get_db_prep_save(field.pre_save(obj, True), conn) for field in fields]
    with conn.cursor() as cursor:
        cursor.execute(sql, values)
        if auto is not None:
            new_id = (cursor.fetchone()[0] if returning else
                      conn.ops.last_insert_id(cursor, model._meta.db_table, auto.column))
            setattr(obj, auto.attname, new_id)
    obj._state.adding = False
    obj._state.db = conn.alias
