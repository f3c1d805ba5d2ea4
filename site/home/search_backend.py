"""Wagtail's database search backend, with the words of a query that SQLite's full-text
syntax would read as syntax made plain (issue 10: `"` or `'><` in the admin's page search
were an HTTP 500 on SQLite; site search cleans its own query, see home.search).

WAGTAILSEARCH_BACKENDS names this module. On PostgreSQL (and anything but SQLite with FTS5)
it is exactly Wagtail's `database` backend.
"""

from __future__ import annotations

from modelsearch.backends import database


def SearchBackend(params: dict):  # the name Wagtail looks up
    """The backend Wagtail's `database` module picks; on SQLite with FTS5 the subclass of
    home.search_backend_sqlite, which makes the query's words plain."""
    backend = database.SearchBackend(params)
    if type(backend).__name__ != "SQLiteSearchBackend":
        return backend
    # Imported here, as modelsearch does: its SQLite module fails to import on PostgreSQL.
    from .search_backend_sqlite import SQLiteSearchBackend

    return SQLiteSearchBackend(params)
