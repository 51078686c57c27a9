"""The set-based regrade (SQL summary + ``grade_from_summary``) gives exactly ``grade()`` for
every subject, on random subjects and records (hypothesis), under both shipped rule sets."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from roadcredit.core import pii
from roadcredit.core.masking import mask_id_number
from roadcredit.credit.grading import evaluation_period, grade, summary_vector
from roadcredit.credit.models import CreditRecord, GradeSnapshot, RecordStatus
from roadcredit.credit.services.grading import active_ruleset, engine_subject, record_fact
from roadcredit.credit.services.grading_batch import fast_grades, fast_summaries, regrade_chunk
from roadcredit.credit.services.records import bureau_source
from roadcredit.subjects.models import Operator, Practitioner, Qualification, Sex
from roadcredit.subjects.tests.factories import valid_id_number, valid_uscc

AS_OF = dt.date(2026, 6, 30)
CODES = ["RT-N-001", "RT-N-002", "RT-N-004", "RT-N-006", "RT-N-008", "RT-N-024", "RT-P-001"]
_serial = itertools.count(1)

days = st.integers(min_value=-1200, max_value=30)
record_strategy = st.fixed_dictionaries(
    {
        "code": st.sampled_from(CODES),
        # Boundary-heavy: single records that land exactly on the thresholds.
        "points": st.one_of(
            st.sampled_from([0, 1, 9, 10, 11, 19, 20, 21, 39, 40, 41, 60, 61]),
            st.integers(min_value=0, max_value=45),
        ),
        "occurred": days,
        "decided_after": st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
        "status": st.sampled_from([s.value for s in RecordStatus if s != RecordStatus.PENDING]),
        "serious_list": st.booleans(),
    }
)
subject_strategy = st.fixed_dictionaries(
    {
        # operators: days before AS_OF they were registered; drivers: first issue offset
        "anchor": st.one_of(st.none(), st.integers(min_value=-2000, max_value=40)),
        "records": st.lists(record_strategy, max_size=8),
    }
)


def _records(subject_columns: dict[str, Any], records: list[dict[str, Any]]) -> list[CreditRecord]:
    source = bureau_source()
    rows = []
    catalogue = active_ruleset("enterprise")[1].catalogue
    for spec in records:
        behaviour = catalogue.get(spec["code"])
        assert behaviour is not None
        occurred = AS_OF + dt.timedelta(days=spec["occurred"])
        decided = (
            None
            if spec["decided_after"] is None
            else occurred + dt.timedelta(days=spec["decided_after"])
        )
        status = spec["status"] if decided is not None else RecordStatus.PENDING
        rows.append(
            CreditRecord(
                **subject_columns,
                behaviour_code=spec["code"],
                behaviour_name=behaviour.name_zh,
                direction=behaviour.direction,
                severity=behaviour.severity or "",
                points=spec["points"],
                occurred_on=occurred,
                decided_on=decided,
                status=status,
                source=source,
                source_ref=f"P-{next(_serial)}",
                on_serious_list=spec["serious_list"] and behaviour.direction == "negative",
            )
        )
    return CreditRecord.objects.bulk_create(rows)


def _same_summaries(subject: Any, facts: list[Any], ruleset: Any, got: Any) -> None:
    """The SQL summaries equal the engine's reference ``summary_vector`` for each window."""
    plan = evaluation_period(engine_subject(subject), ruleset, AS_OF)
    assert got.plan == plan
    if got.window is not None:  # drivers: the cycles the SQL itself computed
        assert got.window == (plan.rated, plan.start, plan.end, plan.open_start, plan.open_end)
    if plan.start is not None and plan.end is not None:
        assert got.main == summary_vector(
            facts, ruleset, start=plan.start, end=plan.end, as_of=AS_OF
        )
    if plan.open_start is not None and plan.open_end is not None:
        assert got.running == summary_vector(
            facts, ruleset, start=plan.open_start, end=plan.open_end, as_of=AS_OF
        )


