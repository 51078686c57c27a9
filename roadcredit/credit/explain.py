"""The subject-facing explanation of a grade, in Chinese (pure Python, no Django).

    guidance = default_guidance()
    explanation = explain_grade(result, ruleset=ruleset, guidance=guidance, subject_name="…")

Turns the engine's ``GradeResult`` (with ``explain=True``) into plain sentences: what the grade
is and how it was computed, which records counted, how to improve it, which benefits apply now
(the service tier of the grade, from ``rules/guidance.toml``) and which measures apply to
dishonesty. The texts and their placeholders are data in ``rules/guidance.toml``; a placeholder
this module does not fill is an error when the file is loaded, not a blank at run time.
"""

from __future__ import annotations

import datetime
import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadcredit.credit.conditions import date_zh
from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.model import TIERS, GradeResult
from roadcredit.credit.grading.ruleset import RULES_DIR, RuleSet
from roadcredit.credit.grading.tomldata import RuleSetError, TomlReader, parse_toml

__all__ = [
    "DEFAULT_GUIDANCE",
    "GUIDANCE_KIND",
    "Guidance",
    "ListFlags",
    "RecordFacts",
    "RecordLine",
    "RuleSetError",
    "SubjectExplanation",
    "TierGuidance",
    "default_guidance",
    "explain_grade",
]

GUIDANCE_KIND = "credit-guidance"
DEFAULT_GUIDANCE = RULES_DIR / "guidance.toml"

# Every text template and the placeholders explain_grade fills in for it.
_EXPLAIN_FIELDS: dict[str, frozenset[str]] = {
    "headline_rated": frozenset({"subject", "grade", "grade_name", "tier_name"}),
    "headline_unrated": frozenset({"subject", "tier_name"}),
    "score_enterprise": frozenset(
        {"start", "end", "base", "deducted", "added", "score", "bad_conduct"}
    ),
    "score_driver": frozenset({"start", "end", "score", "ceiling"}),
    "record_negative": frozenset({"occurred", "behaviour", "points", "code"}),
    "record_demerit": frozenset({"occurred", "behaviour", "points", "code"}),
    "record_positive": frozenset({"occurred", "behaviour", "points", "code"}),
    "record_open": frozenset({"occurred", "behaviour", "points", "code"}),
    "record_under_objection": frozenset(),
}
_IMPROVE_FIELDS: dict[str, frozenset[str]] = {
    "unrated_enterprise": frozenset({"months"}),
    "unrated_driver": frozenset(),
    "leaves_period": frozenset({"behaviour", "occurred", "leaves_on"}),
    "driver_cycle": frozenset({"start", "end", "points"}),
    "repair_open": frozenset({"behaviour"}),
    "repair_from": frozenset({"behaviour", "repair_from"}),
    "takedown": frozenset({"behaviour", "takedown"}),
    "veto": frozenset({"note"}),
    "objection": frozenset(),
    "positive": frozenset({"bonus_cap"}),
    "clean": frozenset(),
    "doubtful_driver": frozenset(),
}
_IMPROVE_LISTS = ("enterprise", "driver")


# ---------------------------------------------------------------------------------------------
# The guidance file


@dataclass(frozen=True, slots=True)
class TierGuidance:
    tier: str
    name_zh: str
    summary_zh: str
    benefits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guidance:
    id: str
    version: str
    title_zh: str
    tiers: Mapping[str, TierGuidance]
    red_list_name_zh: str
    red_list_benefits: tuple[str, ...]
    doubtful_measures: tuple[str, ...]
    serious_list_name_zh: str
    serious_list_measures: tuple[str, ...]
    explain: Mapping[str, str]
    improve: Mapping[str, str]
    tips: Mapping[str, tuple[str, ...]]  # scheme -> general improvement tips

    @classmethod
    def load(cls, path: Path | str) -> Guidance:
        path = Path(path)
        return cls.from_toml_text(path.read_text(encoding="utf-8"), source=path.name)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "<text>") -> Guidance:
        return _parse(parse_toml(text, source), source)

    def tier(self, tier: str) -> TierGuidance:
        return self.tiers[tier]


