"""Rule-set versions, the batch regrade job and the impact preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.jobs import job_run
from roadcredit.core.models import JobStatus
from roadcredit.credit.grading import RULES_DIR
from roadcredit.credit.jobs import regrade_submit
from roadcredit.credit.models import GradeSnapshot, RuleSetStatus
from roadcredit.credit.selectors import ruleset_preview
from roadcredit.credit.services.grading import (
    active_ruleset,
    grade_current,
    grade_explain,
    subject_regrade,
)
from roadcredit.credit.services.rulesets import ruleset_activate, ruleset_load
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db

LAST_MONTH = clock.today() - dt.timedelta(days=30)
LAST_WEEK = clock.today() - dt.timedelta(days=7)
DEFAULT_TEXT = (RULES_DIR / "enterprise-jiangsu-2024.toml").read_text(encoding="utf-8")
STRICTER = DEFAULT_TEXT.replace('version = "2024.2"', 'version = "2026.1"', 1).replace(
    "min_score = 90", "min_score = 95", 1
)


def test_the_bundled_default_is_activated_on_first_use() -> None:
    row, ruleset = active_ruleset("enterprise")
    assert row.status == RuleSetStatus.ACTIVE and row.ruleset_id == "enterprise-jiangsu-2024"
    assert ruleset.digest == row.digest and row.catalogue_text
    assert AuditEntry.objects.filter(action="credit.ruleset_activated").exists()


def test_loading_stores_a_draft_and_refuses_changed_content_under_the_same_version() -> None:
    active_ruleset("enterprise")
    draft = ruleset_load(actor=None, text=STRICTER, source_name="enterprise-stricter.toml")
    assert draft.status == RuleSetStatus.DRAFT
    assert ruleset_load(actor=None, text=STRICTER, source_name="again.toml").pk == draft.pk
    with pytest.raises(Conflict):
        ruleset_load(
            actor=None,
            text=STRICTER.replace("min_score = 80", "min_score = 85", 1),
            source_name="x.toml",
        )


def test_a_broken_rule_set_file_names_the_offending_key() -> None:
    with pytest.raises(ValidationFailed) as exc:
        ruleset_load(
            actor=None,
            text=DEFAULT_TEXT.replace("min_score = 90", 'min_score = "九十"', 1),
            source_name="bad.toml",
        )
    assert "thresholds[1].min_score" in exc.value.extra["fields"]["file"][0]


def test_the_preview_shows_the_shift_and_who_would_change_grade() -> None:
    steady = rated_operator()
    slipping = rated_operator()
    make_record(
        slipping, behaviour_code="RT-N-011", points=7, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    draft = ruleset_load(actor=None, text=STRICTER, source_name="enterprise-stricter.toml")
    preview = ruleset_preview(version=draft)
    assert preview.subjects == 2
    assert preview.before["AA"] == 2 and preview.after["AA"] == 1 and preview.after["A"] == 1
    assert preview.changed_count == 1
    assert [c.public_id for c in preview.changes] == [slipping.public_id]
    assert ("AA", 2, 1, -1) in preview.shift()
    assert GradeSnapshot.objects.filter(operator=steady).count() == 0  # nothing written


def test_activation_retires_the_old_version_and_snapshots_record_the_new_one() -> None:
    operator = rated_operator()
    make_record(
        operator, behaviour_code="RT-N-011", points=7, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    old = grade_current(operator)
    assert old is not None and old.grade == "AA"
    draft = ruleset_load(actor=None, text=STRICTER, source_name="enterprise-stricter.toml")
    ruleset_activate(actor=None, version=draft)
    old.ruleset.refresh_from_db()
    assert old.ruleset.status == RuleSetStatus.RETIRED
    snapshot = subject_regrade(subject=operator, reason="规则集启用后重新评级")
    assert snapshot.grade == "A" and snapshot.ruleset == draft
    with pytest.raises(Conflict):
        ruleset_activate(actor=None, version=draft)


def test_the_batch_regrade_job_writes_only_changed_grades_and_resumes_from_its_checkpoint() -> None:
    operators = [rated_operator() for _ in range(5)]
    drivers = [rated_practitioner() for _ in range(3)]
    make_record(
        operators[0],
        behaviour_code="RT-N-008",
        points=25,
        occurred_on=LAST_MONTH,
        decided_on=LAST_WEEK,
    )
    GradeSnapshot.objects.all().delete()
    job = regrade_submit(actor=None, reason="夜间全量评级", chunk=100, run="defer")
    job.params["chunk"] = 2  # two subjects per chunk
    job.save()
    done = job_run(job)
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert done.result is not None
    assert done.result["subjects"] == 8 and done.result["changed"] == 8
    assert done.result["distribution"]["enterprise:B"] == 1
    assert GradeSnapshot.objects.filter(is_current=True).count() == 8
    assert grade_current(operators[0]).score == 75  # type: ignore[union-attr]
    again = job_run(regrade_submit(actor=None, reason="再次评级", run="defer"))
    assert again.result is not None and again.result["changed"] == 0
    assert GradeSnapshot.objects.count() == 8
    assert all(grade_current(d) is not None for d in drivers)


def test_an_interrupted_regrade_resumes_where_it_stopped() -> None:
    for _ in range(4):
        rated_operator()
    job = regrade_submit(actor=None, reason="夜间全量评级", run="defer")
    job.params["chunk"] = 1
    job.checkpoint = {
        "scheme": "enterprise",
        "after": 0,
        "done": 0,
        "changed": 0,
        "distribution": {},
    }
    job.save()
    from roadcredit.credit.jobs import RegradeAllHandler

    handler = RegradeAllHandler()
    first = handler.run_chunk(job, job.checkpoint)
    assert first.checkpoint["after"] > 0 and not first.finished
    job.checkpoint = first.checkpoint
    job.done = first.done
    job.save()
    finished = job_run(job)
    assert finished.status == JobStatus.SUCCEEDED
    assert finished.result is not None and finished.result["subjects"] == 4


def test_a_single_regrade_locks_reads_and_grades_in_three_statements_when_nothing_changed(
    django_assert_max_num_queries: Any,
) -> None:
    """The path behind every new record: one statement locks the subject, the next reads its
    anchor, its current snapshot and the active rule-set version (after the lock, so it sees a
    snapshot a concurrent regrade committed meanwhile), one reads the records; the unchanged
    current snapshot comes back whole."""
    driver = rated_practitioner(first_issue="2018-03-31")
    make_record(driver, behaviour_code="RT-N-008", occurred_on=LAST_MONTH, decided_on=LAST_WEEK)
    first = subject_regrade(subject=driver, reason="记录新增")
    active_ruleset("driver")  # the rule set parsed and cached, as in a running server
    with django_assert_max_num_queries(3):
        again = subject_regrade(subject=driver, reason="再次评级")
    stored = GradeSnapshot.objects.get(pk=first.pk)
    assert again.pk == stored.pk and again.is_current
    assert (again.grade, again.score, again.input_fingerprint, again.reason) == (
        stored.grade,
        stored.score,
        stored.input_fingerprint,
        "记录新增",
    )
    assert again.computed_at == stored.computed_at and again.ruleset_id == stored.ruleset_id


def test_a_single_regrade_uses_the_earliest_driving_qualification_as_the_cycle_anchor() -> None:
    # A freight certificate from 2019-05-20 and a passenger one from 2016-08-31: cycles run
    # from 31 August; the escort certificate (2010) is not a driving qualification.
    driver = rated_practitioner(
        qualifications=[
            {"category": "freight", "first_issue_date": "2019-05-20"},
            {"category": "passenger", "first_issue_date": "2016-08-31"},
            {"category": "dg_escort", "first_issue_date": "2010-01-04"},
        ]
    )
    snapshot = subject_regrade(subject=driver, reason="建立评级基线")
    explained = grade_explain(driver, as_of=snapshot.as_of)
    assert explained.rated
    assert explained.period_start is not None
    assert (explained.period_start.month, explained.period_start.day) == (8, 31)
    assert snapshot.input_fingerprint == explained.input_fingerprint
