"""Two clerks acting on one case at once: one wins, the other is told to refresh (row lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.core.errors import Conflict
from roadcredit.licensing.models import Application, Notice, Transition
from roadcredit.licensing.services import application_accept, application_return_for_correction
from roadcredit.licensing.tests.factories import grade_operator, single_data, submitted


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_clerks_acting_on_one_case_at_once_one_wins_the_other_is_told(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application = submitted(owner, single_data("freight_business_new"))
    clerks = [
        personas[Role.CLERK],
        make_user(Role.CLERK, "clerk2", last_name="钱", first_name="受理"),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(index: int) -> None:
        copy = Application.objects.get(pk=application.pk)  # each clerk's own page
        try:
            barrier.wait()
            if index == 0:
                application_accept(actor=clerks[0], application=copy)
            else:
                application_return_for_correction(
                    actor=clerks[1], application=copy, items=[{"item": 1, "key": "premises"}]
                )
            outcomes.append("done")
        except Conflict as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "该申请已被他人处理，请刷新后重试"]
    final = Application.objects.get(pk=application.pk)
    assert final.status in ("accepted", "returned_for_correction")
    assert final.version == application.version + 1
    assert Transition.objects.filter(application=final).count() == 2  # submit + the one winner
    assert Notice.objects.filter(application=final).count() == 1
