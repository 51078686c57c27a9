"""Rule sets as versioned data: loading and validating the TOML files (pure Python, no Django).

Two kinds of file live in ``roadcredit/credit/rules/``:

* ``behaviours.toml`` — the behaviour catalogue shared by both schemes (``[meta] kind =
  "behaviour-catalogue"``): code, Chinese name, direction, severity, default points per scheme,
  legal basis.
* one file per grading rule set (``[meta] kind = "grading-ruleset"``), e.g.
  ``enterprise-jiangsu-2024.toml`` and ``driver-integrity-2026.toml``. A rule set pins the
  catalogue it was written against (``[meta] catalogue = {file, id, version}``); loading fails if
  the catalogue on disk has another id or version.

Everything the engine needs on its hot path is precomputed here once (dicts and frozensets), so
grading a subject parses nothing. Validation collects every problem and raises one
``RuleSetError`` whose message names each offending key (``thresholds[2].min_score：应为整数``).
The messages are Chinese constants because a credit officer reads them and this module cannot
use gettext.

``RuleSet.digest`` is the SHA-256 of the canonical JSON of the parsed rule set and its catalogue
(sorted keys, UTF-8, dates as ISO strings), so whitespace and comment edits do not change it and
any change of meaning does. Grade snapshots store it.
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from roadcredit.credit.grading.model import (
    DIRECTIONS,
    SCHEMES,
    SEVERITIES,
    TIERS,
    UNRATED,
    UNRATED_NAME_ZH,
    Direction,
    Scheme,
    Severity,
    Status,
)
from roadcredit.credit.grading.tomldata import (
    RuleSetError,
    TomlReader,
    canonical_digest,
    parse_toml,
)

__all__ = [
    "DEFAULT_DRIVER_RULESET",
    "DEFAULT_ENTERPRISE_RULESET",
    "RULES_DIR",
    "VETO_KINDS",
    "Behaviour",
    "BehaviourCatalogue",
    "GradeBand",
    "RedListCriteria",
    "RuleSet",
    "RuleSetError",
    "SeriousListCriteria",
    "VetoRule",
    "bundled_ruleset_paths",
    "canonical_digest",
    "load_bundled",
]

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_ENTERPRISE_RULESET = "enterprise-jiangsu-2024.toml"
DEFAULT_DRIVER_RULESET = "driver-integrity-2026.toml"

CATALOGUE_KIND = "behaviour-catalogue"
RULESET_KIND = "grading-ruleset"

VetoKind = Literal[
    "serious_list",  # a counted negative record is on the serious-dishonesty list
    "record_points",  # a counted negative record has at least ``min_points`` points
    "behaviour",  # a counted negative record has one of ``codes``
    "serious_count",  # at least ``min_count`` counted serious negative records
    "subject_flag",  # the subject carries ``flag``
    "open_period_ceiling",  # driver: the running cycle already reached the ceiling
]
VETO_KINDS: tuple[str, ...] = (
    "serious_list",
    "record_points",
    "behaviour",
    "serious_count",
    "subject_flag",
    "open_period_ceiling",
)
ObjectionMode = Literal["count", "suspend"]
PeriodKind = Literal["rolling", "anniversary"]

_PERIOD_KIND_OF_SCHEME: dict[str, str] = {"enterprise": "rolling", "driver": "anniversary"}


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One catalogue entry. ``default_points`` per scheme; a scheme absent from it means the
    behaviour is not recorded under that scheme. ``severity`` is None for positive behaviours."""

    code: str
    name_zh: str
    direction: Direction
    severity: Severity | None
    default_points: Mapping[str, int]
    legal_basis: str

    def points_for(self, scheme: Scheme) -> int | None:
        return self.default_points.get(scheme)


