"""Builders for grading-engine tests: realistic facts and subjects with readable defaults."""

from __future__ import annotations

import datetime
import itertools

from roadcredit.credit.grading import (
    DEFAULT_DRIVER_RULESET,
    DEFAULT_ENTERPRISE_RULESET,
    Fact,
    RuleSet,
    Subject,
    load_bundled,
)

D = datetime.date

ENTERPRISE_RULES: RuleSet = load_bundled(DEFAULT_ENTERPRISE_RULESET)
DRIVER_RULES: RuleSet = load_bundled(DEFAULT_DRIVER_RULESET)

# Graded as of 2026-06-30 → enterprise window 2025-07-01..2026-06-30.
AS_OF = D(2026, 6, 30)
IN_PERIOD = D(2025, 12, 1)

_ids = itertools.count(1)


XINDA_REGISTERED = D(2015, 3, 18)
ZHANG_WEI_FIRST_ISSUE = D(2019, 5, 20)


def xinda(anchor: D | None = XINDA_REGISTERED, flags: frozenset[str] = frozenset()) -> Subject:
    """烟台鑫达物流有限公司, registered 2015-03-18."""
    return Subject("91370612MA3C4XKD2B", "enterprise", anchor, flags)


def zhang_wei(first_issue: D | None = ZHANG_WEI_FIRST_ISSUE) -> Subject:
    """Driver 张伟, qualification certificate first issued 2019-05-20."""
    return Subject("driver-370612198507151234", "driver", first_issue)


def fact(
    code: str = "RT-N-008",
    points: int | None = None,
    *,
    occurred: D = IN_PERIOD,
    decided: D | str | None = "a week later",
    status: str = "active",
    on_serious_list: bool = False,
    record_id: str | None = None,
    scheme: str = "enterprise",
) -> Fact:
    """A record of catalogue behaviour ``code`` (points default to the catalogue's)."""
    rules = ENTERPRISE_RULES if scheme == "enterprise" else DRIVER_RULES
    behaviour = rules.catalogue.behaviours[code]
    if points is None:
        points = behaviour.default_points[scheme]
    return Fact(
        record_id=record_id or f"CR-2026-{next(_ids):06d}",
        behaviour_code=code,
        points=points,
        direction=behaviour.direction,
        severity=behaviour.severity or "minor",
        occurred_on=occurred,
        decided_on=(occurred + datetime.timedelta(days=7) if isinstance(decided, str) else decided),
        status=status,  # type: ignore[arg-type]
        on_serious_list=on_serious_list,
    )


def deductions(points: int, severity: str = "general", **kwargs: object) -> list[Fact]:
    """Negative facts totalling ``points`` (one record) of the given severity; [] for 0."""
    code = {"minor": "RT-N-024", "general": "RT-N-008", "serious": "RT-N-004"}[severity]
    if points == 0:
        return []
    return [fact(code, points, **kwargs)]  # type: ignore[arg-type]
