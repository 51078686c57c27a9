"""Repair conditions, bars, the serious-list procedure and the case rules file (pure, no DB)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from roadcredit.credit.conditions import (
    CaseRules,
    PriorRecord,
    RepairDeclaration,
    RepairTarget,
    RuleSetError,
    check_repair,
    date_zh,
    default_case_rules,
    listing_decision_blocker,
    listing_transition_allowed,
)

D = datetime.date
RULES = default_case_rules()
SIGNED_AT = datetime.datetime(2026, 9, 1, 9, 30, tzinfo=datetime.UTC)

# 烟台鑫达物流有限公司: overloading (超限超载运输, general) decided 2026-04-10 → repair from 2026-07-10.
OVERLOAD = RepairTarget(
    record_id="CR-2026-000101",
    behaviour_code="RT-N-008",
    behaviour_name_zh="超限超载运输",
    direction="negative",
    severity="general",
    status="active",
    decided_on=D(2026, 4, 10),
    earliest_repair_on=D(2026, 7, 10),
)
SIGNED = RepairDeclaration(
    obligations_fulfilled=True,
    obligations_evidence="罚款2000元已于2026年4月20日缴清，缴款书编号 3706122026000123",
    commitment_text=RULES.commitment_text_zh,
    commitment_signed_at=SIGNED_AT,
    commitment_signed_by="operator",
)


def target(**changes: Any) -> RepairTarget:
    return dataclasses.replace(OVERLOAD, **changes)


def declaration(**changes: Any) -> RepairDeclaration:
    return dataclasses.replace(SIGNED, **changes)


def prior(code: str, decided: D | None, status: str = "active", rid: str = "") -> PriorRecord:
    return PriorRecord(rid or f"CR-{code}-{decided}", code, decided, status)


@pytest.mark.parametrize(
    ("case", "the_target", "the_declaration", "history", "today", "codes"),
    [
        ("all conditions met", OVERLOAD, SIGNED, (), D(2026, 9, 1), []),
        ("on the first day of the repair window", OVERLOAD, SIGNED, (), D(2026, 7, 10), []),
        ("one day too early", OVERLOAD, SIGNED, (), D(2026, 7, 9), ["period"]),
        (
            "serious record inside its year",
            target(severity="serious", earliest_repair_on=D(2027, 4, 10)),
            SIGNED,
            (),
            D(2026, 9, 1),
            ["period"],
        ),
        (
            "minor record repairable at once",
            target(severity="minor", earliest_repair_on=D(2026, 4, 10)),
            SIGNED,
            (),
            D(2026, 4, 10),
            [],
        ),
        (
            "obligations not fulfilled and no evidence",
            OVERLOAD,
            declaration(obligations_fulfilled=False, obligations_evidence="  "),
            (),
            D(2026, 9, 1),
            ["obligations", "evidence"],
        ),
        (
            "commitment text altered",
            OVERLOAD,
            declaration(commitment_text="我承诺以后注意。"),
            (),
            D(2026, 9, 1),
            ["commitment"],
        ),
        (
            "commitment with its commas dropped is another text",
            OVERLOAD,
            declaration(commitment_text="\n".join(RULES.commitment_text_zh.split("，"))),
            (),
            D(2026, 9, 1),
            ["commitment"],
        ),
        (
            "commitment not signed",
            OVERLOAD,
            declaration(commitment_signed_at=None),
            (),
            D(2026, 9, 1),
            ["signature"],
        ),
        (
            "commitment without the signing account",
            OVERLOAD,
            declaration(commitment_signed_by=""),
            (),
            D(2026, 9, 1),
            ["signature"],
        ),
        ("pending record", target(status="pending"), SIGNED, (), D(2026, 9, 1), ["undecided"]),
        (
            "record under objection",
            target(status="under_objection"),
            SIGNED,
            (),
            D(2026, 9, 1),
            ["record_status"],
        ),
        (
            "already repaired",
            target(status="repaired"),
            SIGNED,
            (),
            D(2026, 9, 1),
            ["record_status"],
        ),
        (
            "positive record",
            target(direction="positive", behaviour_code="RT-P-001"),
            SIGNED,
            (),
            D(2026, 9, 1),
            ["positive"],
        ),
        (
            "repeat offender: the same behaviour again within 12 months",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-008", D(2025, 11, 3)),),
            D(2026, 9, 1),
            ["repeat_offender"],
        ),
        (
            "repeat offender: reoffended after the decision",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-008", D(2026, 8, 2)),),
            D(2026, 9, 1),
            ["repeat_offender"],
        ),
        (
            "not a repeat: the earlier one was 13 months before",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-008", D(2025, 3, 9)),),
            D(2026, 9, 1),
            [],
        ),
        (
            "not a repeat: the other one was withdrawn",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-008", D(2025, 11, 3), status="withdrawn"),),
            D(2026, 9, 1),
            [],
        ),
        (
            "not a repeat: another behaviour",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-020", D(2025, 11, 3)),),
            D(2026, 9, 1),
            [],
        ),
        (
            "false commitment within 36 months bars the subject",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-005", D(2024, 6, 1)),),
            D(2026, 9, 1),
            ["false_commitment"],
        ),
        (
            "false commitment bar has run out",
            OVERLOAD,
            SIGNED,
            (prior("RT-N-005", D(2023, 8, 31)),),
            D(2026, 9, 1),
            [],
        ),
        (
            "several failures are all reported",
            target(earliest_repair_on=D(2026, 10, 10)),
            declaration(obligations_evidence="", commitment_signed_by=""),
            (prior("RT-N-008", D(2026, 1, 5)),),
            D(2026, 9, 1),
            ["period", "evidence", "signature", "repeat_offender"],
        ),
    ],
)
def test_it_checks_every_repair_condition(case, the_target, the_declaration, history, today, codes):
    check = check_repair(
        target=the_target,
        declaration=the_declaration,
        history=history,
        rules=RULES,
        today=today,
    )

    assert [f.code for f in check.failures] == codes, case
    assert check.ok is (not codes)


def test_it_accepts_the_commitment_with_other_line_breaks():
    text = RULES.commitment_text_zh.replace("，", "，\n")

    check = check_repair(
        target=OVERLOAD,
        declaration=declaration(commitment_text=text),
        history=(),
        rules=RULES,
        today=D(2026, 9, 1),
    )

    assert check.ok


def test_it_names_the_first_repair_day_in_chinese():
    check = check_repair(
        target=OVERLOAD, declaration=SIGNED, history=(), rules=RULES, today=D(2026, 5, 1)
    )

    assert check.reasons_zh == ("最短公示期未满，自2026年7月10日起方可申请信用修复",)
    assert check.fields() == {"record": ["最短公示期未满，自2026年7月10日起方可申请信用修复"]}
    assert not check.barred


def test_a_bar_is_marked_as_such_and_says_until_when():
    check = check_repair(
        target=OVERLOAD,
        declaration=SIGNED,
        history=(prior("RT-N-005", D(2025, 2, 14)),),
        rules=RULES,
        today=D(2026, 9, 1),
    )

    assert check.barred
    assert check.reasons_zh == (
        "2025年2月14日被认定信用承诺不实，2028年2月14日前不予受理信用修复申请",
    )


def test_a_false_commitment_record_itself_is_barred_from_repair():
    false_commitment = target(
        record_id="CR-2026-000555",
        behaviour_code="RT-N-005",
        behaviour_name_zh="信用承诺不实（承诺失信）",
        severity="serious",
        decided_on=D(2024, 3, 1),
        earliest_repair_on=D(2025, 3, 1),
    )

    check = check_repair(
        target=false_commitment, declaration=SIGNED, history=(), rules=RULES, today=D(2026, 9, 1)
    )

    assert [f.code for f in check.failures] == ["false_commitment"]


def test_repeat_offence_message_counts_the_records():
    check = check_repair(
        target=OVERLOAD,
        declaration=SIGNED,
        history=(prior("RT-N-008", D(2025, 12, 1)), prior("RT-N-008", D(2026, 2, 1))),
        rules=RULES,
        today=D(2026, 9, 1),
    )

    assert check.reasons_zh == (
        "12个月内同一失信行为（超限超载运输）被认定3次，属屡犯，不予受理信用修复申请",
    )


@pytest.mark.parametrize(
    ("current", "target_status", "allowed"),
    [
        ("proposed", "notified", True),
        ("proposed", "listed", False),
        ("notified", "statement_received", True),
        ("notified", "listed", True),
        ("statement_received", "not_listed", True),
        ("statement_received", "notified", False),
        ("listed", "removed", True),
        ("not_listed", "listed", False),
        ("removed", "listed", False),
    ],
)
def test_the_serious_list_procedure_moves_only_forward(current, target_status, allowed):
    assert listing_transition_allowed(current, target_status) is allowed


@pytest.mark.parametrize(
    ("status", "due", "today", "blocked"),
    [
        ("proposed", None, D(2026, 9, 1), "尚未告知当事人，不能作出列入决定"),
        (
            "notified",
            D(2026, 9, 8),
            D(2026, 9, 8),
            "陈述申辩期限至2026年9月8日，期满或收到陈述申辩后方可作出决定",
        ),
        ("notified", D(2026, 9, 8), D(2026, 9, 9), None),
        ("statement_received", D(2026, 9, 8), D(2026, 9, 2), None),
        ("listed", D(2026, 9, 8), D(2026, 10, 1), "该名单事项已办结"),
    ],
)
def test_the_listing_decision_waits_for_the_statement(status, due, today, blocked):
    assert listing_decision_blocker(status=status, statement_due_on=due, today=today) == blocked


def test_the_shipped_case_rules_load():
    assert RULES.objection_deadline_working_days == 15
    assert RULES.publicity_due_working_days == 7
    assert RULES.statement_working_days == 5
    assert "RT-N-005" in RULES.false_commitment_codes


def test_it_names_every_bad_key_of_the_case_rules():
    text = """
[meta]
kind = "case-rules"
id = "x"
version = "1"
title_zh = "测试"
[repair]
commitment_text_zh = "承诺"
repeat_window_months = 0
repeat_min_records = 2
false_commitment_codes = ["RT-N-005"]
false_commitment_bar_months = 36
decision_working_days = 15
typo = 1
[objection]
deadline_working_days = "十五"
[serious_list]
statement_working_days = 5
[publicity]
due_working_days = 7
"""
    with pytest.raises(RuleSetError) as info:
        CaseRules.from_toml_text(text, source="cases.toml")

    keys = [key for key, _ in info.value.problems]
    assert keys == ["repair.typo", "repair.repeat_window_months", "objection.deadline_working_days"]


def test_dates_read_the_chinese_way():
    assert date_zh(D(2026, 4, 1)) == "2026年4月1日"