@dataclass(frozen=True, slots=True)
class BehaviourCatalogue:
    id: str
    version: str
    title_zh: str
    behaviours: Mapping[str, Behaviour]
    canonical: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path | str) -> BehaviourCatalogue:
        path = Path(path)
        return cls.from_toml_text(path.read_text(encoding="utf-8"), source=path.name)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "<text>") -> BehaviourCatalogue:
        return _parse_catalogue(parse_toml(text, source), source)

    def get(self, code: str) -> Behaviour | None:
        return self.behaviours.get(code)

    def for_scheme(self, scheme: Scheme) -> tuple[Behaviour, ...]:
        """The behaviours recordable under ``scheme``, in catalogue order."""
        return tuple(b for b in self.behaviours.values() if scheme in b.default_points)


@dataclass(frozen=True, slots=True)
class GradeBand:
    """One row of the threshold table; bounds are inclusive and optional. The first band whose
    bounds all hold gives the grade."""

    id: str
    grade: str
    min_score: int | None
    max_score: int | None
    min_bad_conduct: int | None
    max_bad_conduct: int | None
    note_zh: str

    def matches(self, score: int, bad_conduct: int) -> bool:
        return (
            (self.min_score is None or score >= self.min_score)
            and (self.max_score is None or score <= self.max_score)
            and (self.min_bad_conduct is None or bad_conduct >= self.min_bad_conduct)
            and (self.max_bad_conduct is None or bad_conduct <= self.max_bad_conduct)
        )


@dataclass(frozen=True, slots=True)
class VetoRule:
    """When the condition holds, the grade is at most ``grade`` (never improved by a veto)."""

    id: str
    kind: VetoKind
    grade: str
    note_zh: str
    min_points: int | None = None
    min_count: int | None = None
    codes: frozenset[str] = frozenset()
    flag: str | None = None
    code_group: int | None = None  # index into RuleSet.code_groups for kind "behaviour"


@dataclass(frozen=True, slots=True)
class RedListCriteria:
    """Red list: rated in one of ``grades`` for ``consecutive_periods`` periods in a row, at
    most ``max_negative_records`` counted negative records in the last ``negative_free_months``
    months (None: the list window) and at least ``min_positive_records`` counted positive
    records in the list window.

    Both later parameters were added in the 2024.2 / 2026.2 editions; a stored rule-set text
    without them keeps the earlier criterion (0 positive records, the list window).
    """

    grades: frozenset[str]
    consecutive_periods: int
    max_negative_records: int
    note_zh: str
    min_positive_records: int = 0
    negative_free_months: int | None = None


