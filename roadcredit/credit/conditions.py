"""Rules of the credit cases, in pure Python (no Django): repair conditions, the serious-list
procedure, objection deadlines.

    rules = default_case_rules()
    check = check_repair(target=..., declaration=..., history=..., rules=rules, today=today)
    if not check.ok: ...check.failures (each names a field and says why, in Chinese)

The parameters (commitment text, bars, working-day deadlines) are data in
``rules/cases.toml``. Messages are Chinese constants: a subject or a credit officer reads them and
this module cannot use gettext.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.ruleset import RULES_DIR
from roadcredit.credit.grading.tomldata import RuleSetError, TomlReader, parse_toml

__all__ = [
    "CASE_RULES_KIND",
    "DEFAULT_CASE_RULES",
    "LISTING_OPEN_STATUSES",
    "LISTING_TRANSITIONS",
    "CaseRules",
    "ConditionFailure",
    "PriorRecord",
    "RepairCheck",
    "RepairDeclaration",
    "RepairTarget",
    "RuleSetError",
    "check_repair",
    "date_zh",
    "default_case_rules",
    "listing_decision_blocker",
    "listing_transition_allowed",
    "normalise_text",
    "working_day_deadline",
]

CASE_RULES_KIND = "case-rules"
DEFAULT_CASE_RULES = RULES_DIR / "cases.toml"


def date_zh(day: datetime.date) -> str:
    """2026-04-01 → 2026年4月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def normalise_text(value: str) -> str:
    """Collapse every run of whitespace (a pasted commitment may wrap differently)."""
    return "".join(value.split())


# ---------------------------------------------------------------------------------------------
# Parameters (rules/cases.toml)


@dataclass(frozen=True, slots=True)
class CaseRules:
    id: str
    version: str
    commitment_text_zh: str
    repeat_window_months: int
    repeat_min_records: int
    false_commitment_codes: frozenset[str]
    false_commitment_bar_months: int
    repair_decision_working_days: int
    objection_deadline_working_days: int
    statement_working_days: int
    publicity_due_working_days: int

    @classmethod
    def load(cls, path: Path | str) -> CaseRules:
        path = Path(path)
        return cls.from_toml_text(path.read_text(encoding="utf-8"), source=path.name)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "<text>") -> CaseRules:
        return _parse(parse_toml(text, source), source)


@functools.cache
def default_case_rules() -> CaseRules:
    """The shipped case rules, parsed once per process."""
    return CaseRules.load(DEFAULT_CASE_RULES)


def _parse(data: Mapping[str, Any], source: str) -> CaseRules:
    r = TomlReader(source)
    r.known(data, "", ("meta", "repair", "objection", "serious_list", "publicity"))
    meta = r.sub(data, "", "meta")
    r.known(meta, "meta", ("kind", "id", "version", "title_zh"))
    kind = r.text(meta, "meta", "kind")
    if kind and kind != CASE_RULES_KIND:
        r.fail("meta.kind", f"应为 {CASE_RULES_KIND}")
    r.text(meta, "meta", "title_zh")

    repair = r.sub(data, "", "repair")
    r.known(
        repair,
        "repair",
        (
            "commitment_text_zh",
            "repeat_window_months",
            "repeat_min_records",
            "false_commitment_codes",
            "false_commitment_bar_months",
            "decision_working_days",
        ),
    )
    objection = r.sub(data, "", "objection")
    r.known(objection, "objection", ("deadline_working_days",))
    serious = r.sub(data, "", "serious_list")
    r.known(serious, "serious_list", ("statement_working_days",))
    publicity = r.sub(data, "", "publicity")
    r.known(publicity, "publicity", ("due_working_days",))

    def days(table: Mapping[str, Any], path: str, key: str) -> int:
        return r.integer(table, path, key, minimum=1) or 1

    rules = CaseRules(
        id=r.text(meta, "meta", "id"),
        version=r.text(meta, "meta", "version"),
        commitment_text_zh=r.text(repair, "repair", "commitment_text_zh"),
        repeat_window_months=days(repair, "repair", "repeat_window_months"),
        repeat_min_records=r.integer(repair, "repair", "repeat_min_records", minimum=2) or 2,
        false_commitment_codes=frozenset(r.texts(repair, "repair", "false_commitment_codes")),
        false_commitment_bar_months=days(repair, "repair", "false_commitment_bar_months"),
        repair_decision_working_days=days(repair, "repair", "decision_working_days"),
        objection_deadline_working_days=days(objection, "objection", "deadline_working_days"),
        statement_working_days=days(serious, "serious_list", "statement_working_days"),
        publicity_due_working_days=days(publicity, "publicity", "due_working_days"),
    )
    r.raise_if_failed()
    return rules


