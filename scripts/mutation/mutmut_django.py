"""Two things mutmut 3 does not do on its own, added before it runs (see docs/mutation.md).

1. It skips every decorated function (a trampoline cannot copy an arbitrary decorator). Most
   of our services are `@transaction.atomic` functions, so they would not be mutated at all.
   Here a function whose only decorators are `transaction.atomic` is mutated like any other:
   the copies (original and mutants) keep the decorator, the trampoline that picks one of
   them loses it, so the function still runs in exactly one atomic block.
2. It has no mutant for the two things our invariants rest on. Added:
   - `transaction.atomic` (decorator or `with` block) -> `transaction.mark_for_rollback_on_error()`,
     which is what Django does for a query outside any atomic block: no transaction;
   - `.select_for_update(...)` -> `.all()`: the same query without the row lock.

Targets mutmut 3.8 (pyproject.toml pins the range); `patch()` fails loudly if the internals
it hooks into are gone, rather than silently mutating less.

`reuse_migrated_test_database()` saves each mutant's run the `migrate` check and the
serialisation of the test database (seconds under load): see its docstring.
"""

from collections.abc import Iterable

import libcst as cst
import libcst.matchers as m
from django.conf import settings
from django.db.backends.base.creation import BaseDatabaseCreation
from mutmut import __main__ as mutmut_main
from mutmut.mutation import file_mutation, mutators

_ATOMIC = m.Attribute(value=m.Name("transaction"), attr=m.Name("atomic"))
_LOCK = m.Attribute(attr=m.Name("select_for_update"))


def _no_transaction() -> cst.Call:
    return cst.Call(func=cst.Attribute(value=cst.Name("transaction"),
                                       attr=cst.Name("mark_for_rollback_on_error")))


def is_atomic_decorator(decorator: cst.Decorator) -> bool:
    """`@transaction.atomic` or `@transaction.atomic(...)`."""
    return m.matches(decorator.decorator, _ATOMIC | m.Call(func=_ATOMIC))


def operator_atomic_decorator(node: cst.Decorator) -> Iterable[cst.Decorator]:
    if is_atomic_decorator(node):
        yield node.with_changes(decorator=_no_transaction())


def operator_atomic_block(node: cst.Call) -> Iterable[cst.Call]:
    if m.matches(node.func, _ATOMIC):
        yield _no_transaction()


def operator_row_lock(node: cst.Call) -> Iterable[cst.Call]:
    if m.matches(node.func, _LOCK):
        yield node.with_changes(func=node.func.with_changes(attr=cst.Name("all")), args=[])


def _only_atomic_decorators(node: cst.CSTNode) -> bool:
    return (isinstance(node, cst.FunctionDef) and bool(node.decorators)
            and all(is_atomic_decorator(d) for d in node.decorators))


_patched = False


def patch() -> None:
    """Install the operators and the `transaction.atomic` handling (idempotent)."""
    global _patched
    if _patched:
        return
    visitor = file_mutation.MutationVisitor
    original_skip = visitor._skip_node_and_children
    original_arrangement = file_mutation.function_trampoline_arrangement
    for needed in ("_should_mutate_node", "_create_mutations"):
        if not hasattr(visitor, needed):
            raise RuntimeError(f"mutmut internals changed: MutationVisitor.{needed} is gone")

    def skip_node_and_children(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Decorator) and is_atomic_decorator(node):
            if self._should_mutate_node(node):
                self._create_mutations(node)
            return True  # nothing inside the decorator itself to mutate
        if _only_atomic_decorators(node):
            return _skip_plain(self, node, original_skip)
        return original_skip(self, node)

    def function_trampoline_arrangement(function, mutants, class_name):
        declarations, methods, assignments, names = original_arrangement(
            function, mutants, class_name)
        if _only_atomic_decorators(function):
            methods = list(methods)
            trampoline = methods[0]
            methods[0] = trampoline.with_changes(
                decorators=[d for d in trampoline.decorators if not is_atomic_decorator(d)])
        return declarations, methods, assignments, names

    visitor._skip_node_and_children = skip_node_and_children
    file_mutation.function_trampoline_arrangement = function_trampoline_arrangement
    mutators.mutation_operators.extend([
        (cst.Decorator, operator_atomic_decorator),
        (cst.Call, operator_atomic_block),
        (cst.Call, operator_row_lock),
    ])
    _patched = True


def _skip_plain(self, node: cst.FunctionDef, original_skip) -> bool:
    """What mutmut decides for `node` as if it had no decorator (pragmas still count)."""
    position = self.get_metadata(file_mutation.PositionProvider, node, None)
    if position and position.start.line in self._ignored_node_lines:
        return original_skip(self, node)
    return False


def keep_verdicts_when_tests_change() -> None:
    """For `run.py --again`: a changed test selection (a test file added to the module in
    modules.toml) makes mutmut forget every verdict and record every test again. Rerunning
    the survivors needs neither: the killed mutants stay killed by the tests that killed
    them, and mutmut records the new tests it lists (its incremental path)."""
    mutmut_main._apply_config_change_invalidation = lambda *args, **kwargs: False


def _emptied(connection) -> bool:
    """The test database was flushed (a transactional test's teardown): no content types."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_content_type LIMIT 1")
        return cursor.fetchone() is None


def reuse_migrated_test_database() -> None:
    """mutmut runs pytest in this process once (recording which tests call what), then once
    per mutant in a fork of it. With `--reuse-db` every run still makes Django check the
    migrations, and serialise the database's content (for `serialized_rollback`) whenever
    it runs a transactional test, though nothing changes between runs. After the first run
    in this process, a run uses the test database as migrated, and the content as the first
    run serialised it last (tests/conftest.py serialises again after building the page
    tree; keeping the first copy restored a tree-less site over the tree). A run that ended
    with a transactional test left the tables empty (its flush): the next run first puts
    the content back. mutmut's clean run (every test, unmutated)
    goes through this path too before any mutant, and stops everything if it breaks a
    test."""
    create = BaseDatabaseCreation.create_test_db
    serialize = BaseDatabaseCreation.serialize_db_to_string
    names: dict[str, str] = {}
    contents: dict[str, str] = {}
    reused: set[str] = set()  # aliases whose migrated test database a later run took over

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        alias = self.connection.alias
        if not keepdb or alias not in names:
            name = create(self, verbosity=verbosity, autoclobber=autoclobber,
                          serialize=serialize, keepdb=keepdb)
            if keepdb:
                names[alias] = name
            return name
        # not _get_test_db_name(): the first run renamed the settings' NAME to the test
        # database's, so on PostgreSQL it would now say "test_test_<name>"
        name = names[alias]
        reused.add(alias)
        self.connection.close()
        settings.DATABASES[alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        self.connection.ensure_connection()
        if alias in contents and _emptied(self.connection):
            # what the next transactional test would do; a plain one would find no rows
            self.deserialize_db_from_string(contents[alias])
        return name

    def serialize_db_to_string(self):
        # the first run serialises every time it is asked (tests/conftest.py's
        # django_db_setup serialises again after building the page tree: the last copy is
        # the one transactional tests restore); the runs after it reuse that last copy
        alias = self.connection.alias
        if alias not in contents or alias not in reused:
            contents[alias] = serialize(self)
        return contents[alias]

    BaseDatabaseCreation.create_test_db = create_test_db
    BaseDatabaseCreation.serialize_db_to_string = serialize_db_to_string
