"""The database itself refuses UPDATE and DELETE of ledger rows (credits_transfer).

PostgreSQL: a plpgsql function raising an exception, fired BEFORE UPDATE OR DELETE
for each row. SQLite: two BEFORE triggers with RAISE(ABORT). Holds change state by
appending rows (see credits/services/ledger.py), so no UPDATE is ever needed.
TRUNCATE is left alone on purpose: it is how Django's test runner empties tables on
PostgreSQL (on SQLite tests/conftest.py lets the test runner's flush through).
"""

from django.db import migrations

MESSAGE = "credits_transfer is append-only: post a reversing transfer instead"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION credits_transfer_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = '{MESSAGE} (' || TG_OP || ' refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credits_transfer_append_only
    BEFORE UPDATE OR DELETE ON credits_transfer
    FOR EACH ROW EXECUTE FUNCTION credits_transfer_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS credits_transfer_append_only ON credits_transfer;
DROP FUNCTION IF EXISTS credits_transfer_append_only();
"""
SQLITE_CREATE_DELETE_TRIGGER = f"""CREATE TRIGGER credits_transfer_no_delete
    BEFORE DELETE ON credits_transfer
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END;"""
SQLITE_DROP_DELETE_TRIGGER = "DROP TRIGGER IF EXISTS credits_transfer_no_delete;"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER credits_transfer_no_update BEFORE UPDATE ON credits_transfer
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END;""",
    SQLITE_CREATE_DELETE_TRIGGER,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS credits_transfer_no_update;",
    SQLITE_DROP_DELETE_TRIGGER,
]

def _run(apps, schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No append-only trigger for the {vendor} database.")
    sql = statements[vendor]
    for statement in [sql] if isinstance(sql, str) else sql:
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(apps, schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor) -> None:
    _run(apps, schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("credits", "0002_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
