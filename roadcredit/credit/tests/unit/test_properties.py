"""Property tests (hypothesis): bounds of the score, monotone grades, and the summary path
(what a set-based SQL regrade computes) agreeing with the row-by-row engine."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from roadcredit.credit.grading import (
    Behaviour,
    Fact,
    RuleSet,
    Subject,
    grade,
    grade_from_summary,
    summary_vector,
)
from roadcredit.credit.grading.model import Scheme
from roadcredit.credit.tests.unit.builders import DRIVER_RULES, ENTERPRISE_RULES, D

FIRST, LAST = D(2023, 1, 1), D(2026, 6, 30)
CODES: dict[Scheme, list[Behaviour]] = {
    rules.scheme: sorted(rules.catalogue.for_scheme(rules.scheme), key=lambda b: b.code)
    for rules in (ENTERPRISE_RULES, DRIVER_RULES)
}
STATUSES = ["active", "active", "active", "under_objection", "pending", "repaired", "expired"]


@st.composite
def facts(draw, scheme: Scheme = "enterprise"):
    behaviour = draw(st.sampled_from(CODES[scheme]))
    occurred = draw(st.dates(min_value=FIRST, max_value=LAST))
    decided = draw(
        st.one_of(
            st.none(),
            st.dates(min_value=occurred, max_value=occurred + datetime.timedelta(days=90)),
        )
    )
    return Fact(
        record_id=f"CR-{draw(st.integers(0, 10**9)):09d}",
        behaviour_code=behaviour.code,
        points=draw(st.integers(1, 40)),
        direction=behaviour.direction,
        severity=behaviour.severity or "minor",
        occurred_on=occurred,
        decided_on=decided,
        status=draw(st.sampled_from(STATUSES)),
        on_serious_list=draw(st.booleans()) and behaviour.severity == "serious",
    )


AS_OF = st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 12, 31))
ENTERPRISE = Subject("91370612MA3C4XKD2B", "enterprise", D(2015, 3, 18))
DRIVER = Subject("driver-370612198507151234", "driver", D(2019, 5, 20))


@given(st.lists(facts(), max_size=30), AS_OF)
def test_the_enterprise_score_stays_between_floor_and_base_plus_cap(records, as_of):
    result = grade(ENTERPRISE, records, ENTERPRISE_RULES, as_of, explain=False)

    assert result.score is not None
    assert (
        ENTERPRISE_RULES.floor <= result.score <= ENTERPRISE_RULES.base + ENTERPRISE_RULES.bonus_cap
    )
    assert 0 <= result.points_added <= ENTERPRISE_RULES.bonus_cap


@given(st.lists(facts("driver"), max_size=30), AS_OF)
def test_driver_points_never_exceed_the_ceiling(records, as_of):
    result = grade(DRIVER, records, DRIVER_RULES, as_of, explain=False)

    assert result.score is not None and 0 <= result.score <= 20
    assert result.open_period_points is not None and 0 <= result.open_period_points <= 20


def _rank(rules: RuleSet, code: str) -> int:
    return rules.grade_rank[code]


@settings(max_examples=150)
@given(
    st.lists(facts(), max_size=20),
    st.sampled_from([b for b in CODES["enterprise"] if b.direction == "negative"]),
    st.integers(1, 40),
    st.booleans(),
    AS_OF,
)
def test_an_extra_deduction_never_improves_an_enterprise_grade(
    records, behaviour, points, serious_list, as_of
):
    before = grade(ENTERPRISE, records, ENTERPRISE_RULES, as_of, explain=False)
    extra = Fact(
        record_id="CR-EXTRA",
        behaviour_code=behaviour.code,
        points=points,
        direction="negative",
        severity=behaviour.severity or "minor",
        occurred_on=as_of,
        decided_on=as_of,
        status="active",
        on_serious_list=serious_list,
    )
    after = grade(ENTERPRISE, [*records, extra], ENTERPRISE_RULES, as_of, explain=False)

    assert _rank(ENTERPRISE_RULES, after.grade) >= _rank(ENTERPRISE_RULES, before.grade)
    assert after.score is not None and before.score is not None and after.score <= before.score


@settings(max_examples=150)
@given(st.lists(facts("driver"), max_size=20), st.integers(1, 20), AS_OF)
def test_an_extra_driver_record_never_improves_the_driver_grade(records, points, as_of):
    before = grade(DRIVER, records, DRIVER_RULES, as_of, explain=False)
    extra_day = before.period_end or as_of
    extra = Fact("CR-EXTRA", "RT-N-010", points, "negative", "general", extra_day, as_of, "active")
    after = grade(DRIVER, [*records, extra], DRIVER_RULES, as_of, explain=False)

    assert _rank(DRIVER_RULES, after.grade) >= _rank(DRIVER_RULES, before.grade)


@given(st.lists(facts(), max_size=30), AS_OF)
def test_the_summary_path_gives_the_same_grade_as_the_engine(records, as_of):
    result = grade(ENTERPRISE, records, ENTERPRISE_RULES, as_of, explain=False)
    assert result.period_start is not None and result.period_end is not None
    summary = summary_vector(
        records, ENTERPRISE_RULES, start=result.period_start, end=result.period_end, as_of=as_of
    )

    decision = grade_from_summary(summary, ENTERPRISE_RULES, rated=True)

    assert (decision.grade, decision.score, decision.veto_ids) == (
        result.grade,
        result.score,
        result.veto_ids,
    )
    assert summary.negative_points == result.points_deducted


@given(st.lists(facts("driver"), max_size=30), AS_OF)
def test_the_summary_path_gives_the_same_driver_grade(records, as_of):
    result = grade(DRIVER, records, DRIVER_RULES, as_of, explain=False)
    assert result.period_start and result.period_end and result.open_period_start
    assert result.open_period_end

    def window(start, end):
        return summary_vector(records, DRIVER_RULES, start=start, end=end, as_of=as_of)

    decision = grade_from_summary(
        window(result.period_start, result.period_end),
        DRIVER_RULES,
        rated=True,
        open_summary=window(result.open_period_start, result.open_period_end),
    )

    assert (decision.grade, decision.score, decision.open_period_points) == (
        result.grade,
        result.score,
        result.open_period_points,
    )


@given(st.lists(facts(), max_size=15), AS_OF)
def test_explaining_changes_nothing_but_the_explanation(records, as_of):
    full = grade(ENTERPRISE, records, ENTERPRISE_RULES, as_of)
    bare = grade(ENTERPRISE, records, ENTERPRISE_RULES, as_of, explain=False)

    assert (full.grade, full.score, full.input_fingerprint) == (
        bare.grade,
        bare.score,
        bare.input_fingerprint,
    )
    negative = sum(c.points for c in full.contributions if c.direction == "negative")
    assert negative == full.points_deducted
