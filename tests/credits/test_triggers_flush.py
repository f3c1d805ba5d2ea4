"""Transactional tests that leave transfers behind are flushed between tests on both
databases, while the append-only trigger stays in force inside each test."""

import pytest
from django.db import DatabaseError, connection, transaction

from credits.models import Transfer
from tests.credits.ledger_factories import funded_member


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("round_", [1, 2])
def test_transactional_tests_with_transfers_are_flushed_and_trigger_stays(round_):
    assert Transfer.objects.count() == 0  # the previous round was flushed
    funded_member(10)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM credits_transfer")
    assert Transfer.objects.count() == 1
