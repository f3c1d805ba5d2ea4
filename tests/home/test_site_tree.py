"""The site tree can be rebuilt on an emptied database (as transactional tests leave it)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from home.services import site_tree_ensure
from network.services import COORDINATORS_GROUP
from tests.network.factories import make_space


@pytest.mark.django_db(transaction=True)
def test_site_tree_is_rebuilt_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)

    tree = site_tree_ensure()
    space = make_space(tree.spaces, "Cowo Flush")

    assert tree.home.get_parent().depth == 1
    assert space.organiser_group is not None
    assert Group.objects.filter(name=COORDINATORS_GROUP).exists()


@pytest.mark.django_db
def test_site_tree_ensure_is_idempotent():
    first = site_tree_ensure()
    second = site_tree_ensure()

    assert [p.pk for p in vars(first).values()] == [p.pk for p in vars(second).values()]
