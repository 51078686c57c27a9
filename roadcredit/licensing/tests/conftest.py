"""Fixtures of the licensing tests.

``working_calendar`` (autouse): the shipped holiday files plus, for any later year the data do
not cover yet, a test-only weekends-only year, so that deadlines counted from "today" never run
off the end of the calendar whatever day the suite runs on. Tests about holidays use explicit
2026 dates, which come from the real data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from roadcredit.core.calendar import DEFAULT_DIRECTORY


@pytest.fixture(scope="session")
def _calendar_dir(tmp_path_factory: Any) -> Path:
    folder = tmp_path_factory.mktemp("holidays")
    shipped = sorted(DEFAULT_DIRECTORY.glob("*.toml"))
    for path in shipped:
        shutil.copy(path, folder / path.name)
    last = max(int(path.stem) for path in shipped)
    for year in range(last + 1, dt.datetime.now(dt.UTC).year + 3):
        (folder / f"{year}.toml").write_text(
            f'year = {year}\nsource = "test only: weekends only, no holidays"\nverified = false\n',
            encoding="utf-8",
        )
    return Path(folder)


@pytest.fixture(autouse=True)
def working_calendar(settings: Any, _calendar_dir: Path) -> Path:
    settings.HOLIDAY_CALENDAR_DIR = _calendar_dir
    return _calendar_dir
