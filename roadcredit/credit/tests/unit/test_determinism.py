"""Same inputs, same grade and fingerprint — in any fact order, across processes, and for any
past as-of date."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

from roadcredit.credit.grading import Subject, grade, input_fingerprint
from roadcredit.credit.grading.fingerprint import fact_line
from roadcredit.credit.tests.unit.builders import AS_OF, ENTERPRISE_RULES, D, fact, xinda

REPO_ROOT = Path(__file__).resolve().parents[4]

FACTS = [
    fact("RT-N-008", occurred=D(2025, 8, 2), record_id="CR-2025-000812"),
    fact("RT-N-020", occurred=D(2025, 9, 14), record_id="CR-2025-000977"),
    fact("RT-N-012", status="under_objection", record_id="CR-2026-000007"),
    fact("RT-P-002", occurred=D(2026, 1, 6), record_id="CR-2026-000031"),
    fact("RT-N-024", status="pending", decided=None, record_id="CR-2026-000102"),
]


def test_the_same_inputs_give_an_identical_result():
    assert grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF) == grade(
        xinda(), list(FACTS), ENTERPRISE_RULES, AS_OF
    )


def test_the_order_of_the_facts_does_not_matter():
    expected = grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF)
    shuffled = list(FACTS)
    for seed in range(10):
        random.Random(seed).shuffle(shuffled)
        assert grade(xinda(), shuffled, ENTERPRISE_RULES, AS_OF) == expected


def test_the_fingerprint_is_stable_across_processes():
    here = grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF).input_fingerprint
    script = (
        "from roadcredit.credit.tests.unit.test_determinism import FACTS, AS_OF;"
        "from roadcredit.credit.tests.unit.builders import ENTERPRISE_RULES, xinda;"
        "from roadcredit.credit.grading import grade;"
        "print(grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF).input_fingerprint)"
    )
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=REPO_ROOT,
        )
        assert out.stdout.strip() == here


def test_the_fingerprint_follows_the_documented_canonical_text():
    subject = Subject("91370612MA3C4XKD2B", "enterprise", D(2015, 3, 18), frozenset({"b", "a"}))
    used = [FACTS[1], FACTS[0]]
    text = "\n".join(
        [
            "roadcredit-grade-v1",
            "0" * 64,
            "2026-06-30",
            "91370612MA3C4XKD2B|enterprise|2015-03-18|a,b",
            "CR-2025-000812|RT-N-008|negative|general|5|2025-08-02|2025-08-09|active|0",
            "CR-2025-000977|RT-N-020|negative|minor|1|2025-09-14|2025-09-21|active|0",
        ]
    )

    assert fact_line(FACTS[0]) == text.splitlines()[4]
    assert (
        input_fingerprint(subject, used, "0" * 64, AS_OF)
        == hashlib.sha256(text.encode("utf-8")).hexdigest()
    )


def test_records_that_do_not_count_do_not_change_the_fingerprint():
    base = grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF).input_fingerprint
    extra = [
        *FACTS,
        fact("RT-N-001", status="withdrawn"),
        fact("RT-N-001", occurred=D(2023, 1, 1)),
    ]

    assert grade(xinda(), extra, ENTERPRISE_RULES, AS_OF).input_fingerprint == base


def test_any_change_that_matters_changes_the_fingerprint():
    base = grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF).input_fingerprint
    changed_points = [dataclasses.replace(FACTS[0], points=6), *FACTS[1:]]
    others = {
        grade(xinda(), changed_points, ENTERPRISE_RULES, AS_OF).input_fingerprint,
        grade(xinda(), FACTS, ENTERPRISE_RULES, D(2026, 7, 1)).input_fingerprint,
        grade(xinda(anchor=D(2015, 3, 19)), FACTS, ENTERPRISE_RULES, AS_OF).input_fingerprint,
        grade(
            xinda(flags=frozenset({"past_false_commitment"})), FACTS, ENTERPRISE_RULES, AS_OF
        ).input_fingerprint,
    }

    assert base not in others and len(others) == 4


def test_a_past_grade_is_recomputed_from_the_facts_as_they_were():
    """As of 2025-12-31 a record decided in 2026 did not exist yet; later decisions do not
    rewrite the grade as of that date."""
    past_day = D(2025, 12, 31)
    then = [fact("RT-N-008", occurred=D(2025, 8, 2), record_id="CR-2025-000812")]
    now = [*then, fact("RT-N-012", 20, occurred=D(2025, 12, 20), decided=D(2026, 1, 8))]

    past = grade(xinda(), then, ENTERPRISE_RULES, past_day)
    recomputed = grade(xinda(), now, ENTERPRISE_RULES, past_day)

    assert recomputed == past
    assert grade(xinda(), now, ENTERPRISE_RULES, D(2026, 1, 8)).score == 75


def test_the_result_records_the_rule_set_it_was_computed_with():
    result = grade(xinda(), FACTS, ENTERPRISE_RULES, AS_OF)

    assert (result.ruleset_id, result.ruleset_version, result.ruleset_digest) == (
        "enterprise-jiangsu-2024",
        "2024.2",
        ENTERPRISE_RULES.digest,
    )
    assert result.as_of == datetime.date(2026, 6, 30)