@dataclass(frozen=True, slots=True)
class SeriousListCriteria:
    """Serious-dishonesty list: any criterion suffices, within the list window."""

    min_serious_records: int | None
    behaviour_codes: frozenset[str]
    on_serious_list: bool
    note_zh: str
    code_group: int | None  # index into RuleSet.code_groups when behaviour_codes is not empty


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: str
    scheme: Scheme
    title_zh: str
    effective_from: datetime.date
    legal_basis: str
    catalogue: BehaviourCatalogue
    period_kind: PeriodKind
    period_months: int
    minimum_history_months: int
    base: int  # enterprise: starting score; driver: 0
    floor: int  # enterprise: lowest score; driver: 0
    ceiling: int | None  # driver: most demerit points one cycle can hold
    bonus_cap: int
    bad_conduct_severities: frozenset[str]
    objection_mode: ObjectionMode
    grade_order: tuple[str, ...]  # best first
    grade_names_zh: Mapping[str, str]
    bands: tuple[GradeBand, ...]
    vetoes: tuple[VetoRule, ...]
    vetoes_apply_to_unrated: bool
    lists_window_months: int
    red_list: RedListCriteria | None
    serious_list: SeriousListCriteria | None
    tiers: Mapping[str, str]
    code_groups: tuple[frozenset[str], ...]
    counted_statuses: frozenset[Status]
    grade_rank: Mapping[str, int]  # grade -> position in grade_order (UNRATED absent)
    digest: str

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> RuleSet:
        """Load a rule-set file; its catalogue is read from the same directory."""
        path = Path(path)
        return cls.from_toml_text(
            path.read_text(encoding="utf-8"), base_dir=path.parent, source=path.name
        )

    @classmethod
    def from_toml_text(
        cls,
        text: str,
        *,
        catalogue: BehaviourCatalogue | None = None,
        base_dir: Path | None = None,
        source: str = "<text>",
    ) -> RuleSet:
        """Parse and validate rule-set TOML. ``catalogue``: use this catalogue instead of the
        file named in ``[meta] catalogue`` (which is read from ``base_dir``, default
        ``RULES_DIR``); its id and version must still match the pin."""
        data = parse_toml(text, source)
        return _parse_ruleset(data, source, catalogue, base_dir or RULES_DIR)

    # -- lookups -------------------------------------------------------------------------------

    def grade_name_zh(self, grade: str) -> str:
        if grade == UNRATED:
            return UNRATED_NAME_ZH
        return self.grade_names_zh[grade]

    def tier_for(self, grade: str) -> str:
        """Service tier (issue #5) for a grade code or ``UNRATED``."""
        return self.tiers[grade]

    def worse(self, first: str, second: str) -> str:
        """The worse of two grade codes of this rule set."""
        return first if self.grade_rank[first] >= self.grade_rank[second] else second

    def default_points(self, behaviour_code: str) -> int | None:
        """Catalogue default points of a behaviour under this scheme (for record entry)."""
        behaviour = self.catalogue.get(behaviour_code)
        return None if behaviour is None else behaviour.points_for(self.scheme)

    def band_for(self, score: int, bad_conduct: int) -> GradeBand:
        for band in self.bands:
            if band.matches(score, bad_conduct):
                return band
        raise AssertionError("validated rule sets end with a catch-all band")  # pragma: no cover


def bundled_ruleset_paths() -> tuple[Path, ...]:
    """The rule-set files shipped in ``RULES_DIR`` (files whose meta.kind is a rule set)."""
    paths = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            meta = tomllib.load(handle).get("meta", {})
        if isinstance(meta, dict) and meta.get("kind") == RULESET_KIND:
            paths.append(path)
    return tuple(paths)


@functools.cache
def load_bundled(filename: str) -> RuleSet:
    """A shipped rule set by file name, parsed once per process."""
    return RuleSet.load(RULES_DIR / filename)


# ---------------------------------------------------------------------------------------------
# Parsing


def _parse_catalogue(data: Mapping[str, Any], source: str) -> BehaviourCatalogue:
    r = TomlReader(source)
    r.known(data, "", ("meta", "behaviours"))
    meta = r.sub(data, "", "meta")
    r.known(meta, "meta", ("kind", "id", "version", "title_zh", "note"))
    kind = r.text(meta, "meta", "kind")
    if kind and kind != CATALOGUE_KIND:
        r.fail("meta.kind", f"应为 {CATALOGUE_KIND}")
    catalogue_id = r.text(meta, "meta", "id")
    version = r.text(meta, "meta", "version")
    title_zh = r.text(meta, "meta", "title_zh")
    behaviours: dict[str, Behaviour] = {}
    for index, entry in enumerate(r.tables(data, "", "behaviours"), start=1):
        path = f"behaviours[{index}]"
        r.known(
            entry,
            path,
            ("code", "name_zh", "direction", "severity", "default_points", "legal_basis", "note"),
        )
        code = r.text(entry, path, "code")
        direction = r.choice(entry, path, "direction", DIRECTIONS)
        severity = r.choice(entry, path, "severity", SEVERITIES, required=direction == "negative")
        if direction == "positive" and severity:
            r.fail(f"{path}.severity", "正面行为不设严重程度")
        points_table = r.sub(entry, path, "default_points")
        r.known(points_table, f"{path}.default_points", SCHEMES)
        points: dict[str, int] = {}
        for scheme in SCHEMES:
            value = r.integer(
                points_table, f"{path}.default_points", scheme, required=False, minimum=1
            )
            if value is not None:
                points[scheme] = value
        if not points and points_table:
            r.fail(f"{path}.default_points", "至少为一种评价体系设置分值")
        behaviour = Behaviour(
            code=code,
            name_zh=r.text(entry, path, "name_zh"),
            direction=cast(Direction, direction or "negative"),
            severity=cast(Severity, severity) if severity else None,
            default_points=points,
            legal_basis=r.text(entry, path, "legal_basis"),
        )
        if code in behaviours:
            r.fail(f"{path}.code", f"行为代码 {code} 重复")
        elif code:
            behaviours[code] = behaviour
    r.raise_if_failed()
    return BehaviourCatalogue(
        id=catalogue_id,
        version=version,
        title_zh=title_zh,
        behaviours=behaviours,
        canonical=data,
    )


