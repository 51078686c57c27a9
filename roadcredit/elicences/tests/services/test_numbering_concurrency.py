"""Numbers under concurrent issuance: no duplicate, no gap (row lock on the sequence)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from roadcredit.elicences.identifiers import parse_licence_identifier
from roadcredit.elicences.models import Licence, NumberSequence
from roadcredit.elicences.services.numbering_alloc import sequence_next
from roadcredit.elicences.tests.services.support import freight_operator, issue_business_licence

N_CLERKS = 8


@pytest.mark.django_db
def test_sequential_numbers_have_no_gap_even_after_a_rolled_back_issuance():
    numbers = []
    for index in range(5):
        if index == 2:
            with pytest.raises(RuntimeError), transaction.atomic():
                sequence_next("number:business_licence:370612")
                raise RuntimeError("the clerk's issuance failed after allocating")
        numbers.append(issue_business_licence().paper_number)
    assert [int(n[-7:-1]) for n in numbers] == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_sequence_next_reserves_blocks():
    with transaction.atomic():
        assert sequence_next("test:block", count=10) == 1
        assert sequence_next("test:block", count=5) == 11
    assert NumberSequence.objects.get(scope="test:block").last_value == 15


@pytest.mark.django_db(transaction=True)
def test_sequence_next_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        sequence_next("test:outside")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_clerks_get_distinct_gapless_numbers():
    operators = [freight_operator() for _ in range(N_CLERKS)]
    barrier = threading.Barrier(N_CLERKS)
    errors: list[BaseException] = []

    def clerk(operator) -> None:
        try:
            barrier.wait()
            issue_business_licence(operator)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    licences = list(Licence.objects.all())
    sequences = sorted(int(licence.paper_number[-7:-1]) for licence in licences)
    assert sequences == list(range(1, N_CLERKS + 1))
    serials = sorted(parse_licence_identifier(lic.identifier or "").serial for lic in licences)
    assert len(set(serials)) == N_CLERKS
    assert [int(serial[4:]) for serial in serials] == list(range(1, N_CLERKS + 1))
    slots = {(lic.status_list, lic.status_index) for lic in licences}
    assert len(slots) == N_CLERKS
