"""The API's part of a member's own data: their personal API tokens (names and dates only;
the tokens themselves are not stored). Erasure revokes every token."""

from __future__ import annotations

from typing import Any

from network.privacy import export_datetime

from .tokens import api_tokens_of, api_tokens_revoke_all


def member_data_export(user) -> dict[str, Any]:
    return {"api_tokens": [
        {"name": token.name, "starts_with": token.prefix,
         "created_at": export_datetime(token.created),
         "last_used_at": export_datetime(token.last_used_at),
         "revoked_at": export_datetime(token.revoked_at)}
        for token in api_tokens_of(user)]}


def member_data_erase(user) -> dict[str, int]:
    """Revoke every active token of the member; safe to run twice."""
    return {"api_tokens_revoked": api_tokens_revoke_all(user)}
