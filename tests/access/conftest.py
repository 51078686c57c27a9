"""The access tests share one fixture world per module, built once inside a transaction that is
rolled back at the end of the module; every test case runs in its own savepoint on top of it
(pytest-django's ``db``), so an allowed POST never leaks into the next case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings

from roadcredit.credit.tests.cases.helpers import calendar_dir

from .world import World, build_world


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("access")
    with django_db_blocker.unblock(), override_settings(HOLIDAY_CALENDAR_DIR=calendar_dir(folder)):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line for the closing note: how many route × persona cases of the matrix passed."""
    passed = [
        report
        for report in terminalreporter.stats.get("passed", [])
        if "test_route_matrix.py::test_" in report.nodeid and "admits_exactly" in report.nodeid
    ]
    if passed:
        terminalreporter.write_line(f"access matrix: {len(passed)} route x persona cases passed")
