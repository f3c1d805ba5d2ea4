"""Reading the content version, and the moments when pages change without a write.

`content_version()` is one primary-key read. `next_change(now)` answers "until when may a
page rendered now be served?": the earliest moment a page changes by the clock alone (an
event starts or ends, a registration window opens or closes, the local date changes).
Apps on higher floors add their moments with `register_next_change(provider)` from their
AppConfig.ready(), so this module imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from .models import ContentVersion
from .triggers import SUPPORTED_VENDORS

T = TypeVar("T")
VALUE_CACHE_SECONDS = 24 * 3600
NextChange = Callable[[dt.datetime], dt.datetime | None]
_providers: list[NextChange] = []
_REQUEST_VERSION = "_pagecache_version"
_MISSING = object()
_SELECT = f"SELECT value FROM {ContentVersion._meta.db_table} WHERE id = 1"  # noqa: S608


def content_version(using: str = "default") -> int | None:
    """The current content version, or None when the page cache cannot be used (a database
    without the triggers, or no version row yet)."""
    connection = connections[using]
    if connection.vendor not in SUPPORTED_VENDORS:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_SELECT)
        row = cursor.fetchone()
    return None if row is None else row[0]


def request_content_version(request) -> int | None:
    """The content version for this request, read from the database once and kept on the
    request (the page cache, the route cache, the navigation and the fragments share it).
    None when the page cache is off or cannot be used."""
    if not settings.PAGE_CACHE:
        return None
    if request is None:
        return content_version()
    if not hasattr(request, _REQUEST_VERSION):
        setattr(request, _REQUEST_VERSION, content_version())
    return getattr(request, _REQUEST_VERSION)


def in_open_transaction(using: str = "default") -> bool:
    """Whether the code runs inside a transaction of its own (not a test's wrapper): what it
    renders may hold uncommitted data while the version is still the old one (PostgreSQL
    bumps it at the commit), so nothing rendered there is stored."""
    return any(not getattr(block, "_from_testcase", False)
               for block in connections[using].atomic_blocks)


def cached_under_version(request, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept in the shared cache under this request's content version and `key`.

    `key` must name everything else the value depends on (a user's id, a page's id, the
    language...) and the value must not change by the clock: every table it reads has to be
    watched (network.pagecache.triggers), so that any change to them gives a new version and
    the old entry is never read again. Computed every time when the page cache is off; never
    stored from inside an open transaction (it may hold uncommitted data), and computed
    every time without a request. The value must pickle."""
    version = request_content_version(request) if request is not None else None
    if version is None:
        return compute()
    full_key = f"espresso:value:{version}:{key}"
    found = cache.get(full_key, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    if not in_open_transaction():
        cache.set(full_key, value, VALUE_CACHE_SECONDS)
    return value


def register_next_change(provider: NextChange) -> None:
    """Add a provider of "the next moment my public pages change by the clock" (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def next_change(now: dt.datetime) -> dt.datetime:
    """The earliest moment after `now` when a page may change without any write: the next
    local midnight, or sooner if a registered provider says so."""
    local = timezone.localtime(now)
    midnight = timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1),
                                                       dt.time()), local.tzinfo)
    moments = [midnight, *(m for m in (p(now) for p in _providers) if m is not None)]
    return min(moments)