_SCORE_BOUNDS = ("min_score", "max_score", "min_bad_conduct", "max_bad_conduct")


def _parse_ruleset(
    data: Mapping[str, Any],
    source: str,
    catalogue: BehaviourCatalogue | None,
    base_dir: Path,
) -> RuleSet:
    r = TomlReader(source)
    r.known(
        data,
        "",
        (
            "meta",
            "period",
            "scoring",
            "objection",
            "grades",
            "thresholds",
            "vetoes",
            "lists",
            "tiers",
        ),
    )

    # [meta]
    meta = r.sub(data, "", "meta")
    r.known(
        meta,
        "meta",
        (
            "kind",
            "id",
            "version",
            "scheme",
            "title_zh",
            "effective_from",
            "legal_basis",
            "catalogue",
            "note",
        ),
    )
    kind = r.text(meta, "meta", "kind")
    if kind and kind != RULESET_KIND:
        r.fail("meta.kind", f"应为 {RULESET_KIND}")
    ruleset_id = r.text(meta, "meta", "id")
    version = r.text(meta, "meta", "version")
    scheme = r.choice(meta, "meta", "scheme", SCHEMES)
    title_zh = r.text(meta, "meta", "title_zh")
    effective_from = r.day(meta, "meta", "effective_from")
    legal_basis = r.text(meta, "meta", "legal_basis")
    catalogue = _resolve_catalogue(r, meta, catalogue, base_dir)

    # [period]
    period = r.sub(data, "", "period")
    r.known(period, "period", ("kind", "months", "minimum_history_months", "note"))
    period_kind = r.choice(period, "period", "kind", ("rolling", "anniversary"))
    if scheme and period_kind and period_kind != _PERIOD_KIND_OF_SCHEME[scheme]:
        r.fail("period.kind", f"{scheme} 评价体系应为 {_PERIOD_KIND_OF_SCHEME[scheme]}")
    period_months = r.integer(period, "period", "months", minimum=1) or 12
    history = r.integer(period, "period", "minimum_history_months", required=False, minimum=0)
    if history is not None and period_kind == "anniversary":
        r.fail("period.minimum_history_months", "周年周期以一个完整周期为准，不设此项")
    minimum_history = period_months if history is None else history

    # [scoring]
    scoring = r.sub(data, "", "scoring")
    if scheme == "driver":
        r.known(scoring, "scoring", ("ceiling", "bonus_cap", "bad_conduct_severities", "note"))
        ceiling = r.integer(scoring, "scoring", "ceiling", minimum=1)
        base, floor = 0, 0
    else:
        r.known(
            scoring, "scoring", ("base", "floor", "bonus_cap", "bad_conduct_severities", "note")
        )
        base = r.integer(scoring, "scoring", "base", minimum=1) or 0
        floor = r.integer(scoring, "scoring", "floor", minimum=0) or 0
        if floor > base:
            r.fail("scoring.floor", "不能大于 base")
        ceiling = None
    bonus_cap = r.integer(scoring, "scoring", "bonus_cap", minimum=0) or 0
    bad_conduct = r.texts(scoring, "scoring", "bad_conduct_severities")
    for value in bad_conduct:
        if value not in SEVERITIES:
            r.fail("scoring.bad_conduct_severities", f"应为 {' / '.join(SEVERITIES)} 之一")

    # [objection]
    objection = r.sub(data, "", "objection")
    r.known(objection, "objection", ("mode", "note"))
    objection_mode = r.choice(objection, "objection", "mode", ("count", "suspend"))

    # [grades] and [[thresholds]]
    grades = r.sub(data, "", "grades")
    r.known(grades, "grades", ("order", "names_zh"))
    order = r.texts(grades, "grades", "order")
    if UNRATED in order:
        r.fail("grades.order", f"{UNRATED} 为保留代码")
    names = r.sub(grades, "grades", "names_zh")
    r.known(names, "grades.names_zh", order)
    grade_names = {grade: r.text(names, "grades.names_zh", grade) for grade in order}
    bands = _parse_bands(r, data, order)

    # [vetoes]
    code_groups: list[frozenset[str]] = []
    vetoes_table = r.sub(data, "", "vetoes", required=False)
    r.known(vetoes_table, "vetoes", ("apply_to_unrated", "rules"))
    apply_to_unrated = r.boolean(vetoes_table, "vetoes", "apply_to_unrated", default=True)
    vetoes = _parse_vetoes(r, vetoes_table, order, scheme, catalogue, code_groups)

    # [lists]
    lists = r.sub(data, "", "lists", required=False)
    r.known(lists, "lists", ("window_months", "red", "serious", "note"))
    lists_window = r.integer(lists, "lists", "window_months", required=False, minimum=1)
    red, serious = _parse_lists(r, lists, order, catalogue, code_groups)

    # [tiers]
    tiers_table = r.sub(data, "", "tiers")
    r.known(tiers_table, "tiers", (*order, UNRATED))
    tiers = {grade: r.choice(tiers_table, "tiers", grade, TIERS) for grade in (*order, UNRATED)}

    r.raise_if_failed()
    assert catalogue is not None  # _resolve_catalogue failed otherwise
    counted: set[Status] = {"active"}
    if objection_mode == "count":
        counted.add("under_objection")
    return RuleSet(
        id=ruleset_id,
        version=version,
        scheme=cast(Scheme, scheme),
        title_zh=title_zh,
        effective_from=effective_from,
        legal_basis=legal_basis,
        catalogue=catalogue,
        period_kind=cast(PeriodKind, period_kind),
        period_months=period_months,
        minimum_history_months=minimum_history,
        base=base,
        floor=floor,
        ceiling=ceiling,
        bonus_cap=bonus_cap,
        bad_conduct_severities=frozenset(bad_conduct),
        objection_mode=cast(ObjectionMode, objection_mode),
        grade_order=order,
        grade_names_zh=grade_names,
        bands=bands,
        vetoes=vetoes,
        vetoes_apply_to_unrated=apply_to_unrated,
        lists_window_months=lists_window or period_months,
        red_list=red,
        serious_list=serious,
        tiers=tiers,
        code_groups=tuple(code_groups),
        counted_statuses=frozenset(counted),
        grade_rank={grade: rank for rank, grade in enumerate(order)},
        digest=canonical_digest({"ruleset": data, "catalogue": catalogue.canonical}),
    )


