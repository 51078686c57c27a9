"""Test-only Django app: one table and one job handler for the background-jobs tests."""
