from __future__ import annotations

from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona
from roadcredit.subjects.tests.factories import ensure_scopes


@pytest.fixture
def scopes(db: Any) -> Any:
    return ensure_scopes()


@pytest.fixture
def clerk(db: Any) -> Any:
    """王窗口, the window clerk (only this persona: the holder personas bring subjects along)."""
    return make_persona(Role.CLERK)