def working_day_deadline(
    start: datetime.date, working_days: int, add_working_days: Callable[[datetime.date, int], Any]
) -> datetime.date:
    """``start`` plus ``working_days`` working days, by the calendar's ``add_working_days``."""
    day = add_working_days(start, working_days)
    assert isinstance(day, datetime.date)
    return day


# ---------------------------------------------------------------------------------------------
# Credit repair (信用修复)

FailureCode = Literal[
    "record_status",  # the record is not an active published record
    "positive",  # positive records are not repaired
    "undecided",  # no decision yet
    "period",  # the minimum publication period has not passed
    "obligations",  # obligations not declared fulfilled
    "evidence",  # no evidence of the obligations
    "commitment",  # the credit commitment was not signed as published
    "signature",  # the commitment lacks its signing time or account
    "repeat_offender",  # barred: the same behaviour again within the window
    "false_commitment",  # barred: a false commitment within the bar period
]

_STATUS_REASONS: dict[str, str] = {
    "pending": "该记录尚未作出处理决定，不能申请信用修复",
    "under_objection": "该记录正在异议处理中，请待异议办结后再申请信用修复",
    "repaired": "该记录已完成信用修复",
    "expired": "该记录公示期已届满，已停止公示，无需申请信用修复",
    "withdrawn": "该记录已撤销，无需申请信用修复",
}


@dataclass(frozen=True, slots=True)
class RepairTarget:
    """The record a subject asks to repair."""

    record_id: str
    behaviour_code: str
    behaviour_name_zh: str
    direction: str
    severity: str
    status: str
    decided_on: datetime.date | None
    earliest_repair_on: datetime.date | None


@dataclass(frozen=True, slots=True)
class PriorRecord:
    """Another negative record of the same subject (for the bars)."""

    record_id: str
    behaviour_code: str
    decided_on: datetime.date | None
    status: str


@dataclass(frozen=True, slots=True)
class RepairDeclaration:
    """What the applicant declares and signs."""

    obligations_fulfilled: bool
    obligations_evidence: str
    commitment_text: str
    commitment_signed_at: datetime.datetime | None
    commitment_signed_by: str


@dataclass(frozen=True, slots=True)
class ConditionFailure:
    code: FailureCode
    field: str  # the input the failure is about ("record", "obligations_evidence", …)
    message_zh: str
    barred: bool = False  # the subject may not apply at all for a time (not just "not yet")


