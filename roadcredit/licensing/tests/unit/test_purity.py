"""The rule modules of the licensing app are pure Python: no Django anywhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2]
REPO_ROOT = APP.parents[1]
PURE = ["catalogue", "workflow", "tiers", "deadlines", "files"]


def test_importing_the_rules_loads_no_django():
    modules = ", ".join(f"roadcredit.licensing.{name}" for name in PURE)
    script = (
        "import sys\n"
        f"import {modules}\n"
        "from roadcredit.licensing.catalogue import default_catalogue\n"
        "from roadcredit.licensing.tiers import default_policy\n"
        "default_catalogue(); default_policy()\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert out.stdout.strip() == ""


def test_no_rule_module_imports_django():
    for name in PURE:
        tree = ast.parse((APP / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for imported in names:
                assert not imported.startswith("django"), f"{name}.py imports {imported}"
