"""Every state change of the ledger. Split by concept: ledger (transfers, holds,
reversals), daypass (day passes), topup (sales and grants). Import from here."""