@dataclass(frozen=True, slots=True)
class RepairCheck:
    failures: tuple[ConditionFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def barred(self) -> bool:
        return any(f.barred for f in self.failures)

    @property
    def reasons_zh(self) -> tuple[str, ...]:
        return tuple(f.message_zh for f in self.failures)

    def fields(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for failure in self.failures:
            out.setdefault(failure.field, []).append(failure.message_zh)
        return out


def check_repair(
    *,
    target: RepairTarget,
    declaration: RepairDeclaration,
    history: Iterable[PriorRecord],
    rules: CaseRules,
    today: datetime.date,
) -> RepairCheck:
    """Every repair condition that fails (all of them, not just the first).

    Conditions (令第36号): an active, decided, negative record; its minimum publication period
    passed (``earliest_repair_on ≤ today``); obligations performed, with evidence; the published
    credit commitment signed (time and account). Bars: a repeat offender (the same behaviour
    decided ``repeat_min_records`` times within ``repeat_window_months`` months of this
    record's decision, before or after it) and a subject with a false commitment decided within
    ``false_commitment_bar_months`` months before ``today``.
    """
    failures: list[ConditionFailure] = []
    if target.direction != "negative":
        failures.append(ConditionFailure("positive", "record", "正面记录无需申请信用修复"))
    elif target.status != "active":
        reason = _STATUS_REASONS.get(target.status, "该记录当前状态不能申请信用修复")
        code: FailureCode = "undecided" if target.status == "pending" else "record_status"
        failures.append(ConditionFailure(code, "record", reason))
    elif target.decided_on is None or target.earliest_repair_on is None:
        failures.append(ConditionFailure("undecided", "record", _STATUS_REASONS["pending"]))
    elif today < target.earliest_repair_on:
        failures.append(
            ConditionFailure(
                "period",
                "record",
                f"最短公示期未满，自{date_zh(target.earliest_repair_on)}起方可申请信用修复",
            )
        )

    if not declaration.obligations_fulfilled:
        failures.append(
            ConditionFailure(
                "obligations",
                "obligations_fulfilled",
                "须已纠正失信行为并全面履行行政处罚等相关义务（如缴清罚款）",
            )
        )
    if not declaration.obligations_evidence.strip():
        failures.append(
            ConditionFailure(
                "evidence",
                "obligations_evidence",
                "请说明义务履行情况并列明证明材料（如罚没款缴款书编号、整改报告）",
            )
        )
    if normalise_text(declaration.commitment_text) != normalise_text(rules.commitment_text_zh):
        failures.append(
            ConditionFailure("commitment", "commitment", "须签署公布的信用修复承诺书（全文）")
        )
    elif declaration.commitment_signed_at is None or not declaration.commitment_signed_by.strip():
        failures.append(
            ConditionFailure("signature", "commitment", "信用承诺须由申请账户签署并记录签署时间")
        )

    prior = tuple(history)
    repeat = _repeat_offence(target, prior, rules)
    if repeat is not None:
        failures.append(repeat)
    false_commitment = _false_commitment_bar(target, prior, rules, today)
    if false_commitment is not None:
        failures.append(false_commitment)
    return RepairCheck(tuple(failures))


def _repeat_offence(
    target: RepairTarget, prior: tuple[PriorRecord, ...], rules: CaseRules
) -> ConditionFailure | None:
    if target.decided_on is None or target.direction != "negative":
        return None
    low = add_months(target.decided_on, -rules.repeat_window_months)
    high = add_months(target.decided_on, rules.repeat_window_months)
    same = 1 + sum(
        1
        for record in prior
        if record.record_id != target.record_id
        and record.behaviour_code == target.behaviour_code
        and record.status != "withdrawn"
        and record.decided_on is not None
        and low <= record.decided_on <= high
    )
    if same < rules.repeat_min_records:
        return None
    return ConditionFailure(
        "repeat_offender",
        "record",
        f"{rules.repeat_window_months}个月内同一失信行为（{target.behaviour_name_zh}）"
        f"被认定{same}次，属屡犯，不予受理信用修复申请",
        barred=True,
    )


def _false_commitment_bar(
    target: RepairTarget, prior: tuple[PriorRecord, ...], rules: CaseRules, today: datetime.date
) -> ConditionFailure | None:
    records = list(prior)
    if all(record.record_id != target.record_id for record in records):
        records.append(
            PriorRecord(target.record_id, target.behaviour_code, target.decided_on, target.status)
        )
    latest: datetime.date | None = None
    for record in records:
        if (
            record.behaviour_code in rules.false_commitment_codes
            and record.status != "withdrawn"
            and record.decided_on is not None
            and record.decided_on <= today
            and (latest is None or record.decided_on > latest)
        ):
            latest = record.decided_on
    if latest is None:
        return None
    until = add_months(latest, rules.false_commitment_bar_months)
    if today >= until:
        return None
    return ConditionFailure(
        "false_commitment",
        "record",
        f"{date_zh(latest)}被认定信用承诺不实，{date_zh(until)}前不予受理信用修复申请",
        barred=True,
    )


# ---------------------------------------------------------------------------------------------
# The serious-dishonesty list procedure (严重失信主体名单: 告知 → 陈述申辩 → 决定)

ListingStatus = Literal[
    "proposed", "notified", "statement_received", "listed", "not_listed", "removed", "cancelled"
]

LISTING_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "proposed": frozenset({"notified", "cancelled"}),
    "notified": frozenset({"statement_received", "listed", "not_listed", "cancelled"}),
    "statement_received": frozenset({"listed", "not_listed"}),
    "listed": frozenset({"removed"}),
    "not_listed": frozenset(),
    "removed": frozenset(),
    "cancelled": frozenset(),
}
# An entry in one of these states still blocks a new proposal for the same subject and list.
LISTING_OPEN_STATUSES = frozenset({"proposed", "notified", "statement_received", "listed"})


def listing_transition_allowed(current: str, target: str) -> bool:
    return target in LISTING_TRANSITIONS.get(current, frozenset())


def listing_decision_blocker(
    *,
    status: str,
    statement_due_on: datetime.date | None,
    today: datetime.date,
) -> str | None:
    """Why the officer may not decide (list / not list) yet, or None.

    The subject must have been notified; the decision waits for its statement or for the
    statement deadline to pass (陈述申辩 may not be cut short).
    """
    if status == "statement_received":
        return None
    if status == "proposed":
        return "尚未告知当事人，不能作出列入决定"
    if status != "notified":
        return "该名单事项已办结"
    if statement_due_on is not None and today <= statement_due_on:
        return f"陈述申辩期限至{date_zh(statement_due_on)}，期满或收到陈述申辩后方可作出决定"
    return None
