"""The rule modules of the portal import no Django (they run and are tested without it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2]
STATISTICS = PORTAL.parent / "statistics"


@pytest.mark.parametrize(
    "path",
    [PORTAL / "scanrules.py", PORTAL / "uploads.py", STATISTICS / "tables.py"],
    ids=lambda p: p.name,
)
def test_the_rule_module_imports_no_django(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        # roadcredit.core.uploads (the shared content checks) is itself pure: no Django import.
        names = [name for name in names if name != "roadcredit.core.uploads"]
        assert not any(name.startswith(("django", "roadcredit")) for name in names), names
