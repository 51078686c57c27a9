"""The imports the hostile corpus is thrown at, each behind one small adapter.

An adapter knows the import's header row, how to make a good data row, how to run the import on
a file the way its page / command / job does, and what it would write (so a test can assert that
a refused file wrote nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock


@dataclass
class Outcome:
    messages: list[str]  # Chinese messages, file-level first
    rows: list[int | None]  # the row each message names (None: the whole file)
    written: bool

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


@dataclass
class Target:
    name: str
    header: list[str]
    row: Callable[[int], list[Any]]  # a good data row, numbered
    run: Callable[[Path, str], Outcome]
    counts: Callable[[], tuple[int, ...]]  # what the import would write, and the audit trail
    formula_column: int  # a text column where a formula or injected text can go
    text_column_label: str  # that column's header (without the * of required columns)
    stored_text: Callable[[int], str]  # the stored value of that column, row by its number


# --- the registry import (经营业户) --------------------------------------------------------------


def registry(actor: Any) -> Target:
    from roadcredit.exchange.registry_import import import_subjects
    from roadcredit.exchange.tests.files import headers
    from roadcredit.subjects.models import Operator
    from roadcredit.subjects.tests.factories import valid_uscc

    usccs: dict[int, str] = {}

    def row(number: int) -> list[Any]:
        uscc = usccs.setdefault(number, valid_uscc(900000 + number))
        return [
            uscc,
            f"烟台市牟平区第{number}运输有限公司",
            "企业",
            "张志强",
            f"山东省烟台市牟平区文化街道通海路{number}号",
            "370612",
            "",
            "",
        ]

    def run(path: Path, file_name: str) -> Outcome:
        summary = import_subjects(
            actor=actor, kind="operator", path_or_file=path, file_name=file_name
        )
        return Outcome(
            [
                f"{e.column_label}：{e.message}" if e.column_label else e.message
                for e in summary.errors
            ],
            [e.row for e in summary.errors],
            summary.written,
        )

    def stored(number: int) -> str:
        return Operator.objects.get(uscc=usccs[number]).name

    return Target(
        name="registry",
        header=headers("operator"),
        row=row,
        run=run,
        counts=lambda: (Operator.objects.count(), AuditEntry.objects.count()),
        formula_column=1,
        text_column_label="业户名称",
        stored_text=stored,
    )


# --- credit record intake ----------------------------------------------------------------------

INTAKE_HEADERS = [
    "来源记录编号",
    "统一社会信用代码",
    "行为代码",
    "分值",
    "发生日期",
    "决定文书号",
    "决定日期",
    "情况说明",
]


def intake(actor: Any) -> Target:
    from roadcredit.credit.models import CreditRecord, IntakeBatch
    from roadcredit.credit.services.intake import intake_file
    from roadcredit.credit.tests.factories import make_source, rated_operator

    operator = rated_operator()
    source = make_source("zfxt", kind="enforcement")
    occurred = (clock.today() - dt.timedelta(days=40)).isoformat()
    decided = (clock.today() - dt.timedelta(days=30)).isoformat()

    def row(number: int) -> list[Any]:
        return [
            f"YT-{number}",
            operator.uscc,
            "RT-N-008",
            6,
            occurred,
            f"牟交罚〔2026〕{number}号",
            decided,
            f"宁海街道正阳路检查站查获超限运输（第{number}起）",
        ]

    def run(path: Path, file_name: str) -> Outcome:
        batch = intake_file(source=source, path=path, file_name=file_name, actor=actor)
        errors = batch.errors or []
        return Outcome(
            [f"{e.get('label') or ''}：{e['message']}".lstrip("：") for e in errors],
            [e.get("row") for e in errors],
            batch.status == "accepted",
        )

    def counts() -> tuple[int, ...]:
        # A refused file leaves its rejected batch and the audit entry of that refusal (what
        # the source is told); nothing else.
        return (
            CreditRecord.objects.count(),
            IntakeBatch.objects.exclude(status="rejected").count(),
            AuditEntry.objects.exclude(action="credit.intake_rejected").count(),
        )

    def stored(number: int) -> str:
        return CreditRecord.objects.get(source_ref=f"YT-{number}").description

    return Target(
        name="intake",
        header=INTAKE_HEADERS,
        row=row,
        run=run,
        counts=counts,
        formula_column=7,
        text_column_label="情况说明",
        stored_text=stored,
    )


# --- paper licence ledger (stock conversion) ----------------------------------------------------


def ledger(actor: Any) -> Target:
    from roadcredit.core.jobs import job_run
    from roadcredit.elicences.models import Licence
    from roadcredit.elicences.services.conversion import conversion_submit
    from roadcredit.elicences.tests.conversion.support import HEADERS
    from roadcredit.elicences.tests.services.support import freight_operator

    operators: dict[int, Any] = {}

    def row(number: int) -> list[Any]:
        if number not in operators:
            operators[number] = freight_operator(name=f"烟台市牟平区第{number}运输有限公司")
        issued = dt.date(2024, 4, 12)
        return [
            "道路运输经营许可证",
            f"鲁交运管许可烟字370612{number:06d}号",
            operators[number].uscc,
            "",
            "",
            "",
            issued.isoformat(),
            issued.isoformat(),
            (issued.replace(year=2028) - dt.timedelta(days=1)).isoformat(),
        ]

    def run(path: Path, file_name: str) -> Outcome:
        content = path.read_bytes()
        job = conversion_submit(actor=actor, chunks=[content], file_name=file_name, run="defer")
        job = job_run(job)
        result = job.result or {}
        errors = result.get("errors") or []
        messages = [f"{e.get('column_label') or ''}：{e['message']}".lstrip("：") for e in errors]
        if job.error and not messages:
            messages = [job.error]
        return Outcome(
            messages, [e.get("row") for e in errors], job.status == "succeeded" and not errors
        )

    def stored(number: int) -> str:
        return Licence.objects.get(operator=operators[number]).paper_number

    return Target(
        name="ledger",
        header=list(HEADERS),
        row=row,
        run=run,
        counts=lambda: (
            Licence.objects.count(),
            AuditEntry.objects.exclude(action__startswith="jobs.").count(),
        ),
        formula_column=1,
        text_column_label="证照编号",
        stored_text=stored,
    )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def good_rows(target: Target, count: int, start: int = 1) -> list[list[Any]]:
    return [target.row(number) for number in range(start, start + count)]


def header_labels(target: Target) -> Sequence[str]:
    return [label.rstrip("*") for label in target.header]
