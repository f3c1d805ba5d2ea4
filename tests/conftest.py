"""Fixtures shared by the whole suite. App-specific factories live in tests/<app>/factories.py."""

import pytest
from django.db import connection

from home.services import SiteTree, site_tree_ensure


def pytest_collection_modifyitems(config, items):
    """`postgres` tests need real row locks: they run in the PostgreSQL pass only."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="runs in the PostgreSQL pass of `make test`")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def site_tree(db) -> SiteTree:
    """The page tree of a fresh instance: home, spaces, events, members, format."""
    return site_tree_ensure()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
