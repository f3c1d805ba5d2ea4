"""The site tree is built once and found again."""

import pytest

from home.services import site_tree_ensure


@pytest.mark.django_db
def test_site_tree_ensure_is_idempotent():
    first = site_tree_ensure()
    second = site_tree_ensure()

    assert [p.pk for p in vars(first).values()] == [p.pk for p in vars(second).values()]
    assert first.home.get_parent().depth == 1