def _written_snapshots_match(scheme: str, subjects: list[Any], expected: dict[int, Any]) -> None:
    """The batch regrade stores, for every subject, the engine's grade and input fingerprint
    (on PostgreSQL both computed in SQL by the set-based writer), and a second run with
    nothing changed writes nothing."""
    row, ruleset = active_ruleset(scheme)
    column = "operator" if scheme == "enterprise" else "practitioner"
    at = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(20)))
    pks = sorted(s.pk for s in subjects)
    outcome = regrade_chunk(
        scheme=scheme,
        row=row,
        ruleset=ruleset,
        as_of=AS_OF,
        only=pks,
        limit=len(pks),
        reason="全量评级",
        at=at,
    )
    assert outcome.changed == len(pks)
    for subject in subjects:
        snapshot = GradeSnapshot.objects.get(is_current=True, **{column: subject})
        result = expected[subject.pk]
        assert (snapshot.grade, snapshot.score, snapshot.rated, snapshot.tier) == (
            result.grade,
            result.score,
            result.rated,
            result.tier,
        )
        assert snapshot.input_fingerprint == result.input_fingerprint
        assert snapshot.as_of == AS_OF and snapshot.ruleset_id == row.pk
    again = regrade_chunk(
        scheme=scheme,
        row=row,
        ruleset=ruleset,
        as_of=AS_OF,
        only=pks,
        limit=len(pks),
        reason="全量评级",
        at=at,
    )
    assert again.changed == 0


