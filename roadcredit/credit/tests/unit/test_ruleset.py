"""Rule sets and the behaviour catalogue as versioned, validated TOML data."""

from __future__ import annotations

import re

import pytest

from roadcredit.credit.grading import (
    RULES_DIR,
    BehaviourCatalogue,
    RuleSet,
    RuleSetError,
    bundled_ruleset_paths,
)
from roadcredit.credit.tests.unit.builders import DRIVER_RULES, ENTERPRISE_RULES

ENTERPRISE_TEXT = (RULES_DIR / "enterprise-jiangsu-2024.toml").read_text(encoding="utf-8")
CATALOGUE = BehaviourCatalogue.load(RULES_DIR / "behaviours.toml")


def problems(text: str, **kwargs) -> dict[str, str]:
    with pytest.raises(RuleSetError) as exc:
        RuleSet.from_toml_text(text, source="test.toml", **kwargs)
    assert exc.value.message.startswith("规则文件 test.toml 有误：")
    return dict(exc.value.problems)


def test_the_bundled_rule_sets_load():
    assert [path.name for path in bundled_ruleset_paths()] == [
        "driver-integrity-2026.toml",
        "enterprise-jiangsu-2024.toml",
    ]
    assert (ENTERPRISE_RULES.scheme, ENTERPRISE_RULES.base, ENTERPRISE_RULES.period_months) == (
        "enterprise",
        100,
        12,
    )
    assert ENTERPRISE_RULES.grade_order == ("AA", "A", "B", "C", "D")
    assert (DRIVER_RULES.scheme, DRIVER_RULES.ceiling) == ("driver", 20)
    assert DRIVER_RULES.grade_order == ("AAA", "AA", "A", "B")


@pytest.mark.parametrize(
    ("rules", "tiers"),
    [
        (
            ENTERPRISE_RULES,
            {
                "AA": "excellent",
                "A": "good",
                "B": "normal",
                "UNRATED": "normal",
                "C": "doubtful",
                "D": "doubtful",
            },
        ),
        (
            DRIVER_RULES,
            {
                "AAA": "excellent",
                "AA": "good",
                "A": "normal",
                "UNRATED": "normal",
                "B": "doubtful",
            },
        ),
    ],
)
def test_grades_map_to_the_service_tiers_of_issue_5(rules, tiers):
    assert {grade: rules.tier_for(grade) for grade in tiers} == tiers


def test_the_catalogue_is_a_realistic_road_transport_catalogue():
    behaviours = CATALOGUE.behaviours
    assert len(behaviours) >= 25
    names = {b.name_zh for b in behaviours.values()}
    for expected in (
        "超限超载运输",
        "未随车携带道路运输证",
        "服务质量投诉（查实）",
        "信用承诺不实（承诺失信）",
    ):
        assert expected in names
    assert {b.severity for b in behaviours.values() if b.direction == "negative"} == {
        "minor",
        "general",
        "serious",
    }
    assert all(
        b.legal_basis and re.search(r"[\u4e00-\u9fff]", b.name_zh) for b in behaviours.values()
    )
    assert any(b.direction == "positive" for b in behaviours.values())
    assert ENTERPRISE_RULES.default_points("RT-N-008") == 5
    assert ENTERPRISE_RULES.default_points("RT-N-404") is None
    assert DRIVER_RULES.default_points("RT-N-013") is None  # enterprise-only behaviour
    assert "RT-N-013" not in {b.code for b in CATALOGUE.for_scheme("driver")}


def test_the_digest_ignores_comments_and_layout_but_not_meaning():
    reformatted = "# reviewed 2026-05\n" + ENTERPRISE_TEXT.replace(" = ", "  =  ")
    assert RuleSet.from_toml_text(reformatted).digest == ENTERPRISE_RULES.digest

    changed = ENTERPRISE_TEXT.replace("bonus_cap = 10", "bonus_cap = 8")
    assert RuleSet.from_toml_text(changed).digest != ENTERPRISE_RULES.digest
    assert re.fullmatch(r"[0-9a-f]{64}", ENTERPRISE_RULES.digest)


