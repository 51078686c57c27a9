"""The e-licence rule modules are pure: importing them loads no Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PURE_MODULES = [
    "roadcredit.elicences.catalogue",
    "roadcredit.elicences.identifiers",
    "roadcredit.elicences.numbering",
    "roadcredit.elicences.statuslist",
    "roadcredit.elicences.tokens",
    "roadcredit.elicences.trustlist",
]
REPO_ROOT = Path(__file__).resolve().parents[4]


def test_it_imports_every_rule_module_without_loading_django() -> None:
    script = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE_MODULES)
        + "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        + "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == ""
