import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate limits (e.g. one confirmation mail per address) in the cache,
    which would otherwise leak from one test to the next."""
    cache.clear()
    yield
    cache.clear()