def _resolve_catalogue(
    r: TomlReader,
    meta: Mapping[str, Any],
    catalogue: BehaviourCatalogue | None,
    base_dir: Path,
) -> BehaviourCatalogue | None:
    pin = r.sub(meta, "meta", "catalogue")
    r.known(pin, "meta.catalogue", ("file", "id", "version"))
    filename = r.text(pin, "meta.catalogue", "file")
    pinned_id = r.text(pin, "meta.catalogue", "id")
    pinned_version = r.text(pin, "meta.catalogue", "version")
    if catalogue is None and filename:
        path = base_dir / filename
        if Path(filename).name != filename:
            r.fail("meta.catalogue.file", "应为同一目录下的文件名")
        elif not path.is_file():
            r.fail("meta.catalogue.file", f"找不到行为目录文件 {filename}")
        else:
            try:
                catalogue = BehaviourCatalogue.load(path)
            except RuleSetError as exc:
                r.fail("meta.catalogue.file", exc.message)
    if catalogue is not None:
        if pinned_id and catalogue.id != pinned_id:
            r.fail("meta.catalogue.id", f"行为目录为 {catalogue.id}，与规则集要求的不一致")
        if pinned_version and catalogue.version != pinned_version:
            r.fail(
                "meta.catalogue.version",
                f"行为目录版本为 {catalogue.version}，规则集要求 {pinned_version}",
            )
    return catalogue


