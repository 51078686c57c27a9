"""The engine's ``grade_from_summary`` as SQL expressions, built from a ``RuleSet``.

The batch regrade computes, per subject and in one statement, the summary of its counted
records (``grading_batch._aggregates``, mirroring ``summary_vector``) and then — with the
expressions built here — its score, grade and tier, and compares them with the current snapshot,
so that only subjects whose grade changed come back to Python. The arithmetic is exactly
``engine.grade_from_summary`` (docs/decisions/007):

* score: enterprise ``max(floor, base − negative + min(positive, bonus_cap))``; driver
  ``min(ceiling, max(0, negative − min(positive, bonus_cap)))``;
* grade: the first threshold row whose bounds hold (``UNRATED`` when not rated);
* vetoes: a veto never improves a grade, so the final grade is the worst (highest rank) of the
  banded grade and the grades of the matching vetoes; when not rated, the worst matching veto
  grade if vetoes apply to unrated subjects, else ``UNRATED``;
* subject flags are not used (no subject has any: ``grading.subject_flags``), so a
  ``subject_flag`` veto never matches here — the property test would catch a change.

A hypothesis test checks on random data that these grades equal ``grade()``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadcredit.credit.grading import UNRATED, RuleSet

__all__ = ["DecisionSql", "decision_sql"]

SUMMARY_FIELDS = (
    "counted",
    "negative_count",
    "negative_points",
    "positive_count",
    "positive_points",
    "bad_conduct_points",
    "serious_count",
    "serious_list_count",
    "max_negative_points",
)


@dataclass(frozen=True)
class DecisionSql:
    score: str  # NULL when not rated
    grade: str
    tier: str


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def decision_sql(
    ruleset: RuleSet,
    main: str,
    *,
    rated: str,
    running: str | None = None,
    has_running: str = "FALSE",
    postgres: bool = True,
) -> DecisionSql:
    """Expressions over the summary columns ``{main}negative_points`` … (``{main}code_hits_0``
    …), the running cycle's ``{running}…`` (drivers) and the boolean expression ``rated``."""
    greatest, least = ("GREATEST", "LEAST") if postgres else ("MAX", "MIN")

    def score_of(prefix: str) -> str:
        added = f"{least}({prefix}positive_points, {ruleset.bonus_cap})"
        if ruleset.scheme == "enterprise":
            return (
                f"{greatest}({ruleset.floor}, {ruleset.base} - {prefix}negative_points + {added})"
            )
        return f"{least}({ruleset.ceiling}, {greatest}(0, {prefix}negative_points - {added}))"

    score = score_of(main)
    bad = f"{main}bad_conduct_points"
    rank = {grade: index for index, grade in enumerate(ruleset.grade_order)}
    whens = []
    for band in ruleset.bands:
        bounds = []
        if band.min_score is not None:
            bounds.append(f"{score} >= {band.min_score}")
        if band.max_score is not None:
            bounds.append(f"{score} <= {band.max_score}")
        if band.min_bad_conduct is not None:
            bounds.append(f"{bad} >= {band.min_bad_conduct}")
        if band.max_bad_conduct is not None:
            bounds.append(f"{bad} <= {band.max_bad_conduct}")
        condition = " AND ".join(bounds) or "1 = 1"
        whens.append(f"WHEN {condition} THEN {rank[band.grade]}")
    banded = f"CASE {' '.join(whens)} END"
    terms = [f"CASE WHEN {rated} THEN {banded} ELSE -1 END"]
    veto_gate = "1 = 1" if ruleset.vetoes_apply_to_unrated else rated
    for veto in ruleset.vetoes:
        veto_condition = _veto_condition(veto, ruleset, main, running, has_running, score_of)
        if veto_condition is None:
            continue
        terms.append(
            f"CASE WHEN ({veto_gate}) AND ({veto_condition}) THEN {rank[veto.grade]} ELSE -1 END"
        )
    final_rank = terms[0] if len(terms) == 1 else f"{greatest}({', '.join(terms)})"
    grade_cases = " ".join(f"WHEN {r} THEN {_quote(g)}" for g, r in rank.items())
    grade = f"CASE {final_rank} {grade_cases} ELSE {_quote(UNRATED)} END"
    tier_cases = " ".join(f"WHEN {r} THEN {_quote(ruleset.tier_for(g))}" for g, r in rank.items())
    tier = f"CASE {final_rank} {tier_cases} ELSE {_quote(ruleset.tier_for(UNRATED))} END"
    return DecisionSql(score=f"CASE WHEN {rated} THEN {score} END", grade=grade, tier=tier)


def _veto_condition(
    veto: object,
    ruleset: RuleSet,
    main: str,
    running: str | None,
    has_running: str,
    score_of: object,
) -> str | None:
    from roadcredit.credit.grading.ruleset import VetoRule

    assert isinstance(veto, VetoRule)
    kind = veto.kind
    if kind == "serious_list":
        return f"{main}serious_list_count > 0"
    if kind == "record_points":
        return f"{main}max_negative_points >= {veto.min_points}"
    if kind == "behaviour":
        return f"{main}code_hits_{veto.code_group} > 0"
    if kind == "serious_count":
        return f"{main}serious_count >= {veto.min_count}"
    if kind == "subject_flag":
        return None
    # open_period_ceiling (drivers): the running cycle's points already reach the ceiling
    if running is None or ruleset.ceiling is None:
        return None
    assert callable(score_of)
    return f"({has_running}) AND {score_of(running)} >= {ruleset.ceiling}"
