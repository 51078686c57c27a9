"""The explanation: every counted record with its rule and points, every cap and veto."""

from __future__ import annotations

from roadcredit.credit.grading import Fact, grade
from roadcredit.credit.tests.unit.builders import AS_OF, ENTERPRISE_RULES, D, fact, xinda


def test_it_lists_every_counted_record_with_its_rule_and_points():
    counted = [
        fact("RT-N-008", occurred=D(2025, 8, 2), record_id="CR-2025-000812"),
        fact("RT-N-020", occurred=D(2025, 9, 14), record_id="CR-2025-000977"),
        fact("RT-P-002", occurred=D(2026, 1, 6), record_id="CR-2026-000031"),
    ]
    not_counted = [
        fact("RT-N-012", status="withdrawn", record_id="CR-2026-000090"),
        fact("RT-N-012", occurred=D(2024, 1, 5), record_id="CR-2024-000003"),
    ]

    result = grade(xinda(), not_counted + counted, ENTERPRISE_RULES, AS_OF)

    assert [(c.record_id, c.rule_id, c.points, c.direction) for c in result.contributions] == [
        ("CR-2025-000812", "behaviours.RT-N-008", 5, "negative"),
        ("CR-2025-000977", "behaviours.RT-N-020", 1, "negative"),
        ("CR-2026-000031", "behaviours.RT-P-002", 3, "positive"),
    ]
    overload = result.contributions[0]
    assert overload.behaviour_name_zh == "超限超载运输"
    assert overload.note_zh.startswith("扣5分；计入不良行为记分")
    assert "《超限运输车辆行驶公路管理规定》" in overload.note_zh
    assert result.score == 100 - 5 - 1 + 3
    assert (
        sum(-c.points if c.direction == "negative" else c.points for c in result.contributions)
        == result.score - ENTERPRISE_RULES.base
    )


def test_it_lists_the_threshold_cap_and_veto_that_applied():
    facts = [
        fact("RT-N-012", 10, on_serious_list=True),
        fact("RT-P-001"),
        fact("RT-P-003"),
        fact("RT-P-004"),
    ]

    result = grade(xinda(), facts, ENTERPRISE_RULES, AS_OF)

    assert [(a.kind, a.rule_id) for a in result.adjustments] == [
        ("cap", "scoring.bonus_cap"),
        ("threshold", "thresholds.aa"),
        ("veto", "vetoes.serious-dishonesty-record"),
    ]
    assert result.grade == "D"
    assert all(a.note_zh for a in result.adjustments)


def test_a_record_outside_the_catalogue_counts_as_given_and_is_flagged():
    legacy = Fact(
        record_id="LEGACY-2025-17",
        behaviour_code="SD-OLD-045",
        points=4,
        direction="negative",
        severity="general",
        occurred_on=D(2025, 10, 8),
        decided_on=D(2025, 10, 20),
        status="active",
    )

    result = grade(xinda(), [legacy], ENTERPRISE_RULES, AS_OF)

    assert result.score == 96
    assert result.contributions[0].behaviour_name_zh == "（行为目录外）"
    flagged = next(a for a in result.adjustments if a.kind == "uncatalogued")
    assert flagged.record_id == "LEGACY-2025-17"


def test_without_explain_it_builds_no_explanation_but_the_same_grade():
    facts = [fact("RT-N-012", 10, on_serious_list=True), fact("RT-P-001")]

    full = grade(xinda(), facts, ENTERPRISE_RULES, AS_OF)
    bare = grade(xinda(), facts, ENTERPRISE_RULES, AS_OF, explain=False)

    assert (bare.contributions, bare.adjustments, bare.explained) == ((), (), False)
    assert (bare.grade, bare.score, bare.veto_ids, bare.input_fingerprint) == (
        full.grade,
        full.score,
        full.veto_ids,
        full.input_fingerprint,
    )
