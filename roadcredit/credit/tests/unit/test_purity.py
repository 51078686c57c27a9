"""The grading engine and the publication rules are pure Python: no Django anywhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CREDIT = Path(__file__).resolve().parents[2]
REPO_ROOT = CREDIT.parents[1]
PURE_MODULES = [*sorted((CREDIT / "grading").glob("*.py")), CREDIT / "publication.py"]


def test_importing_the_engine_loads_no_django():
    script = (
        "import sys\n"
        "import roadcredit.credit.grading, roadcredit.credit.publication\n"
        "from roadcredit.credit.grading import load_bundled, DEFAULT_ENTERPRISE_RULESET\n"
        "load_bundled(DEFAULT_ENTERPRISE_RULESET)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )

    assert out.stdout.strip() == ""


def test_no_pure_module_imports_django_or_other_first_party_apps():
    for path in PURE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
                if name.startswith("roadcredit"):
                    assert name.startswith("roadcredit.credit.grading"), (
                        f"{path.name} imports {name}"
                    )
