"""Input checks on facts (for import paths; the engine itself trusts its input)."""

from __future__ import annotations

import dataclasses

import pytest

from roadcredit.credit.grading import check_facts
from roadcredit.credit.tests.unit.builders import D, fact

GOOD = fact("RT-N-008", record_id="CR-2026-000001")


def test_well_formed_facts_pass():
    check_facts([GOOD, fact("RT-P-001", record_id="CR-2026-000002")])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"record_id": ""}, "record_id is empty"),
        ({"record_id": "CR|1"}, "separator"),
        ({"behaviour_code": "RT-N-008\n"}, "control character"),
        ({"behaviour_code": ""}, "behaviour_code is empty"),
        ({"points": 0}, "positive integer"),
        ({"points": -5}, "positive integer"),
        ({"points": True}, "positive integer"),
        ({"direction": "neutral"}, "unknown direction"),
        ({"severity": "grave"}, "unknown severity"),
        ({"status": "published"}, "unknown status"),
        ({"decided_on": D(2025, 11, 30)}, "before occurred_on"),
    ],
)
def test_it_names_what_is_wrong_with_a_fact(change, problem):
    with pytest.raises(ValueError, match=problem):
        check_facts([dataclasses.replace(GOOD, **change)])


def test_it_rejects_duplicate_record_ids():
    with pytest.raises(ValueError, match="duplicate record_id"):
        check_facts([GOOD, dataclasses.replace(GOOD, points=3)])
