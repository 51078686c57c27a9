"""Job handlers for the paper-stock ledger and stock conversion."""
