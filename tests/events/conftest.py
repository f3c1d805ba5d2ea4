"""Fixtures shared by the events tests that watch what a service asks of others."""

import pytest

from events import payments, tasks


@pytest.fixture
def told(monkeypatch) -> list[tuple[str, int]]:
    """The e-mails the services ask for, as (kind, registration id), in order (by either
    door: `registration_notify_row` is how a new registration asks, on PostgreSQL)."""
    sent: list[tuple[str, int]] = []

    def ask(kind: str, registration) -> None:
        sent.append((kind, registration.pk))

    monkeypatch.setattr(tasks, "registration_notify_on_commit", ask)
    monkeypatch.setattr(tasks, "registration_notify_row", ask)
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
