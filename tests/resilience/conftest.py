"""Fixtures of the resilience tests: every process shares the parent's keys, files and
calendar, and each test has its own signed-heads file (the database is flushed between tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadcredit.licensing.tests.conftest import _calendar_dir, working_calendar

__all__ = ["_calendar_dir", "working_calendar"]


@pytest.fixture(autouse=True)
def shared_files(settings: Any, tmp_path: Path) -> Path:
    """Own heads file and media per test; the key store created before any child starts (so
    that children never race to create it)."""
    settings.AUDIT_HEADS_PATH = tmp_path / "audit-heads.jsonl"
    settings.MEDIA_ROOT = tmp_path / "media"
    from roadcredit.elicences.signing.keys import active_signer

    active_signer()
    return tmp_path
