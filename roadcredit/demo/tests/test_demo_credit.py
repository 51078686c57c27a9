"""``load_demo``'s credit history: records through intake, the showcase cases, everyone graded."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock, pii
from roadcredit.credit.grading import BehaviourCatalogue
from roadcredit.credit.grading.model import Scheme
from roadcredit.credit.models import (
    CreditRecord,
    GradeSnapshot,
    IntakeBatch,
    ListEntry,
    Objection,
    RecordStatus,
    RepairApplication,
    Source,
)
from roadcredit.demo.credit_plan import (
    CATALOGUE_PATH,
    PERIOD_END,
    PERIOD_START,
    SOURCES,
    CreditPlan,
)
from roadcredit.demo.generator import DemoDistrict
from roadcredit.subjects.models import Operator, Practitioner

SCALE = 0.02  # 30 operators, 71 vehicles, 158 practitioners


@pytest.fixture(scope="module")
def plan() -> CreditPlan:
    return CreditPlan(DemoDistrict(scale=SCALE))


def _load() -> str:
    out = StringIO()
    call_command("load_demo", "--scale", str(SCALE), "--no-licences", stdout=out, stderr=StringIO())
    return out.getvalue()


def _current(subject: Operator | Practitioner) -> GradeSnapshot:
    column = "operator" if isinstance(subject, Operator) else "practitioner"
    return GradeSnapshot.objects.get(is_current=True, **{column: subject})


def _audit_entries() -> int:
    # load_catalogues records each run of the business-scope catalogue load (not the demo's).
    return AuditEntry.objects.exclude(action="subjects.business_scopes.load").count()


def _practitioner(id_number: str) -> Practitioner:
    return Practitioner.objects.get(id_number_index=pii.blind_index(id_number, purpose="id_number"))


# --- the plan (no database) ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_records_and_another_seed_others(plan):
    again = CreditPlan(DemoDistrict(scale=SCALE))
    other = CreditPlan(DemoDistrict(scale=SCALE, seed=4711))
    assert again.records == plan.records
    assert again.registered_on == plan.registered_on
    assert [r.subject_key for r in other.records] != [r.subject_key for r in plan.records]


def test_an_operators_records_are_the_same_at_every_scale(plan):
    larger = CreditPlan(DemoDistrict(scale=2 * SCALE))
    by_ref = {r.source_ref: r for r in larger.records}
    assert len(larger.records) > len(plan.records)
    mine = [r for r in plan.records if r.subject_kind != "practitioner"]
    assert mine
    for record in mine:
        same = by_ref[record.source_ref]
        assert (same.behaviour_code, same.occurred_on, same.decided_on) == (
            record.behaviour_code,
            record.occurred_on,
            record.decided_on,
        )
        if record.subject_kind == "operator":  # a vehicle's follows the fleet at that scale
            assert same.subject_key == record.subject_key


def test_records_are_catalogue_behaviours_within_the_period_with_proper_numbers(plan):
    catalogue = BehaviourCatalogue.load(CATALOGUE_PATH)
    for record in plan.records:
        scheme: Scheme = "driver" if record.subject_kind == "practitioner" else "enterprise"
        assert catalogue.behaviours[record.behaviour_code].points_for(scheme) is not None
        assert PERIOD_START <= record.occurred_on <= PERIOD_END
        if record.decided_on is None:
            assert record.decision_number == ""
        else:
            assert record.occurred_on <= record.decided_on <= PERIOD_END
            prefix = SOURCES[record.source].prefix
            assert record.decision_number.startswith(f"{prefix}〔{record.decided_on.year}〕")
    negative = [r.decision_number for r in plan.records if r.source != "bureau" and r.decided_on]
    assert len(negative) == len(set(negative))  # one penalty decision, one number
    assert len({r.source_ref for r in plan.records}) == len(plan.records)


def test_the_mix_is_mostly_minor_and_general_with_some_positive_and_few_serious():
    plan = CreditPlan(DemoDistrict(scale=0.2))
    catalogue = BehaviourCatalogue.load(CATALOGUE_PATH)
    severity = Counter(catalogue.behaviours[r.behaviour_code].severity for r in plan.records)
    total = len(plan.records)
    assert (severity["minor"] + severity["general"]) / total > 0.9
    assert 0 < severity[None] < severity["minor"]
    assert 0 < severity["serious"] < 0.02 * total
    years = Counter(r.occurred_on.year for r in plan.records)
    assert set(years) == {2024, 2025, 2026}
    pending = sum(1 for r in plan.records if r.decided_on is None)
    assert 0 < pending < 0.1 * total


# --- the load ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_takes_the_records_through_intake_and_grades_everyone(plan):
    output = _load()

    assert CreditRecord.objects.count() == len(plan.records)
    assert set(Source.objects.values_list("code", flat=True)) >= {s.code for s in SOURCES.values()}
    assert set(IntakeBatch.objects.values_list("status", flat=True)) == {"accepted"}
    pending = sum(1 for r in plan.records if r.decided_on is None)
    assert CreditRecord.objects.filter(status=RecordStatus.PENDING).count() == pending
    assert "信用记录：新增" in output
    # Everyone has a current grade; the district shows a real spread, not only 未评级.
    snapshots = GradeSnapshot.objects.filter(is_current=True)
    assert snapshots.filter(operator__isnull=False).count() == Operator.objects.count()
    assert snapshots.filter(practitioner__isnull=False).count() == Practitioner.objects.count()
    enterprise = Counter(snapshots.filter(operator__isnull=False).values_list("grade", flat=True))
    driver = Counter(snapshots.filter(practitioner__isnull=False).values_list("grade", flat=True))
    assert enterprise["AA"] > enterprise["UNRATED"]
    assert {"AA", "C", "D"} <= set(enterprise)
    assert {"AAA", "AA", "B"} <= set(driver)


@pytest.mark.django_db
def test_the_personas_and_showcase_subjects_have_meaningful_grades_and_cases(plan):
    _load()
    shown = plan.showcase

    good = Operator.objects.get(uscc=shown.good_operator)
    assert good.name == "烟台鑫达物流有限公司"
    assert (_current(good).grade, _current(good).tier) == ("AA", "excellent")
    assert ListEntry.objects.filter(operator=good, list_kind="red", status="listed").exists()

    poor = Operator.objects.get(uscc=shown.poor_operator)
    assert (_current(poor).grade, _current(poor).tier) == ("C", "doubtful")
    assert RepairApplication.objects.get(operator=poor).status == "submitted"

    serious = Operator.objects.get(uscc=shown.serious_operator)
    assert _current(serious).grade == "D"
    entry = ListEntry.objects.get(operator=serious, list_kind="serious")
    assert entry.status == "listed"
    assert entry.listed_from == dt.date(2026, 10, 23)

    driver = _practitioner(shown.good_driver)
    assert driver.name == "张伟"
    assert _current(driver).grade == "AAA"
    assert _current(_practitioner(shown.poor_driver)).grade == "B"

    assert Objection.objects.filter(status="open").count() == 2
    assert CreditRecord.objects.filter(status=RecordStatus.UNDER_OBJECTION).count() == 2


def test_few_subjects_are_commended_and_the_showcase_ones_are():
    plan = CreditPlan(DemoDistrict(scale=0.2))
    district = plan.district
    subjects = sum(1 for _ in district.operators()) + sum(1 for _ in district.practitioners())
    commended = set(plan.commended)

    assert 0.01 * subjects < len(commended) < 0.06 * subjects
    assert set(plan.showcase.red_candidates) <= commended
    positive = {(r.subject_kind, r.subject_key[0]) for r in plan.records if r.source == "bureau"}
    assert positive == commended


@pytest.mark.django_db
def test_the_red_list_is_small_and_holds_only_commended_subjects(plan):
    _load()

    red = ListEntry.objects.filter(list_kind="red", status="listed")
    subjects = Operator.objects.count() + Practitioner.objects.count()
    assert 2 <= red.count() <= 0.05 * subjects
    commended = {
        key if kind == "operator" else pii.blind_index(key, purpose="id_number")
        for kind, key in plan.commended
    }
    for entry in red.select_related("operator", "practitioner"):
        subject = entry.subject
        key = subject.uscc if isinstance(subject, Operator) else subject.id_number_index
        assert key in commended
        assert "正面记录" in entry.decision_reason


@pytest.mark.django_db
def test_records_past_their_publication_period_are_expired_as_credit_expire_would():
    output = _load()

    today = clock.today()
    expired = CreditRecord.objects.filter(status=RecordStatus.EXPIRED)
    assert expired.exists()
    assert not expired.filter(takedown_on__gt=today).exists()
    assert not CreditRecord.objects.filter(
        status=RecordStatus.ACTIVE, direction="negative", takedown_on__lte=today
    ).exists()
    assert CreditRecord.objects.filter(status=RecordStatus.ACTIVE, takedown_on__gt=today).exists()
    audited = AuditEntry.objects.filter(
        action="credit.record_status", target_id__in=expired.values("public_id")
    )
    assert audited.count() == expired.count()
    assert f"公示期届满、已自动停止公示的记录：{expired.count()} 条" in output
    # Nothing is left for the daily command.
    out = StringIO()
    call_command("credit_expire", stdout=out)
    assert out.getvalue().startswith("0 条记录公示期届满")


@pytest.mark.django_db
def test_a_second_run_adds_no_records_cases_grades_or_audit_entries():
    _load()
    counts = (
        CreditRecord.objects.count(),
        GradeSnapshot.objects.count(),
        ListEntry.objects.count(),
        Objection.objects.count(),
        RepairApplication.objects.count(),
        IntakeBatch.objects.count(),
        _audit_entries(),
    )

    output = _load()

    assert (
        CreditRecord.objects.count(),
        GradeSnapshot.objects.count(),
        ListEntry.objects.count(),
        Objection.objects.count(),
        RepairApplication.objects.count(),
        IntakeBatch.objects.count(),
        _audit_entries(),
    ) == counts
    assert "信用记录：新增 0 条" in output


@pytest.mark.django_db
def test_without_credit_nothing_is_graded():
    out = StringIO()
    call_command(
        "load_demo",
        "--scale",
        str(SCALE),
        "--no-licences",
        "--no-credit",
        stdout=out,
        stderr=StringIO(),
    )
    assert not CreditRecord.objects.exists()
    assert not GradeSnapshot.objects.exists()
