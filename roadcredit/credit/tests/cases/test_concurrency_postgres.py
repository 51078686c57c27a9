"""PostgreSQL only: two people acting on one case at the same moment — exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona
from roadcredit.core.errors import Conflict
from roadcredit.credit.models import Objection, RepairApplication, RepairStatus
from roadcredit.credit.services.objections import objection_submit
from roadcredit.credit.services.repair import repair_apply, repair_decide
from roadcredit.credit.tests.cases.helpers import days_ago, holder_of
from roadcredit.credit.tests.factories import make_record, rated_operator

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks)"
)


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(action())
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_applications_for_one_record_at_once_make_one():
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    holder, clerk = holder_of(operator), make_persona(Role.CLERK)

    def apply(actor: Any) -> Callable[[], Any]:
        return lambda: repair_apply(
            actor=actor,
            record=record,
            obligations_fulfilled=True,
            obligations_evidence="罚款已缴清",
            commitment_accepted=True,
        )

    results = at_once(apply(holder), apply(clerk))

    assert sum(isinstance(r, RepairApplication) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert RepairApplication.objects.filter(status=RepairStatus.SUBMITTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_at_once_decide_once():
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    application = repair_apply(
        actor=holder_of(operator),
        record=record,
        obligations_fulfilled=True,
        obligations_evidence="罚款已缴清",
        commitment_accepted=True,
    )
    officer = make_persona(Role.CREDIT_OFFICER)

    results = at_once(
        lambda: repair_decide(
            actor=officer, application=application, approve=True, reason="准予修复"
        ),
        lambda: repair_decide(
            actor=officer, application=application, approve=False, reason="不予修复"
        ),
    )

    assert sum(isinstance(r, RepairApplication) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1


@pytest.mark.django_db(transaction=True)
def test_an_objection_racing_a_repair_decision_leaves_a_consistent_record():
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    holder = holder_of(operator)
    application = repair_apply(
        actor=holder,
        record=record,
        obligations_fulfilled=True,
        obligations_evidence="罚款已缴清",
        commitment_accepted=True,
    )
    officer = make_persona(Role.CREDIT_OFFICER)

    results = at_once(
        lambda: repair_decide(
            actor=officer, application=application, approve=True, reason="准予修复"
        ),
        lambda: objection_submit(actor=holder, record=record, grounds="分值计算有误"),
    )

    record.refresh_from_db()
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1, results
    if isinstance(won[0], Objection):
        assert record.status == "under_objection"
    else:
        assert record.status == "repaired"
