"""Publication windows of dishonesty information (pure Python, no Django).

``publication_window(severity, decided_on)`` gives, for a negative credit record, whether it is
published at all, the earliest date its subject may apply for credit repair and the date its
publication stops by itself. The periods are data (``rules/publication.toml``), versioned by the
decision date: decisions from 2026-04-01 follow NDRC order No. 36 (信用修复管理办法), earlier ones
order No. 58 (2023 trial measures) and, before 2023-05-01, the 2021 rules.

Dates: "N months after the decision" is the same day N months later clamped to month end
(2026-01-31 + 1 month = 2026-02-28). ``earliest_repair`` is the first day a repair application
may be made (the decision date plus the minimum period); ``takedown`` is the first day the
record is no longer published (the decision date plus the maximum period). A record is
therefore published on days ``decided_on ≤ day < takedown``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.model import SEVERITIES, Severity
from roadcredit.credit.grading.ruleset import RULES_DIR
from roadcredit.credit.grading.tomldata import (
    RuleSetError,
    TomlReader,
    canonical_digest,
    parse_toml,
)

__all__ = [
    "DEFAULT_PUBLICATION_RULES",
    "PublicationPeriod",
    "PublicationRuleVersion",
    "PublicationRules",
    "PublicationWindow",
    "RuleSetError",
    "default_publication_rules",
    "publication_window",
]

DEFAULT_PUBLICATION_RULES = RULES_DIR / "publication.toml"
PUBLICATION_KIND = "publication-rules"


@dataclass(frozen=True, slots=True)
class PublicationPeriod:
    published: bool
    min_months: int
    max_months: int


@dataclass(frozen=True, slots=True)
class PublicationRuleVersion:
    id: str
    title_zh: str
    applies_from: datetime.date | None  # None: every decision before the next version
    periods: Mapping[str, PublicationPeriod]  # severity -> period


@dataclass(frozen=True, slots=True)
class PublicationWindow:
    rule_id: str
    rule_title_zh: str
    severity: Severity
    decided_on: datetime.date
    published: bool
    min_months: int
    max_months: int
    earliest_repair: datetime.date
    takedown: datetime.date

    def is_published_on(self, day: datetime.date) -> bool:
        """Whether the record is on public display on ``day``."""
        return self.published and self.decided_on <= day < self.takedown

    def repair_open_on(self, day: datetime.date) -> bool:
        """Whether the minimum period has passed on ``day`` (other repair conditions aside)."""
        return day >= self.earliest_repair


@dataclass(frozen=True, slots=True)
class PublicationRules:
    id: str
    version: str
    versions: tuple[PublicationRuleVersion, ...]  # newest first
    digest: str

    @classmethod
    def load(cls, path: Path | str) -> PublicationRules:
        path = Path(path)
        return cls.from_toml_text(path.read_text(encoding="utf-8"), source=path.name)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "<text>") -> PublicationRules:
        return _parse(parse_toml(text, source), source)

    def version_for(self, decided_on: datetime.date) -> PublicationRuleVersion:
        """The rule version that governs a decision made on ``decided_on``."""
        for version in self.versions:
            if version.applies_from is None or version.applies_from <= decided_on:
                return version
        raise AssertionError("validated rules end with an open-ended version")  # pragma: no cover


@functools.cache
def default_publication_rules() -> PublicationRules:
    """The shipped publication rules, parsed once per process."""
    return PublicationRules.load(DEFAULT_PUBLICATION_RULES)


def publication_window(
    severity: Severity,
    decided_on: datetime.date,
    *,
    rules: PublicationRules | None = None,
) -> PublicationWindow:
    """Publication window of a negative record of ``severity`` decided on ``decided_on``."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    version = (rules or default_publication_rules()).version_for(decided_on)
    period = version.periods[severity]
    return PublicationWindow(
        rule_id=version.id,
        rule_title_zh=version.title_zh,
        severity=severity,
        decided_on=decided_on,
        published=period.published,
        min_months=period.min_months,
        max_months=period.max_months,
        earliest_repair=add_months(decided_on, period.min_months),
        takedown=add_months(decided_on, period.max_months),
    )


def _parse(data: Mapping[str, Any], source: str) -> PublicationRules:
    r = TomlReader(source)
    r.known(data, "", ("meta", "versions"))
    meta = r.sub(data, "", "meta")
    r.known(meta, "meta", ("kind", "id", "version", "title_zh"))
    kind = r.text(meta, "meta", "kind")
    if kind and kind != PUBLICATION_KIND:
        r.fail("meta.kind", f"应为 {PUBLICATION_KIND}")
    rules_id = r.text(meta, "meta", "id")
    rules_version = r.text(meta, "meta", "version")
    r.text(meta, "meta", "title_zh")
    versions: list[PublicationRuleVersion] = []
    for index, entry in enumerate(r.tables(data, "", "versions"), start=1):
        path = f"versions[{index}]"
        r.known(entry, path, ("id", "title_zh", "applies_from", *SEVERITIES))
        applies_from = r.day(entry, path, "applies_from") if "applies_from" in entry else None
        periods: dict[str, PublicationPeriod] = {}
        for severity in SEVERITIES:
            table = r.sub(entry, path, severity)
            key = f"{path}.{severity}"
            r.known(table, key, ("published", "min_months", "max_months"))
            if "published" not in table:
                r.fail(f"{key}.published", "缺少必填项")
            published = r.boolean(table, key, "published", default=True)
            low = r.integer(table, key, "min_months", minimum=0)
            high = r.integer(table, key, "max_months", minimum=1)
            if low is not None and high is not None and low > high:
                r.fail(f"{key}.min_months", "不能大于 max_months")
            periods[severity] = PublicationPeriod(published, low or 0, high or 1)
        versions.append(
            PublicationRuleVersion(
                id=r.text(entry, path, "id"),
                title_zh=r.text(entry, path, "title_zh"),
                applies_from=applies_from,
                periods=periods,
            )
        )
    dated = [v.applies_from for v in versions if v.applies_from is not None]
    if len(dated) != len(versions) - 1 or (versions and versions[-1].applies_from is not None):
        r.fail("versions", "除最后（最早）一个版本外都须设 applies_from，最后一个不设")
    elif dated != sorted(dated, reverse=True) or len(set(dated)) != len(dated):
        r.fail("versions", "须按 applies_from 从新到旧排列且不重复")
    r.raise_if_failed()
    return PublicationRules(
        id=rules_id,
        version=rules_version,
        versions=tuple(versions),
        digest=canonical_digest(data),
    )
