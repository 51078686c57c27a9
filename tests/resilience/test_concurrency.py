"""Several real processes on one PostgreSQL database at the same moment (issue #7, item 5).

Each child is its own Python process with its own database session (``support.Child``); they
are released together by a barrier across processes (``READY`` … ``GO``), so the row locks and
unique constraints are what keeps them apart, as between gunicorn workers in production.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.core import clock
from roadcredit.core.models import Job, JobStatus
from roadcredit.credit.grading import grade
from roadcredit.credit.jobs import REGRADE_KIND
from roadcredit.credit.models import CreditRecord, GradeSnapshot, IntakeBatch
from roadcredit.credit.services.grading import active_ruleset, engine_subject, facts_for
from roadcredit.credit.tests.factories import make_source
from roadcredit.demo.loader import demo_load
from roadcredit.elicences.identifiers import parse_licence_identifier
from roadcredit.elicences.models import Licence, LicenceEvent, NumberSequence
from roadcredit.elicences.tests.services.support import freight_operator
from roadcredit.licensing.models import Application, Notice, Transition
from roadcredit.licensing.services.common import STALE_MESSAGE
from roadcredit.licensing.tests.factories import freight_operator as licensing_freight_operator
from roadcredit.licensing.tests.factories import grade_operator, single_data, submitted
from roadcredit.subjects.models import Operator, Practitioner

from .support import Child, all_at_once, postgres_only

pytestmark = [postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ISSUERS = 4
LICENCES_EACH = 5


def test_licences_of_one_type_issued_from_four_processes_get_every_number_once():
    operators = [freight_operator().pk for _ in range(ISSUERS * LICENCES_EACH)]
    children = [
        Child(
            "issue",
            {
                "type_key": "business_licence",
                "holders": operators[n * LICENCES_EACH : (n + 1) * LICENCES_EACH],
            },
        )
        for n in range(ISSUERS)
    ]

    results = all_at_once(children)

    numbers = [number for result in results for number in result]
    licences = list(Licence.objects.filter(type_key="business_licence"))
    total = ISSUERS * LICENCES_EACH
    assert sorted(numbers) == sorted(lic.paper_number for lic in licences)
    # 鲁交运管许可烟字370612……号: the six-digit sequence runs 1…20, no repeat, no hole.
    assert sorted(int(number[-7:-1]) for number in numbers) == list(range(1, total + 1))
    serials = sorted(
        int(parse_licence_identifier(lic.identifier or "").serial[4:]) for lic in licences
    )
    assert serials == list(range(1, total + 1))
    assert len({(lic.status_list, lic.status_index) for lic in licences}) == total
    assert LicenceEvent.objects.filter(kind="issue").count() == total
    assert NumberSequence.objects.get(scope="number:business_licence:370612").last_value == total


def _clerk_moves(
    application: Application, moves: list[tuple[str, str, dict[str, Any]]]
) -> list[Child]:
    return [
        Child(
            "application",
            {
                "application": application.pk,
                "version": application.version,
                "actor": actor,
                "service": service,
                "kwargs": kwargs,
            },
        )
        for actor, service, kwargs in moves
    ]


def test_two_clerks_moving_one_application_at_once_one_wins_the_other_is_told(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    other_owner = make_user(
        Role.OPERATOR, "hongda", operator=licensing_freight_operator(name="牟平区宏达运输有限公司")
    )
    both_accept = submitted(owner, single_data("freight_business_new"))
    accept_or_refuse = submitted(other_owner, single_data("freight_business_new"))
    clerk_wang = personas[Role.CLERK].username
    clerk_qian = make_user(Role.CLERK, "clerk_qian", last_name="钱", first_name="受理").username
    refuse = {"reason": "申请事项不属于本机关职权范围"}

    results = all_at_once(
        _clerk_moves(
            both_accept,
            [(clerk_wang, "application_accept", {}), (clerk_qian, "application_accept", {})],
        )
        + _clerk_moves(
            accept_or_refuse,
            [
                (clerk_wang, "application_accept", {}),
                (clerk_qian, "application_not_accept", refuse),
            ],
        )
    )

    for application, pair in ((both_accept, results[:2]), (accept_or_refuse, results[2:])):
        won = [r["ok"] for r in pair if "ok" in r]
        told = [r for r in pair if "error" in r]
        assert len(won) == 1 and len(told) == 1, pair
        assert told[0] == {"error": "Conflict", "message": STALE_MESSAGE}
        final = Application.objects.get(pk=application.pk)
        assert final.status == won[0]
        assert final.version == application.version + 1
        assert Transition.objects.filter(application=final).count() == 2  # submit + the winner
        assert Notice.objects.filter(application=final).count() == 1


def test_the_same_credit_batch_pushed_twice_at_once_makes_one_set_of_records():
    operators = [freight_operator() for _ in range(5)]
    Operator.objects.update(created_at=clock.now() - dt.timedelta(days=3 * 366))
    source = make_source()
    occurred = (clock.today() - dt.timedelta(days=40)).isoformat()
    decided = (clock.today() - dt.timedelta(days=30)).isoformat()
    records = [
        {
            "source_ref": f"SD-20260601-{n:04d}",
            "uscc": operators[n % 5].uscc,
            "behaviour_code": "RT-N-011",
            "occurred_on": occurred,
            "decision_number": f"鲁交执罚〔2026〕{n}号",
            "decided_on": decided,
        }
        for n in range(300)
    ]
    push = {"source": source.code, "records": records, "batch_key": "SD-20260601-07"}

    results = all_at_once([Child("intake", push), Child("intake", push)])

    assert [r.get("ok") for r in results] == [results[0]["ok"]] * 2, results
    assert IntakeBatch.objects.count() == 1
    assert IntakeBatch.objects.get().created_count == 300
    assert CreditRecord.objects.count() == 300
    for operator in operators:
        assert GradeSnapshot.objects.filter(operator=operator, is_current=True).count() == 1


def test_a_record_added_while_the_batch_regrade_runs_counts_in_the_final_grade():
    demo_load(actor=None, scale=0.1, personas=False)
    Operator.objects.update(created_at=clock.now() - dt.timedelta(days=3 * 366))
    operators = list(Operator.objects.order_by("pk").values_list("pk", flat=True))
    targets = operators[5::10]  # spread over both operator chunks of the regrade
    occurred = (clock.today() - dt.timedelta(days=40)).isoformat()
    decided = (clock.today() - dt.timedelta(days=30)).isoformat()
    entries = [
        {
            "behaviour_code": "RT-N-007",
            "occurred_on": occurred,
            "decided_on": decided,
            "decision_number": f"牟交罚决字〔2026〕{700 + n}号",
            "description": "牟平区宁海街道正阳路路面检查发现未按规定维护车辆",
        }
        for n in range(len(targets))
    ]
    regrade = Child(
        "command",
        {"argv": ["credit_regrade", "--all", "--chunk", "100"]},
        pause={"target": "roadcredit.credit.jobs:regrade_chunk", "sleep": 0.4},
    )
    officer = Child("records", {"operators": targets, "records": entries, "gap": 0.05})
    officer.expect("READY")
    regrade.expect("CALLED 1", timeout=120)  # the first chunk is written, not yet committed
    officer.go()

    created = officer.result()
    # Every record went in while the regrade was still going (the race really happened).
    assert Job.objects.get(kind=REGRADE_KIND).status == JobStatus.RUNNING
    assert regrade.result(timeout=180) == {"exit": 0}

    assert len(created) == len(targets)
    as_of = clock.today()
    ruleset = active_ruleset("enterprise")[1]
    for operator in Operator.objects.all():
        current = GradeSnapshot.objects.filter(is_current=True, operator=operator)
        assert current.count() == 1, operator.pk
        expected = grade(engine_subject(operator), facts_for(operator, as_of=as_of), ruleset, as_of)
        snapshot = current.get()
        assert (snapshot.grade, snapshot.score, snapshot.input_fingerprint) == (
            expected.grade,
            expected.score,
            expected.input_fingerprint,
        ), operator.pk
    practitioners = Practitioner.objects.count()
    assert (
        GradeSnapshot.objects.filter(is_current=True, practitioner__isnull=False)
        .values("practitioner")
        .distinct()
        .count()
        == practitioners
    )
    assert GradeSnapshot.objects.filter(is_current=True, practitioner__isnull=False).count() == (
        practitioners
    )
    graded_after = GradeSnapshot.objects.filter(is_current=True, operator_id__in=targets)
    assert {s.grade for s in graded_after} == {"A"}  # 85 points: every new record counted
