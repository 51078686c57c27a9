from __future__ import annotations

from typing import Any

import pytest

from roadcredit.credit.tests.cases.helpers import calendar_dir


@pytest.fixture(autouse=True)
def _calendar_covers_the_tests(settings: Any, tmp_path: Any) -> None:
    settings.HOLIDAY_CALENDAR_DIR = calendar_dir(tmp_path)