def _parse_bands(
    r: TomlReader, data: Mapping[str, Any], order: tuple[str, ...]
) -> tuple[GradeBand, ...]:
    bands: list[GradeBand] = []
    seen: set[str] = set()
    entries = r.tables(data, "", "thresholds")
    for index, entry in enumerate(entries, start=1):
        path = f"thresholds[{index}]"
        r.known(entry, path, ("id", "grade", "note_zh", *_SCORE_BOUNDS))
        band_id = r.text(entry, path, "id")
        if band_id in seen:
            r.fail(f"{path}.id", f"{band_id} 重复")
        seen.add(band_id)
        grade = r.choice(entry, path, "grade", order)
        bounds = {key: r.integer(entry, path, key, required=False) for key in _SCORE_BOUNDS}
        for low, high in (("min_score", "max_score"), ("min_bad_conduct", "max_bad_conduct")):
            low_value, high_value = bounds[low], bounds[high]
            if low_value is not None and high_value is not None and low_value > high_value:
                r.fail(f"{path}.{low}", f"不能大于 {high}")
        bands.append(
            GradeBand(
                id=band_id,
                grade=grade,
                min_score=bounds["min_score"],
                max_score=bounds["max_score"],
                min_bad_conduct=bounds["min_bad_conduct"],
                max_bad_conduct=bounds["max_bad_conduct"],
                note_zh=r.text(entry, path, "note_zh"),
            )
        )
    if bands and any(value is not None for value in _band_bounds(bands[-1])):
        r.fail(f"thresholds[{len(entries)}]", "最后一档不能设任何条件，保证每个分数都有等级")
    return tuple(bands)


def _band_bounds(band: GradeBand) -> tuple[int | None, ...]:
    return (band.min_score, band.max_score, band.min_bad_conduct, band.max_bad_conduct)


