"""Rate limits: per client address without a token, per token with one; counted in the
default cache (a shared cache in production), answered with 429 and Retry-After."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.api.helpers import bearer, token_for
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

RATES = {"api_anon": "3/min", "api_token": "4/min"}


@pytest.fixture(autouse=True)
def tight_limits(settings):
    cache.clear()
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                           "DEFAULT_THROTTLE_RATES": RATES}):
        yield
    cache.clear()


def statuses(client, n: int, **headers) -> list[int]:
    return [client.get(reverse("api:spaces"), **headers).status_code for _ in range(n)]


def test_anonymous_callers_are_limited_per_address(client, site_tree):
    assert statuses(client, 4, REMOTE_ADDR="192.0.2.1") == [200, 200, 200, 429]
    limited = client.get(reverse("api:spaces"), REMOTE_ADDR="192.0.2.1")
    assert int(limited["Retry-After"]) > 0
    assert statuses(client, 1, REMOTE_ADDR="192.0.2.2") == [200]


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, site_tree):
    codes = [client.get(reverse("api:spaces"), REMOTE_ADDR="192.0.2.1",
                        HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_each_token_has_its_own_budget(client, site_tree):
    member = UserFactory()
    first, second = token_for(member, "one"), token_for(member, "two")
    assert statuses(client, 5, REMOTE_ADDR="192.0.2.1", **bearer(first)) == [200] * 4 + [429]
    assert statuses(client, 1, REMOTE_ADDR="192.0.2.1", **bearer(second)) == [200]
    # The token's use did not spend the address's anonymous budget.
    assert statuses(client, 1, REMOTE_ADDR="192.0.2.1") == [200]
