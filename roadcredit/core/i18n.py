"""Compile the zh-Hans message catalogues (.po → .mo) with polib, so no GNU gettext is needed."""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogue_files() -> list[Path]:
    return sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po"))


def compile_catalogues(*, force: bool = False) -> int:
    """Write each stale .mo beside its .po; return how many were written."""
    written = 0
    for po_path in catalogue_files():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(mo_path))
        written += 1
    return written
