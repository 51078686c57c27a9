"""The subject-facing explanation: grades from the engine, texts from guidance.toml (no DB)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from roadcredit.credit.explain import (
    DEFAULT_GUIDANCE,
    Guidance,
    ListFlags,
    RecordFacts,
    RuleSetError,
    default_guidance,
    explain_grade,
)
from roadcredit.credit.grading import grade
from roadcredit.credit.tests.unit.builders import (
    AS_OF,
    DRIVER_RULES,
    ENTERPRISE_RULES,
    D,
    fact,
    xinda,
    zhang_wei,
)

GUIDANCE = default_guidance()
XINDA = "烟台鑫达物流有限公司"


XINDA_REGISTERED = D(2015, 3, 18)


def explain_enterprise(facts, *, anchor=XINDA_REGISTERED, **kwargs):
    result = grade(xinda(anchor), facts, ENTERPRISE_RULES, AS_OF)
    return explain_grade(
        result, ruleset=ENTERPRISE_RULES, guidance=GUIDANCE, subject_name=XINDA, **kwargs
    )


def explain_driver(facts, **kwargs):
    result = grade(zhang_wei(), facts, DRIVER_RULES, AS_OF)
    return explain_grade(
        result, ruleset=DRIVER_RULES, guidance=GUIDANCE, subject_name="张伟", **kwargs
    )


def test_a_clean_enterprise_is_told_its_aa_grade_and_the_benefits_it_enjoys():
    explanation = explain_enterprise([])

    assert explanation.headline_zh == (
        "烟台鑫达物流有限公司当前信用等级为AA级（优良），服务分级为“信用优秀”"
    )
    assert explanation.computation_zh[0] == (
        "评价期2025年7月1日至2026年6月30日：基础分100分，扣减0分，加分0分，得分100分（其中不良行为记分0分）。"
    )
    assert "可适用告知承诺制，以书面承诺替代部分证明材料" in explanation.benefits_now_zh
    assert "主要申请材料齐全、次要材料欠缺的，可申请容缺受理" in explanation.benefits_now_zh
    assert explanation.measures_now_zh == ()
    assert "评价期内没有失信记录，请继续保持守法诚信经营。" in explanation.improve_zh
    assert "获得见义勇为、安全生产先进等表彰或认定的，可按规定加分（每个评价期最多加10分）。" in (
        explanation.improve_zh
    )


def test_each_deduction_is_listed_with_when_it_leaves_the_period_and_when_it_can_be_repaired():
    overload = fact("RT-N-008", occurred=D(2026, 1, 5), decided=D(2026, 1, 12), record_id="R-1")
    facts = {
        "R-1": RecordFacts(
            record_id="R-1",
            status="active",
            severity="general",
            decided_on=D(2026, 1, 12),
            earliest_repair_on=D(2026, 4, 12),
            takedown_on=D(2027, 1, 12),
        )
    }

    explanation = explain_enterprise([overload], records=facts)

    assert explanation.grade == "AA"  # 95 points
    assert [line.text_zh for line in explanation.records] == ["2026年1月5日　超限超载运输：扣5分"]
    assert "依据：《超限运输车辆行驶公路管理规定》" in explanation.records[0].detail_zh
    assert explanation.improve_zh[:4] == (
        "“超限超载运输”（2026年1月5日）自2027年1月5日起不再计入评价期。",
        "“超限超载运输”已满最短公示期，纠正失信行为、履行相关义务并签署信用承诺后，可申请信用修复。",
        "“超限超载运输”公示期至2027年1月12日届满，届满后自动停止公示。",
        "如认为信用记录有误，可提出异议申请；异议处理期间，该记录标注为“异议处理中”。",
    )


def test_a_record_not_yet_repairable_names_the_first_day_of_repair():
    accident = fact("RT-N-004", occurred=D(2026, 3, 2), decided=D(2026, 4, 15), record_id="R-2")
    facts = {
        "R-2": RecordFacts(
            "R-2", "active", "serious", D(2026, 4, 15), D(2027, 4, 15), D(2029, 4, 15)
        )
    }

    explanation = explain_enterprise([accident], records=facts)

    assert "“发生负同等及以上责任的重大及以上道路交通事故”自2027年4月15日起可申请信用修复。" in (
        explanation.improve_zh
    )


def test_a_serious_dishonesty_veto_gives_d_the_measures_and_how_it_lifts():
    unlicensed = fact("RT-N-001", occurred=D(2026, 2, 1), on_serious_list=True)

    explanation = explain_enterprise([unlicensed])

    assert explanation.grade == "D"
    assert explanation.tier == "doubtful"
    assert explanation.benefits_now_zh == ()
    assert explanation.measures_now_zh == GUIDANCE.doubtful_measures
    assert "评价期内有列入严重失信主体名单的有效记录，直接评为D级" in explanation.computation_zh
    assert explanation.improve_zh[0] == (
        "评价期内有列入严重失信主体名单的有效记录，直接评为D级；相关记录经信用修复或移出评价期后，不再影响等级。"
    )
    assert set(GUIDANCE.serious_list_measures) <= set(explanation.dishonesty_measures_zh)


def test_a_young_enterprise_is_not_yet_rated_and_told_when_it_will_be():
    explanation = explain_enterprise([], anchor=D(2026, 1, 8))

    assert not explanation.rated
    assert explanation.score is None
    assert explanation.headline_zh == "烟台鑫达物流有限公司尚未评级，按“信用一般”对待"
    assert explanation.improve_zh[0] == (
        "自登记或首次取得许可满12个月后参加信用评价；此前按“信用一般”对待。"
    )
    assert explanation.benefits_now_zh == GUIDANCE.tier("normal").benefits


def test_a_driver_sees_demerit_points_the_running_cycle_and_continuing_education():
    accident = fact("RT-N-004", occurred=D(2025, 9, 5), scheme="driver")
    overload = fact("RT-N-009", occurred=D(2026, 6, 1), scheme="driver")

    explanation = explain_driver([accident, overload])

    assert explanation.grade == "B"
    assert explanation.computation_zh[0] == (
        "考核周期2025年5月20日至2026年5月19日：累计记分20分（一个周期记满20分即为不合格）。"
    )
    assert [line.text_zh for line in explanation.records] == [
        "2025年9月5日　发生负同等及以上责任的重大及以上道路交通事故：记20分",
        "2026年6月1日　客车超员百分之二十以上：记10分（当前考核周期）",
    ]
    assert (
        "当前考核周期2026年5月20日至2027年5月19日已记10分；周期结束后按该周期记分重新评定等级，记分不转入下一周期。"
        in explanation.improve_zh
    )
    assert "诚信考核不合格的驾驶员，应按规定参加继续教育（约18学时）后再从事道路运输经营。" in (
        explanation.improve_zh
    )
    assert not any("加分" in line for line in explanation.improve_zh)  # driver bonus cap is 0


def test_a_record_under_objection_is_marked_as_such():
    disputed = fact("RT-N-016", occurred=D(2026, 2, 3), status="under_objection", record_id="R-3")
    facts = {"R-3": RecordFacts("R-3", "under_objection", "general", D(2026, 2, 10), None, None)}

    explanation = explain_enterprise([disputed], records=facts)

    assert explanation.records[0].under_objection
    assert explanation.records[0].text_zh.endswith("（异议处理中）")


def test_on_the_serious_list_every_benefit_is_withdrawn_and_joint_punishment_applies():
    explanation = explain_enterprise([], lists=ListFlags(serious_list=True))

    assert explanation.benefits_now_zh == ()
    assert explanation.measures_now_zh == GUIDANCE.serious_list_measures
    assert explanation.on_serious_list


def test_on_the_red_list_the_red_list_benefits_are_added():
    explanation = explain_enterprise([], lists=ListFlags(red_list=True))

    assert set(GUIDANCE.red_list_benefits) <= set(explanation.benefits_now_zh)
    assert explanation.on_red_list


def test_it_refuses_a_grade_from_another_rule_set_or_without_explanation():
    result = grade(xinda(), [], ENTERPRISE_RULES, AS_OF)
    with pytest.raises(ValueError, match="another rule set"):
        explain_grade(result, ruleset=DRIVER_RULES, guidance=GUIDANCE, subject_name=XINDA)

    bare = grade(xinda(), [], ENTERPRISE_RULES, AS_OF, explain=False)
    with pytest.raises(ValueError, match="explain=True"):
        explain_grade(bare, ruleset=ENTERPRISE_RULES, guidance=GUIDANCE, subject_name=XINDA)


def test_every_tier_of_both_rule_sets_has_guidance():
    for ruleset in (ENTERPRISE_RULES, DRIVER_RULES):
        for tier in ruleset.tiers.values():
            assert GUIDANCE.tier(tier).name_zh


GUIDANCE_TEXT = DEFAULT_GUIDANCE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'leaves_period = "“{behaviour}”（{occurred}）',
            'leaves_period = "“{behavior}”（{occurred}）',
            "improve.leaves_period",
            "未知的占位符 behavior",
        ),
        (
            'repair_open = "“{behaviour}”',
            'repair_open = "“{behaviour”',
            "improve.repair_open",
            "花括号不成对",
        ),
        ("[tiers.good]", "[tiers.fine]", "tiers.fine", "未知的配置项"),
        ('kind = "credit-guidance"', 'kind = "guidance"', "meta.kind", "应为 credit-guidance"),
    ],
)
def test_it_names_the_bad_key_of_a_broken_guidance_file(old, new, key, message):
    assert old in GUIDANCE_TEXT
    with pytest.raises(RuleSetError) as info:
        Guidance.from_toml_text(GUIDANCE_TEXT.replace(old, new), source="guidance.toml")

    assert any(k == key and message in m for k, m in info.value.problems), info.value.problems


CREDIT = Path(__file__).resolve().parents[2]
PURE = [CREDIT / "explain.py", CREDIT / "conditions.py"]


def test_the_explanation_and_the_case_rules_are_pure_python():
    for path in PURE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
    script = (
        "import sys, roadcredit.credit.explain, roadcredit.credit.conditions\n"
        "roadcredit.credit.explain.default_guidance()\n"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=CREDIT.parents[1],
    )
    assert out.stdout.strip() == "False"