class FastPathTests(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(subjects=st.lists(subject_strategy, min_size=1, max_size=6))
    def test_the_enterprise_fast_path_gives_the_engines_grade(
        self, subjects: list[dict[str, Any]]
    ) -> None:
        _row, ruleset = active_ruleset("enterprise")
        operators = []
        for spec in subjects:
            n = next(_serial)
            operator = Operator.objects.create(
                uscc=valid_uscc(n),
                name=f"烟台测试运输有限公司{n}",
                kind="enterprise",
                legal_representative="王建华",
                address="山东省烟台市牟平区",
                division_code="370612",
            )
            offset = spec["anchor"] if spec["anchor"] is not None else -400
            created = timezone.make_aware(
                dt.datetime.combine(AS_OF + dt.timedelta(days=offset), dt.time(10))
            )
            Operator.objects.filter(pk=operator.pk).update(created_at=created)
            operator.refresh_from_db()
            _records({"subject_kind": "operator", "operator": operator}, spec["records"])
            operators.append(operator)
        fast = {g.pk: g for g in fast_grades("enterprise", ruleset, AS_OF)}
        sums = {s.pk: s for s in fast_summaries("enterprise", ruleset, AS_OF)}
        results = {}
        for operator in operators:
            facts = [record_fact(r) for r in CreditRecord.objects.filter(operator=operator)]
            expected = grade(engine_subject(operator), facts, ruleset, AS_OF, explain=False)
            results[operator.pk] = expected
            got = fast[operator.pk]
            _same_summaries(operator, facts, ruleset, sums[operator.pk])
            assert (got.grade, got.score, got.rated, got.tier) == (
                expected.grade,
                expected.score,
                expected.rated,
                expected.tier,
            )
        _written_snapshots_match("enterprise", operators, results)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(subjects=st.lists(subject_strategy, min_size=1, max_size=6))
    def test_the_driver_fast_path_gives_the_engines_grade(
        self, subjects: list[dict[str, Any]]
    ) -> None:
        _row, ruleset = active_ruleset("driver")
        drivers = []
        for spec in subjects:
            n = next(_serial)
            number = valid_id_number(serial=n)
            driver = Practitioner.objects.create(
                name="张伟",
                id_number_encrypted=pii.encrypt(number, purpose="id_number"),
                id_number_index=pii.blind_index(number + str(n), purpose="id_number"),
                id_number_masked=mask_id_number(number),
                birth_date=dt.date(1986, 7, 21),
                sex=Sex.MALE,
            )
            if spec["anchor"] is not None:
                first = AS_OF + dt.timedelta(days=spec["anchor"])
                Qualification.objects.create(
                    practitioner=driver, category="freight", first_issue_date=first
                )
                Qualification.objects.create(
                    practitioner=driver,
                    category="dg_escort",
                    first_issue_date=first - dt.timedelta(days=400),
                )
            _records({"subject_kind": "practitioner", "practitioner": driver}, spec["records"])
            drivers.append(driver)
        fast = {g.pk: g for g in fast_grades("driver", ruleset, AS_OF)}
        sums = {s.pk: s for s in fast_summaries("driver", ruleset, AS_OF)}
        results = {}
        for driver in drivers:
            facts = [record_fact(r) for r in CreditRecord.objects.filter(practitioner=driver)]
            expected = grade(engine_subject(driver), facts, ruleset, AS_OF, explain=False)
            results[driver.pk] = expected
            got = fast[driver.pk]
            _same_summaries(driver, facts, ruleset, sums[driver.pk])
            assert (got.grade, got.score, got.rated, got.tier) == (
                expected.grade,
                expected.score,
                expected.rated,
                expected.tier,
            )
        _written_snapshots_match("driver", drivers, results)


class ThresholdTests(TestCase):
    def test_scores_on_every_threshold_grade_alike_in_sql_and_in_the_engine(self) -> None:
        _row, ruleset = active_ruleset("enterprise")
        operators = []
        for points in (0, 9, 10, 11, 19, 20, 21, 39, 40, 41, 59, 60, 61, 70):
            for code in ("RT-N-008", "RT-N-024"):  # general (bad conduct) and minor
                n = next(_serial)
                operator = Operator.objects.create(
                    uscc=valid_uscc(n),
                    name=f"烟台边界运输有限公司{n}",
                    kind="enterprise",
                    legal_representative="李秀英",
                    address="山东省烟台市牟平区",
                    division_code="370612",
                )
                Operator.objects.filter(pk=operator.pk).update(
                    created_at=dt.datetime(2020, 1, 1, 1, tzinfo=dt.UTC)
                )
                operator.refresh_from_db()
                spec = {
                    "code": code,
                    "points": points,
                    "occurred": -30,
                    "decided_after": 3,
                    "status": "active",
                    "serious_list": False,
                }
                _records(
                    {"subject_kind": "operator", "operator": operator}, [spec] if points else []
                )
                operators.append(operator)
        fast = {g.pk: g for g in fast_grades("enterprise", ruleset, AS_OF)}
        for operator in operators:
            facts = [record_fact(r) for r in CreditRecord.objects.filter(operator=operator)]
            expected = grade(engine_subject(operator), facts, ruleset, AS_OF, explain=False)
            got = fast[operator.pk]
            assert (got.grade, got.score) == (expected.grade, expected.score)


class DriverCycleWindowTests(TestCase):
    """The cycle windows the SQL computes (``driver_windows_sql``) are the engine's
    ``evaluation_period`` on the awkward days: month ends, 29 February, the anniversary itself,
    the day before it, an anchor after the as-of date, no driving qualification."""

    ANCHORS = (
        dt.date(2024, 2, 29),
        dt.date(2023, 1, 31),
        dt.date(2020, 3, 31),
        dt.date(2021, 8, 31),
        dt.date(2019, 12, 31),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 1),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 1),
        None,
    )
    AS_OF_DAYS = (
        dt.date(2026, 6, 30),
        dt.date(2026, 6, 29),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 1),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2024, 2, 29),
    )

    def test_sql_cycles_equal_the_engines_on_month_ends_and_anniversaries(self) -> None:
        _row, ruleset = active_ruleset("driver")
        drivers = {}
        for anchor in self.ANCHORS:
            n = next(_serial)
            number = valid_id_number(serial=n)
            driver = Practitioner.objects.create(
                name="刘洋",
                id_number_encrypted=pii.encrypt(number, purpose="id_number"),
                id_number_index=pii.blind_index(number + str(n), purpose="id_number"),
                id_number_masked=mask_id_number(number),
                birth_date=dt.date(1979, 3, 8),
                sex=Sex.MALE,
            )
            if anchor is not None:
                Qualification.objects.create(
                    practitioner=driver, category="passenger", first_issue_date=anchor
                )
            else:  # an escort's certificate is not a driving qualification: no cycle
                Qualification.objects.create(
                    practitioner=driver, category="dg_escort", first_issue_date=dt.date(2015, 5, 4)
                )
            drivers[driver.pk] = driver
        checked = 0
        for as_of in self.AS_OF_DAYS:
            for got in fast_summaries("driver", ruleset, as_of):
                plan = evaluation_period(engine_subject(drivers[got.pk]), ruleset, as_of)
                expected = (plan.rated, plan.start, plan.end, plan.open_start, plan.open_end)
                assert got.window == expected, (drivers[got.pk], as_of)
                checked += 1
        assert checked == len(self.ANCHORS) * len(self.AS_OF_DAYS)
        # The 29 February anchor: its cycles start on 28 February in common years.
        leap = next(pk for pk, d in drivers.items() if engine_subject(d).anchor == self.ANCHORS[0])
        (got,) = fast_summaries("driver", ruleset, dt.date(2026, 6, 30), only=[leap], limit=1)
        assert got.window == (
            True,
            dt.date(2025, 2, 28),
            dt.date(2026, 2, 27),
            dt.date(2026, 2, 28),
            dt.date(2027, 2, 27),
        )
