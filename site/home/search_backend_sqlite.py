"""The SQLite part of home.search_backend (imported only on SQLite: modelsearch's SQLite
module cannot be imported on another database)."""

from __future__ import annotations

from modelsearch.backends.database.sqlite import sqlite
from modelsearch.query import And, Boost, Not, Or, Phrase, PlainText, SearchQuery


def plain_words(text: str) -> str:
    """`text` on one line, without the double quotes that delimit an FTS5 string (a word
    never needs one) and without control characters."""
    return " ".join("".join(ch if ch.isprintable() and ch != '"' else " "
                            for ch in text).split())


def plain_query(query: str | SearchQuery) -> str | SearchQuery | None:
    """The query with each text and phrase made plain; parts left empty are dropped (None
    when nothing is left)."""
    if isinstance(query, str):
        return plain_words(query) or None
    if isinstance(query, PlainText):
        text = plain_words(query.query_string)
        return PlainText(text, operator=query.operator, boost=query.boost) if text else None
    if isinstance(query, Phrase):
        text = plain_words(query.query_string)
        return Phrase(text) if text else None
    if isinstance(query, And | Or):
        parts = [part for part in map(plain_query, query.subqueries) if part is not None]
        return type(query)(parts) if parts else None
    if isinstance(query, Not):
        part = plain_query(query.subquery)
        return Not(part) if part is not None else None
    if isinstance(query, Boost):
        part = plain_query(query.subquery)
        return Boost(part, query.boost) if part is not None else None
    return query


class SQLiteSearchBackend(sqlite.SQLiteSearchBackend):
    """Searches and autocompletes with the plain query; an empty one finds nothing."""

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        query = plain_query(query)
        return super()._search(query_compiler_class, "" if query is None else query,
                               model_or_queryset, **kwargs)
