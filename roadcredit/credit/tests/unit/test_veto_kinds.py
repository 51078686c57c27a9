"""The veto kinds that the shipped rule sets do not use (rule sets are data: another province
may): a count of serious records, a subject flag; and vetoes switched off for unrated subjects."""

from __future__ import annotations

from roadcredit.credit.grading import RULES_DIR, UNRATED, RuleSet, grade
from roadcredit.credit.tests.unit.builders import AS_OF, D, fact, xinda

EXTRA_VETOES = """
[[vetoes.rules]]
id = "three-serious-records"
kind = "serious_count"
min_count = 3
grade = "D"
note_zh = "评价期内严重失信记录3条及以上，评为D级"

[[vetoes.rules]]
id = "false-commitment"
kind = "subject_flag"
flag = "past_false_commitment"
grade = "B"
note_zh = "曾有虚假承诺，等级不高于B级"
"""


def rules(*, apply_to_unrated: bool = True) -> RuleSet:
    text = (RULES_DIR / "enterprise-jiangsu-2024.toml").read_text(encoding="utf-8")
    text = text.replace("[lists]\n", EXTRA_VETOES + "\n[lists]\n").replace(
        "apply_to_unrated = true", f"apply_to_unrated = {str(apply_to_unrated).lower()}"
    )
    return RuleSet.from_toml_text(text)


def test_a_count_of_serious_records_can_veto():
    two = [fact("RT-N-004", 5), fact("RT-N-004", 5)]
    three = [*two, fact("RT-N-004", 5)]

    assert grade(xinda(), two, rules(), AS_OF).grade == "AA"
    result = grade(xinda(), three, rules(), AS_OF)
    assert (result.score, result.grade, result.veto_ids) == (85, "D", ("three-serious-records",))


def test_a_subject_flag_can_veto():
    flagged = xinda(flags=frozenset({"past_false_commitment"}))

    result = grade(flagged, [], rules(), AS_OF)

    assert (result.score, result.grade, result.veto_ids) == (100, "B", ("false-commitment",))
    assert grade(xinda(), [], rules(), AS_OF).grade == "AA"


def test_vetoes_can_be_kept_away_from_unrated_subjects():
    young = xinda(anchor=D(2026, 1, 5), flags=frozenset({"past_false_commitment"}))

    assert grade(young, [], rules(apply_to_unrated=False), AS_OF).grade == UNRATED
    assert grade(young, [], rules(), AS_OF).grade == "B"


def test_a_suspended_objection_outside_the_period_is_not_mentioned():
    suspend = RuleSet.from_toml_text(
        (RULES_DIR / "enterprise-jiangsu-2024.toml")
        .read_text(encoding="utf-8")
        .replace('mode = "count"', 'mode = "suspend"')
    )
    old = fact("RT-N-012", occurred=D(2024, 3, 1), status="under_objection")
    undecided = fact("RT-N-012", decided=None, status="under_objection")

    result = grade(xinda(), [old, undecided], suspend, AS_OF)

    assert [a.kind for a in result.adjustments] == ["threshold"]
