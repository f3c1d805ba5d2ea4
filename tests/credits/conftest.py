"""Spaces most credits tests share: each comes with its organiser, as (space, organiser)."""

import pytest

from tests.credits.features_factories import space_with_organiser


@pytest.fixture
def roma(site_tree):
    """A space selling day passes for 12 credits."""
    return space_with_organiser(site_tree.spaces, "Cowo Roma", day_pass_price=12)


@pytest.fixture
def milano(site_tree):
    """A second space, day passes for 8 credits."""
    return space_with_organiser(site_tree.spaces, "Cowo Milano", day_pass_price=8)
