"""Display helpers of the member's data page: the export holds plain values (ISO dates,
stored codes); these show them in the reader's language and time zone."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from credits.models import DayPassState, TransferCode, TransferState
from events.models import RegistrationRole, RegistrationState
from events.programme.models import ProposalKind, ProposalState
from network.models import MembershipRole, Visibility

register = template.Library()

LABELS = {
    "membership_role": dict(MembershipRole.choices),
    "registration_state": dict(RegistrationState.choices),
    "registration_role": dict(RegistrationRole.choices),
    "transfer_code": dict(TransferCode.choices),
    "transfer_state": dict(TransferState.choices),
    "day_pass_state": dict(DayPassState.choices),
    "visibility": dict(Visibility.choices),
    "proposal_state": dict(ProposalState.choices),
    "proposal_kind": dict(ProposalKind.choices),
}


@register.filter
def label(value: str | None, kind: str) -> str:
    """The translated label of a stored code (`kind` names its choices); unknown codes show
    as they are."""
    if value is None:
        return ""
    return str(LABELS.get(kind, {}).get(value, value))


@register.filter
def iso_to_datetime(value: str | None) -> datetime.datetime | datetime.date | None:
    """An ISO 8601 text from the export as a date-time in the current time zone (or a date)."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return parse_date(value)
