"""Credit grading engine (pure Python, no Django): rule sets as versioned TOML data.

    from roadcredit.credit.grading import Fact, Subject, grade, load_bundled
    result = grade(subject, facts, load_bundled("enterprise-jiangsu-2024.toml"), as_of)

See docs/decisions/007-credit-grading-engine.md.
"""

from __future__ import annotations

from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.engine import (
    Decision,
    evaluation_period,
    grade,
    grade_from_summary,
    list_membership,
    summary_vector,
)
from roadcredit.credit.grading.fingerprint import input_fingerprint
from roadcredit.credit.grading.model import (
    UNRATED,
    UNRATED_NAME_ZH,
    Adjustment,
    Contribution,
    Fact,
    GradeResult,
    ListStatus,
    PeriodPlan,
    Subject,
    Summary,
    check_facts,
)
from roadcredit.credit.grading.ruleset import (
    DEFAULT_DRIVER_RULESET,
    DEFAULT_ENTERPRISE_RULESET,
    RULES_DIR,
    Behaviour,
    BehaviourCatalogue,
    RuleSet,
    RuleSetError,
    bundled_ruleset_paths,
    load_bundled,
)

__all__ = [
    "DEFAULT_DRIVER_RULESET",
    "DEFAULT_ENTERPRISE_RULESET",
    "RULES_DIR",
    "UNRATED",
    "UNRATED_NAME_ZH",
    "Adjustment",
    "Behaviour",
    "BehaviourCatalogue",
    "Contribution",
    "Decision",
    "Fact",
    "GradeResult",
    "ListStatus",
    "PeriodPlan",
    "RuleSet",
    "RuleSetError",
    "Subject",
    "Summary",
    "add_months",
    "bundled_ruleset_paths",
    "check_facts",
    "evaluation_period",
    "grade",
    "grade_from_summary",
    "input_fingerprint",
    "list_membership",
    "load_bundled",
    "summary_vector",
]