def test_the_digest_covers_the_catalogue():
    text = (RULES_DIR / "behaviours.toml").read_text(encoding="utf-8")
    edited = BehaviourCatalogue.from_toml_text(
        text.replace("enterprise = 5, driver = 5 }", "enterprise = 6, driver = 5 }", 1)
    )

    assert (
        RuleSet.from_toml_text(ENTERPRISE_TEXT, catalogue=edited).digest != ENTERPRISE_RULES.digest
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("min_score = 90", 'min_score = "90"', "thresholds[1].min_score", "应为整数"),
        ('mode = "count"', 'mode = "ignore"', "objection.mode", "应为 count / suspend 之一"),
        ("base = 100\n", "", "scoring.base", "缺少必填项"),
        ("bonus_cap = 10", "bonus_cap = -1", "scoring.bonus_cap", "不能小于 0"),
        ("bonus_cap = 10", "bonus_capp = 10", "scoring.bonus_capp", "未知的配置项"),
        (
            'grade = "AA"\nmin_score = 90',
            'grade = "AAA"\nmin_score = 90',
            "thresholds[1].grade",
            "应为 AA / A / B / C / D 之一",
        ),
        (
            "effective_from = 2024-01-01",
            'effective_from = "2024-01-01"',
            "meta.effective_from",
            "应为日期",
        ),
        (
            'kind = "rolling"',
            'kind = "anniversary"',
            "period.kind",
            "enterprise 评价体系应为 rolling",
        ),
        (
            'codes = ["RT-N-002", "RT-N-003"]',
            'codes = ["RT-N-002", "RT-N-999"]',
            "vetoes.rules[2].codes",
            "行为代码 RT-N-999 不在行为目录中",
        ),
        (
            'codes = ["RT-N-002", "RT-N-003"]',
            'codes = ["RT-P-001"]',
            "vetoes.rules[2].codes",
            "不是负面行为",
        ),
        (
            'D = "doubtful"\nUNRATED',
            'D = "bad"\nUNRATED',
            "tiers.D",
            "应为 excellent / good / normal / doubtful 之一",
        ),
        ('UNRATED = "normal"', "", "tiers.UNRATED", "缺少必填项"),
        (
            'version = "2026.1" }',
            'version = "2025.9" }',
            "meta.catalogue.version",
            "规则集要求 2025.9",
        ),
        (
            'file = "behaviours.toml"',
            'file = "missing.toml"',
            "meta.catalogue.file",
            "找不到行为目录文件",
        ),
        (
            'file = "behaviours.toml"',
            'file = "../behaviours.toml"',
            "meta.catalogue.file",
            "同一目录",
        ),
        (
            'kind = "serious_list"',
            'kind = "open_period_ceiling"',
            "vetoes.rules[1].kind",
            "仅适用于驾驶员",
        ),
        ('grades = ["AA"]', 'grades = ["AAA"]', "lists.red.grades", "不在 grades.order 中"),
        (
            "apply_to_unrated = true",
            'apply_to_unrated = "yes"',
            "vetoes.apply_to_unrated",
            "true 或 false",
        ),
        (
            "effective_from = 2024-01-01",
            "effective_from = 2024-01-01T08:00:00",
            "meta.effective_from",
            "应为日期",
        ),
        (
            'order = ["AA", "A", "B", "C", "D"]',
            'order = ["AA", "A", "A", "C", "D"]',
            "grades.order",
            "重复",
        ),
        (
            'order = ["AA", "A", "B", "C", "D"]',
            'order = "AA A B C D"',
            "grades.order",
            "应为文本列表",
        ),
        ('title_zh = "道路运输经营者', 'title_zh = "" #', "meta.title_zh", "应为非空文本"),
        ('id = "aa"\n', 'id = "a"\n', "thresholds[2].id", "重复"),
        (
            "min_score = 40\nmax_bad_conduct = 19",
            "min_score = 40\nmin_bad_conduct = 30\nmax_bad_conduct = 19",
            "thresholds[4].min_bad_conduct",
            "不能大于",
        ),
        (
            'kind = "grading-ruleset"',
            'kind = "behaviour-catalogue"',
            "meta.kind",
            "应为 grading-ruleset",
        ),
        (
            'min_serious_records = 2\nbehaviour_codes = ["RT-N-001", "RT-N-006"]\non_serious_list = true',
            "",
            "lists.serious",
            "至少设置一个列入条件",
        ),
    ],
)
def test_it_names_the_key_of_every_problem(old, new, key, message):
    assert old in ENTERPRISE_TEXT
    found = problems(ENTERPRISE_TEXT.replace(old, new, 1))

    assert key in found, found
    assert message in found[key]


def test_it_reports_all_problems_at_once():
    broken = ENTERPRISE_TEXT.replace("base = 100", "base = 0").replace("floor = 0", "floor = -5")

    assert {"scoring.base", "scoring.floor"} <= problems(broken).keys()


def test_the_last_threshold_must_catch_every_score():
    text = ENTERPRISE_TEXT.replace('id = "d"\ngrade = "D"', 'id = "d"\ngrade = "D"\nmax_score = 39')

    assert "最后一档" in problems(text)["thresholds[7]"]


def test_it_rejects_text_that_is_not_toml():
    assert "<toml>" in problems("[meta\nid = 1")


def test_a_catalogue_with_a_duplicate_code_is_rejected():
    text = (RULES_DIR / "behaviours.toml").read_text(encoding="utf-8")
    duplicate = text.replace('code = "RT-N-002"', 'code = "RT-N-001"')

    with pytest.raises(RuleSetError) as exc:
        BehaviourCatalogue.from_toml_text(duplicate)
    assert "行为代码 RT-N-001 重复" in dict(exc.value.problems)["behaviours[2].code"]


def test_a_positive_behaviour_has_no_severity():
    text = (RULES_DIR / "behaviours.toml").read_text(encoding="utf-8")
    bad = text.replace(
        'direction = "positive"\n', 'direction = "positive"\nseverity = "minor"\n', 1
    )

    with pytest.raises(RuleSetError, match="正面行为不设严重程度"):
        BehaviourCatalogue.from_toml_text(bad)


def test_a_driver_rule_set_cannot_set_a_minimum_history():
    text = (RULES_DIR / "driver-integrity-2026.toml").read_text(encoding="utf-8")
    bad = text.replace("months = 12\n", "months = 12\nminimum_history_months = 12\n", 1)

    assert "period.minimum_history_months" in problems(bad)


def test_a_section_of_the_wrong_type_is_named():
    text = ENTERPRISE_TEXT.replace("[period]\n", "[spare]\n").replace(
        "[[thresholds]]", "[[spare2]]"
    )
    found = problems("period = 12\nthresholds = 3\n" + text)

    assert found["period"] == "应为表（table）"
    assert found["thresholds"] == "应为表数组（[[…]]）"
