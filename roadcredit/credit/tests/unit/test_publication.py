"""Publication windows by severity and decision date (令第36号 from 2026-04-01, earlier rules
before)."""

from __future__ import annotations

import pytest

from roadcredit.credit.grading import RULES_DIR, RuleSetError
from roadcredit.credit.publication import (
    PublicationRules,
    default_publication_rules,
    publication_window,
)
from roadcredit.credit.tests.unit.builders import D

RULES_TEXT = (RULES_DIR / "publication.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("severity", "decided", "rule", "published", "earliest_repair", "takedown"),
    [
        # NDRC order No. 36, decisions from 2026-04-01
        ("minor", D(2026, 4, 1), "ndrc-order-36", False, D(2026, 4, 1), D(2026, 7, 1)),
        ("general", D(2026, 4, 1), "ndrc-order-36", True, D(2026, 7, 1), D(2027, 4, 1)),
        ("serious", D(2026, 4, 1), "ndrc-order-36", True, D(2027, 4, 1), D(2029, 4, 1)),
        # the day before: still order No. 58
        ("minor", D(2026, 3, 31), "ndrc-order-58", True, D(2026, 3, 31), D(2026, 6, 30)),
        ("general", D(2026, 3, 31), "ndrc-order-58", True, D(2026, 6, 30), D(2027, 3, 31)),
        ("serious", D(2026, 3, 31), "ndrc-order-58", True, D(2027, 3, 31), D(2029, 3, 31)),
        # order No. 58 takes effect 2023-05-01; before it the 2021 rules (serious: 6 months)
        ("serious", D(2023, 5, 1), "ndrc-order-58", True, D(2024, 5, 1), D(2026, 5, 1)),
        ("serious", D(2023, 4, 30), "ndrc-2021", True, D(2023, 10, 30), D(2026, 4, 30)),
        ("general", D(2019, 8, 16), "ndrc-2021", True, D(2019, 11, 16), D(2020, 8, 16)),
        # month arithmetic: Jan 31 + 1 month, Nov 30 + 3 months, Feb 29 + 12 months
        ("general", D(2026, 11, 30), "ndrc-order-36", True, D(2027, 2, 28), D(2027, 11, 30)),
        ("serious", D(2028, 2, 29), "ndrc-order-36", True, D(2029, 2, 28), D(2031, 2, 28)),
        ("minor", D(2027, 11, 30), "ndrc-order-36", False, D(2027, 11, 30), D(2028, 2, 29)),
    ],
)
def test_it_computes_the_window_from_the_decision_date(
    severity, decided, rule, published, earliest_repair, takedown
):
    window = publication_window(severity, decided)

    assert (window.rule_id, window.published, window.earliest_repair, window.takedown) == (
        rule,
        published,
        earliest_repair,
        takedown,
    )
    assert window.decided_on == decided and window.severity == severity


def test_jan_31_plus_one_month_is_the_end_of_february():
    rules = PublicationRules.from_toml_text(
        RULES_TEXT.replace("min_months = 3\nmax_months = 12", "min_months = 1\nmax_months = 12", 1)
    )

    assert publication_window("general", D(2027, 1, 31), rules=rules).earliest_repair == D(
        2027, 2, 28
    )
    assert publication_window("general", D(2028, 1, 31), rules=rules).earliest_repair == D(
        2028, 2, 29
    )


def test_a_record_is_published_from_the_decision_until_the_day_before_takedown():
    window = publication_window("general", D(2026, 4, 1))

    assert not window.is_published_on(D(2026, 3, 31))
    assert window.is_published_on(D(2026, 4, 1))
    assert window.is_published_on(D(2027, 3, 31))
    assert not window.is_published_on(D(2027, 4, 1))


def test_a_minor_record_under_the_2026_rules_is_not_published_but_is_repairable_at_once():
    window = publication_window("minor", D(2026, 5, 6))

    assert not window.is_published_on(D(2026, 5, 6))
    assert window.repair_open_on(D(2026, 5, 6))


def test_repair_opens_after_the_minimum_period():
    window = publication_window("serious", D(2026, 4, 1))

    assert not window.repair_open_on(D(2027, 3, 31))
    assert window.repair_open_on(D(2027, 4, 1))
    assert "令第36号" in window.rule_title_zh


def test_it_rejects_an_unknown_severity():
    with pytest.raises(ValueError, match="unknown severity"):
        publication_window("grave", D(2026, 4, 1))  # type: ignore[arg-type]


def test_the_shipped_rules_are_loaded_once():
    assert default_publication_rules() is default_publication_rules()
    assert len(default_publication_rules().digest) == 64


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            "min_months = 12\nmax_months = 36",
            "min_months = 40\nmax_months = 36",
            "versions[1].serious.min_months",
        ),
        ("applies_from = 2023-05-01", "", "versions"),
        ("applies_from = 2023-05-01", "applies_from = 2027-01-01", "versions"),
        ("published = false  # not published", "# not", "versions[1].minor.published"),
        ('kind = "publication-rules"', 'kind = "grading-ruleset"', "meta.kind"),
    ],
)
def test_invalid_publication_rules_are_rejected_naming_the_key(old, new, key):
    assert old in RULES_TEXT
    with pytest.raises(RuleSetError) as exc:
        PublicationRules.from_toml_text(RULES_TEXT.replace(old, new, 1))

    assert key in dict(exc.value.problems)
