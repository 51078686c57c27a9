"""Shared test data for the credit cases: holder accounts, dates relative to today, a working-day
calendar that covers the years the tests reach."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import shutil
from pathlib import Path

from openpyxl import load_workbook

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.core import clock
from roadcredit.core.calendar import DEFAULT_DIRECTORY
from roadcredit.credit.models import CreditRecord, PublicityItem
from roadcredit.subjects.models import Operator, Practitioner

_serial = itertools.count(1)


def today() -> dt.date:
    return clock.today()


def days_ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


def holder_of(subject: Operator | Practitioner) -> User:
    """The holder account of ``subject`` (an operator account or a practitioner account)."""
    n = next(_serial)
    if isinstance(subject, Operator):
        return make_user(Role.OPERATOR, f"holder-op-{n}", operator=subject, last_name=subject.name)
    return make_user(
        Role.PRACTITIONER, f"holder-dr-{n}", practitioner=subject, last_name=subject.name
    )


def commended(subject: Operator | Practitioner) -> CreditRecord:
    """A positive record two months old, decided by the bureau (the red list needs one): 获评文明
    诚信经营户 for an operator, 获评安全生产先进个人 for a driver."""
    from roadcredit.credit.tests.factories import make_record

    code = "RT-P-002" if isinstance(subject, Operator) else "RT-P-003"
    return make_record(
        subject,
        behaviour_code=code,
        occurred_on=days_ago(60),
        decided_on=days_ago(46),
        description="牟平区交通运输局年度表彰",
    )


def calendar_dir(tmp_path: Path) -> Path:
    """The shipped holiday files, plus plain (weekends-only) years up to two years from now, so
    deadlines computed from today never run off the end of the data."""
    target = tmp_path / "holidays"
    target.mkdir()
    for source in Path(DEFAULT_DIRECTORY).glob("*.toml"):
        shutil.copy(source, target / source.name)
    for year in range(2024, today().year + 3):
        path = target / f"{year}.toml"
        if not path.exists():
            path.write_text(f'year = {year}\nsource = "test: weekends only"\n', encoding="utf-8")
    return target


def penalty_item(record: CreditRecord) -> PublicityItem:
    """The double-publicity item of a penalty record (created if missing)."""
    from roadcredit.credit.services.publicity import publicity_record_penalty_decision

    item = publicity_record_penalty_decision(record=record)
    assert item is not None
    return item


def sheet_rows(source: bytes | Path) -> list[tuple[object, ...]]:
    """The rows of the first sheet of an .xlsx file (bytes or a path)."""
    workbook = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)
    sheet = workbook.active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
