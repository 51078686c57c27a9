"""Fixtures of the seal tests: a fresh key store per test, so keys made here stay here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadcredit.core import keystore
from roadcredit.elicences.signing import keys


def _forget() -> None:
    keystore.reset_cache()
    keys.reset_cache()


@pytest.fixture
def fresh_keystore(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """An empty key store of this test's own (created on first use, development style)."""
    path = tmp_path / "keystore" / "keystore.json"
    settings.KEYSTORE_PATH = path
    settings.KEYSTORE_AUTO_CREATE = True
    _forget()
    yield path
    _forget()
