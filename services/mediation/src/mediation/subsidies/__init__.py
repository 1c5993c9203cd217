"""The subsidy ledger (以案定补) and monthly statements."""
