"""Fixtures shared by the events tests that watch what a service asks of others."""

import pytest

from events import payments, tasks


@pytest.fixture
def told(monkeypatch) -> list[tuple[str, int]]:
    """The e-mails the services ask for, as (kind, registration id), in order."""
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks, "registration_notify_on_commit",
                        lambda kind, registration: sent.append((kind, registration.pk)))
    return sent


@pytest.fixture
def locks(monkeypatch) -> list[dict]:
    """What each call of registration_accounts_lock was asked to lock (registration ids;
    `space` as given)."""
    calls: list[dict] = []
    original = payments.registration_accounts_lock

    def spy(event, **kwargs):
        calls.append({key: [r.pk for r in value] if key != "space" else value
                      for key, value in kwargs.items()})
        return original(event, **kwargs)

    monkeypatch.setattr(payments, "registration_accounts_lock", spy)
    return calls
