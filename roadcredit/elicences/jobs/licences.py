"""Job handlers for licence issuance and PDF production."""