@functools.cache
def default_guidance() -> Guidance:
    """The shipped guidance, parsed once per process."""
    return Guidance.load(DEFAULT_GUIDANCE)


def _optional_texts(
    r: TomlReader, table: Mapping[str, Any], path: str, key: str
) -> tuple[str, ...]:
    if table.get(key) == []:
        return ()
    return r.texts(table, path, key)


def _templates(
    r: TomlReader, table: Mapping[str, Any], path: str, fields: Mapping[str, frozenset[str]]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, allowed in fields.items():
        text = r.text(table, path, key)
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            r.fail(f"{path}.{key}", "花括号不成对")
            continue
        unknown = sorted(name for name in used if name not in allowed)
        if unknown:
            known = "、".join(sorted(allowed)) or "无"
            r.fail(f"{path}.{key}", f"未知的占位符 {'、'.join(unknown)}（可用：{known}）")
        out[key] = text
    return out


def _parse(data: Mapping[str, Any], source: str) -> Guidance:
    r = TomlReader(source)
    r.known(data, "", ("meta", "tiers", "red_list", "dishonesty", "explain", "improve"))
    meta = r.sub(data, "", "meta")
    r.known(meta, "meta", ("kind", "id", "version", "title_zh"))
    kind = r.text(meta, "meta", "kind")
    if kind and kind != GUIDANCE_KIND:
        r.fail("meta.kind", f"应为 {GUIDANCE_KIND}")

    tiers_table = r.sub(data, "", "tiers")
    r.known(tiers_table, "tiers", TIERS)
    tiers: dict[str, TierGuidance] = {}
    for tier in TIERS:
        path = f"tiers.{tier}"
        entry = r.sub(tiers_table, "tiers", tier)
        r.known(entry, path, ("name_zh", "summary_zh", "benefits"))
        tiers[tier] = TierGuidance(
            tier=tier,
            name_zh=r.text(entry, path, "name_zh"),
            summary_zh=r.text(entry, path, "summary_zh"),
            benefits=_optional_texts(r, entry, path, "benefits"),
        )

    red = r.sub(data, "", "red_list")
    r.known(red, "red_list", ("name_zh", "benefits"))
    dishonesty = r.sub(data, "", "dishonesty")
    r.known(
        dishonesty,
        "dishonesty",
        ("doubtful_measures", "serious_list_name_zh", "serious_list_measures"),
    )
    explain = r.sub(data, "", "explain")
    r.known(explain, "explain", _EXPLAIN_FIELDS)
    improve = r.sub(data, "", "improve")
    r.known(improve, "improve", (*_IMPROVE_FIELDS, *_IMPROVE_LISTS))

    guidance = Guidance(
        id=r.text(meta, "meta", "id"),
        version=r.text(meta, "meta", "version"),
        title_zh=r.text(meta, "meta", "title_zh"),
        tiers=tiers,
        red_list_name_zh=r.text(red, "red_list", "name_zh"),
        red_list_benefits=r.texts(red, "red_list", "benefits"),
        doubtful_measures=r.texts(dishonesty, "dishonesty", "doubtful_measures"),
        serious_list_name_zh=r.text(dishonesty, "dishonesty", "serious_list_name_zh"),
        serious_list_measures=r.texts(dishonesty, "dishonesty", "serious_list_measures"),
        explain=_templates(r, explain, "explain", _EXPLAIN_FIELDS),
        improve=_templates(r, improve, "improve", _IMPROVE_FIELDS),
        tips={scheme: r.texts(improve, "improve", scheme) for scheme in _IMPROVE_LISTS},
    )
    r.raise_if_failed()
    return guidance


# ---------------------------------------------------------------------------------------------
# The explanation


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What the data pool knows about a record beyond the engine's contribution."""

    record_id: str
    status: str
    severity: str | None
    decided_on: datetime.date | None
    earliest_repair_on: datetime.date | None
    takedown_on: datetime.date | None


@dataclass(frozen=True, slots=True)
class ListFlags:
    """The subject's current list entries (decided by an officer, not just derived)."""

    red_list: bool = False
    serious_list: bool = False


@dataclass(frozen=True, slots=True)
class RecordLine:
    record_id: str
    text_zh: str
    detail_zh: str
    direction: str
    points: int
    occurred_on: datetime.date
    period: str
    under_objection: bool


@dataclass(frozen=True, slots=True)
class SubjectExplanation:
    subject_name: str
    scheme: str
    as_of: datetime.date
    grade: str
    grade_name_zh: str
    rated: bool
    score: int | None
    tier: str
    tier_name_zh: str
    tier_summary_zh: str
    headline_zh: str
    computation_zh: tuple[str, ...]
    records: tuple[RecordLine, ...]
    improve_zh: tuple[str, ...]
    benefits_now_zh: tuple[str, ...]
    measures_now_zh: tuple[str, ...]
    dishonesty_measures_zh: tuple[str, ...]  # what dishonesty brings (whether or not it applies)
    on_red_list: bool
    on_serious_list: bool
    ruleset_id: str
    ruleset_version: str
    ruleset_title_zh: str
    guidance_version: str


def _fill(template: str, **values: object) -> str:
    return template.format_map({key: str(value) for key, value in values.items()})


def explain_grade(
    result: GradeResult,
    *,
    ruleset: RuleSet,
    guidance: Guidance,
    subject_name: str,
    records: Mapping[str, RecordFacts] | None = None,
    lists: ListFlags | None = None,
    today: datetime.date | None = None,
) -> SubjectExplanation:
    """The Chinese explanation of ``result`` (graded under ``ruleset``) for its subject.

    ``records``: facts about the counted records by record id (status, repair and takedown
    dates), for the improvement advice; ``today`` (default: the grade's as-of date) decides
    whether a record can be repaired now or from a later date.
    """
    if result.ruleset_digest != ruleset.digest:
        raise ValueError("the grade was computed under another rule set")
    if not result.explained:
        raise ValueError("the grade was computed without explain=True")
    records = records or {}
    lists = lists or ListFlags()
    today = today or result.as_of
    tier = guidance.tier(result.tier)
    explain = guidance.explain

    if result.rated:
        headline = _fill(
            explain["headline_rated"],
            subject=subject_name,
            grade=result.grade,
            grade_name=result.grade_name_zh,
            tier_name=tier.name_zh,
        )
    else:
        headline = _fill(explain["headline_unrated"], subject=subject_name, tier_name=tier.name_zh)

    computation: list[str] = []
    if result.rated and result.period_start and result.period_end and result.score is not None:
        if result.scheme == "enterprise":
            computation.append(
                _fill(
                    explain["score_enterprise"],
                    start=date_zh(result.period_start),
                    end=date_zh(result.period_end),
                    base=ruleset.base,
                    deducted=result.points_deducted,
                    added=result.points_added,
                    score=result.score,
                    bad_conduct=result.bad_conduct_points,
                )
            )
        else:
            computation.append(
                _fill(
                    explain["score_driver"],
                    start=date_zh(result.period_start),
                    end=date_zh(result.period_end),
                    score=result.score,
                    ceiling=ruleset.ceiling or 0,
                )
            )
    computation.extend(a.note_zh for a in result.adjustments if a.record_id is None)

    lines: list[RecordLine] = []
    for c in result.contributions:
        facts = records.get(c.record_id)
        under_objection = facts is not None and facts.status == "under_objection"
        if c.period == "open":
            key = "record_open"
        elif c.direction == "positive":
            key = "record_positive"
        else:
            key = "record_negative" if result.scheme == "enterprise" else "record_demerit"
        text = _fill(
            explain[key],
            occurred=date_zh(c.occurred_on),
            behaviour=c.behaviour_name_zh,
            points=c.points,
            code=c.behaviour_code,
        )
        if under_objection:
            text += explain["record_under_objection"]
        lines.append(
            RecordLine(
                record_id=c.record_id,
                text_zh=text,
                detail_zh=c.note_zh,
                direction=c.direction,
                points=c.points,
                occurred_on=c.occurred_on,
                period=c.period,
                under_objection=under_objection,
            )
        )

    measures_now: list[str] = []
    if result.tier == "doubtful":
        measures_now.extend(guidance.doubtful_measures)
    if lists.serious_list:
        measures_now.extend(guidance.serious_list_measures)
    benefits = list(tier.benefits)
    if lists.red_list and not lists.serious_list:
        benefits.extend(b for b in guidance.red_list_benefits if b not in benefits)
    if lists.serious_list:
        benefits = []

    return SubjectExplanation(
        subject_name=subject_name,
        scheme=result.scheme,
        as_of=result.as_of,
        grade=result.grade,
        grade_name_zh=result.grade_name_zh,
        rated=result.rated,
        score=result.score,
        tier=result.tier,
        tier_name_zh=tier.name_zh,
        tier_summary_zh=tier.summary_zh,
        headline_zh=headline,
        computation_zh=tuple(computation),
        records=tuple(lines),
        improve_zh=_improvements(result, ruleset, guidance, records, today),
        benefits_now_zh=tuple(benefits),
        measures_now_zh=tuple(measures_now),
        dishonesty_measures_zh=(*guidance.doubtful_measures, *guidance.serious_list_measures),
        on_red_list=lists.red_list,
        on_serious_list=lists.serious_list,
        ruleset_id=result.ruleset_id,
        ruleset_version=result.ruleset_version,
        ruleset_title_zh=ruleset.title_zh,
        guidance_version=guidance.version,
    )


def _improvements(
    result: GradeResult,
    ruleset: RuleSet,
    guidance: Guidance,
    records: Mapping[str, RecordFacts],
    today: datetime.date,
) -> tuple[str, ...]:
    improve = guidance.improve
    out: list[str] = []
    if not result.rated:
        if result.scheme == "enterprise":
            out.append(_fill(improve["unrated_enterprise"], months=ruleset.minimum_history_months))
        else:
            out.append(improve["unrated_driver"])
    vetoes = {f"vetoes.{veto.id}": veto.note_zh for veto in ruleset.vetoes}
    for adjustment in result.adjustments:
        if adjustment.kind == "veto":
            note = vetoes.get(adjustment.rule_id, adjustment.note_zh)
            out.append(_fill(improve["veto"], note=note))
    if result.scheme == "driver" and result.open_period_start and result.open_period_end:
        out.append(
            _fill(
                improve["driver_cycle"],
                start=date_zh(result.open_period_start),
                end=date_zh(result.open_period_end),
                points=result.open_period_points or 0,
            )
        )
    if result.scheme == "driver" and result.tier == "doubtful":
        out.append(improve["doubtful_driver"])

    negatives = [c for c in result.contributions if c.direction == "negative"]
    for c in negatives:
        name = c.behaviour_name_zh
        if result.scheme == "enterprise" and c.period == "evaluated":
            leaves_on = add_months(c.occurred_on, ruleset.period_months)
            out.append(
                _fill(
                    improve["leaves_period"],
                    behaviour=name,
                    occurred=date_zh(c.occurred_on),
                    leaves_on=date_zh(leaves_on),
                )
            )
        facts = records.get(c.record_id)
        if facts is None or facts.status != "active" or facts.earliest_repair_on is None:
            continue
        if facts.earliest_repair_on <= today:
            out.append(_fill(improve["repair_open"], behaviour=name))
        else:
            out.append(
                _fill(
                    improve["repair_from"],
                    behaviour=name,
                    repair_from=date_zh(facts.earliest_repair_on),
                )
            )
        if facts.takedown_on is not None and facts.takedown_on > today:
            out.append(
                _fill(improve["takedown"], behaviour=name, takedown=date_zh(facts.takedown_on))
            )
    if negatives:
        out.append(improve["objection"])
    elif result.rated:
        out.append(improve["clean"])
    if ruleset.bonus_cap > 0:
        out.append(_fill(improve["positive"], bonus_cap=ruleset.bonus_cap))
    out.extend(guidance.tips.get(result.scheme, ()))
    return tuple(dict.fromkeys(out))  # the same sentence once, in order
