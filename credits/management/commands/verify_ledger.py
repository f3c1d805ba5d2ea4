"""`manage.py verify_ledger`: check the ledger's invariants against the stored totals.

Exit 0 with one summary line when every balance sums to zero and each account's
stored totals equal the sums derived from its transfers; otherwise exit 1 naming
each account that disagrees.
"""

from django.core.management.base import BaseCommand, CommandError

from credits.models import Account, Transfer
from credits.selectors import ledger_balance_sum, ledger_discrepancies


class Command(BaseCommand):
    help = "Check that all balances sum to zero and stored totals equal the transfers' sums."

    def handle(self, *args, **options) -> None:
        problems = []
        balance_sum = ledger_balance_sum()
        if balance_sum != 0:
            problems.append(f"the balances of all accounts sum to {balance_sum}, not 0")
        for account, stored, derived in ledger_discrepancies():
            fields = ", ".join(f"{field} stored {stored[field]} derived {derived.get(field, 0)}"
                               for field in stored if stored[field] != derived.get(field, 0))
            problems.append(f"account {account.pk} ({account.kind} {account.name!r}): {fields}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Ledger check failed: {len(problems)} problem(s).")
        self.stdout.write(
            f"Ledger OK: {Account.objects.count()} accounts, {Transfer.objects.count()} "
            f"transfers, balances sum to 0, stored totals match the transfers.")