def _parse_vetoes(
    r: TomlReader,
    table: Mapping[str, Any],
    order: tuple[str, ...],
    scheme: str,
    catalogue: BehaviourCatalogue | None,
    code_groups: list[frozenset[str]],
) -> tuple[VetoRule, ...]:
    if "rules" not in table:
        return ()
    vetoes: list[VetoRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(r.tables(table, "vetoes", "rules"), start=1):
        path = f"vetoes.rules[{index}]"
        kind = r.choice(entry, path, "kind", VETO_KINDS)
        extra: tuple[str, ...] = {
            "record_points": ("min_points",),
            "behaviour": ("codes",),
            "serious_count": ("min_count",),
            "subject_flag": ("flag",),
        }.get(kind, ())
        r.known(entry, path, ("id", "kind", "grade", "note_zh", *extra))
        veto_id = r.text(entry, path, "id")
        if veto_id in seen:
            r.fail(f"{path}.id", f"{veto_id} 重复")
        seen.add(veto_id)
        grade = r.choice(entry, path, "grade", order)
        note_zh = r.text(entry, path, "note_zh")
        if kind == "open_period_ceiling" and scheme != "driver":
            r.fail(f"{path}.kind", "open_period_ceiling 仅适用于驾驶员周期评价")
        min_points = (
            r.integer(entry, path, "min_points", minimum=1) if kind == "record_points" else None
        )
        min_count = (
            r.integer(entry, path, "min_count", minimum=1) if kind == "serious_count" else None
        )
        flag = r.text(entry, path, "flag") if kind == "subject_flag" else None
        codes: frozenset[str] = frozenset()
        group: int | None = None
        if kind == "behaviour":
            codes = frozenset(r.texts(entry, path, "codes"))
            _check_codes(r, f"{path}.codes", codes, catalogue)
            group = len(code_groups)
            code_groups.append(codes)
        vetoes.append(
            VetoRule(
                id=veto_id,
                kind=cast(VetoKind, kind or "serious_list"),
                grade=grade,
                note_zh=note_zh,
                min_points=min_points,
                min_count=min_count,
                codes=codes,
                flag=flag,
                code_group=group,
            )
        )
    return tuple(vetoes)


def _check_codes(
    r: TomlReader, key: str, codes: Iterable[str], catalogue: BehaviourCatalogue | None
) -> None:
    if catalogue is None:
        return
    for code in sorted(codes):
        behaviour = catalogue.get(code)
        if behaviour is None:
            r.fail(key, f"行为代码 {code} 不在行为目录中")
        elif behaviour.direction != "negative":
            r.fail(key, f"行为代码 {code} 不是负面行为")


def _parse_lists(
    r: TomlReader,
    lists: Mapping[str, Any],
    order: tuple[str, ...],
    catalogue: BehaviourCatalogue | None,
    code_groups: list[frozenset[str]],
) -> tuple[RedListCriteria | None, SeriousListCriteria | None]:
    red: RedListCriteria | None = None
    serious: SeriousListCriteria | None = None
    red_table = r.sub(lists, "lists", "red", required=False)
    if red_table:
        path = "lists.red"
        r.known(
            red_table,
            path,
            (
                "grades",
                "consecutive_periods",
                "max_negative_records",
                "negative_free_months",
                "min_positive_records",
                "note_zh",
            ),
        )
        red_grades = r.texts(red_table, path, "grades")
        for grade in red_grades:
            if grade not in order:
                r.fail(f"{path}.grades", f"等级 {grade} 不在 grades.order 中")
        red = RedListCriteria(
            grades=frozenset(red_grades),
            consecutive_periods=r.integer(red_table, path, "consecutive_periods", minimum=1) or 1,
            max_negative_records=r.integer(red_table, path, "max_negative_records", minimum=0) or 0,
            note_zh=r.text(red_table, path, "note_zh"),
            # Absent (an edition before 2024.2 / 2026.2): no positive record needed, the
            # negative records are counted over the list window, as before.
            min_positive_records=(
                r.integer(red_table, path, "min_positive_records", required=False, minimum=0) or 0
            ),
            negative_free_months=r.integer(
                red_table, path, "negative_free_months", required=False, minimum=1
            ),
        )
    serious_table = r.sub(lists, "lists", "serious", required=False)
    if serious_table:
        path = "lists.serious"
        r.known(
            serious_table,
            path,
            ("min_serious_records", "behaviour_codes", "on_serious_list", "note_zh"),
        )
        codes = frozenset(r.texts(serious_table, path, "behaviour_codes", required=False))
        _check_codes(r, f"{path}.behaviour_codes", codes, catalogue)
        group: int | None = None
        if codes:
            group = len(code_groups)
            code_groups.append(codes)
        minimum = r.integer(serious_table, path, "min_serious_records", required=False, minimum=1)
        flagged = r.boolean(serious_table, path, "on_serious_list", default=False)
        if minimum is None and not codes and not flagged:
            r.fail(path, "至少设置一个列入条件")
        serious = SeriousListCriteria(
            min_serious_records=minimum,
            behaviour_codes=codes,
            on_serious_list=flagged,
            note_zh=r.text(serious_table, path, "note_zh"),
            code_group=group,
        )
    return red, serious
