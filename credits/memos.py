"""What a ledger line says, in the reader's language (issue 10: Italian members read
"Day pass 2026-12-03" and "Credits bought at Cowo360").

A transfer the system writes stores its memo as one of the English source strings below,
filled in with language-neutral values (a space's name, an ISO date): the stored row says
what happened and never changes. `memo_display()` recognises such a memo (for the transfer
codes it belongs to) and renders it through the catalogue in the active language, dates
included ("Pass giornaliero 3 dicembre 2026"). Anything else, such as a coordinator's reason
for a grant or an event's title, is shown as it was written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from .models import TransferCode

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class SystemMemo:
    """One memo the system writes: its source string and the transfer codes it is used on."""

    msgid: str
    codes: frozenset[str]

    @property
    def pattern(self) -> re.Pattern:
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(self.msgid):
            parts += [re.escape(self.msgid[last:match.start()]), f"(?P<{match[1]}>.+)"]
            last = match.end()
        return re.compile("".join(parts) + re.escape(self.msgid[last:]) + r"\Z", re.DOTALL)

    def text(self, **params: object) -> str:
        """The stored memo: the English source string filled in (dates as ISO dates)."""
        values = {key: value.isoformat() if isinstance(value, dt.date) else str(value)
                  for key, value in params.items()}
        return (self.msgid % values)[:300]


CREDITS_BOUGHT = SystemMemo(gettext_noop("Credits bought at %(space)s"),
                            frozenset({TransferCode.PURCHASE}))
DAY_PASS = SystemMemo(gettext_noop("Day pass %(date)s"), frozenset({TransferCode.SPEND_DAYPASS}))
DAY_PASS_REFUND = SystemMemo(gettext_noop("Refund: day pass %(date)s cancelled"),
                             frozenset({TransferCode.REVERSAL}))

SYSTEM_MEMOS = (CREDITS_BOUGHT, DAY_PASS, DAY_PASS_REFUND)


def _display_value(name: str, value: str) -> str:
    if name == "date":
        try:
            return date_format(dt.date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return value


def memo_display(memo: str, code: str) -> str:
    """`memo` as the reader should read it: a system memo in the active language, anything
    else unchanged."""
    for system_memo in SYSTEM_MEMOS:
        if code not in system_memo.codes:
            continue
        match = system_memo.pattern.match(memo)
        if match:
            return gettext(system_memo.msgid) % {
                name: _display_value(name, value) for name, value in match.groupdict().items()}
    return memo
