"""Fixtures of the audit-proof tests: a heads file and a key store of the test's own, so heads
signed elsewhere in the session never meet this test's chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadcredit.core import keystore
from roadcredit.elicences.signing import keys


def _forget_keys() -> None:
    keystore.reset_cache()
    keys.reset_cache()


@pytest.fixture
def proof_env(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """This test's own heads file (returned) and key store (seal keys made on first use)."""
    heads = tmp_path / "audit-heads" / "heads.jsonl"
    settings.AUDIT_HEADS_PATH = heads
    settings.KEYSTORE_PATH = tmp_path / "keystore" / "keystore.json"
    settings.KEYSTORE_AUTO_CREATE = True
    _forget_keys()
    yield heads
    _forget_keys()


@pytest.fixture
def capture_callbacks(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks
