"""Kill -9 midway, run again: the result equals an uninterrupted run (issue #7, item 6).

Each scenario prepares its data, clones the database (``twin_database``: PostgreSQL's
``CREATE DATABASE … TEMPLATE``), runs the command uninterrupted on the twin, and on the test
database runs the same command in a child process that is SIGKILLed at a known point in the
middle (``kill_when_paused``: right after the n-th call of an inner function returned, its
writes sent and its transaction still open), then runs the command again as an operator would.
The canonical contents of the tables it writes (``states``) must then be identical on both
databases: same rows, no duplicate, nothing missing, no gap in allocated numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

from roadcredit.audit.services import audit_chain_verify
from roadcredit.core import clock
from roadcredit.core.models import Job, JobStatus
from roadcredit.credit.jobs import REGRADE_KIND
from roadcredit.credit.models import GradeSnapshot
from roadcredit.credit.tests.factories import make_record, make_source
from roadcredit.demo.export import write_import_csv
from roadcredit.demo.generator import DemoDistrict
from roadcredit.demo.loader import demo_load
from roadcredit.elicences.models import Licence, LicenceEvent
from roadcredit.elicences.services.conversion import JOB_KIND as CONVERSION_KIND
from roadcredit.elicences.tests.conversion.support import small_district, write_ledger
from roadcredit.elicences.verification import verify_scanned
from roadcredit.subjects.catalogues import read_business_scopes
from roadcredit.subjects.models import Operator
from roadcredit.subjects.services import business_scopes_load

from . import states
from .support import (
    child_settings,
    kill_when_paused,
    postgres_only,
    run_command,
    state_in,
    twin_database,
    wait_for_backends_to_go,
)

pytestmark = [postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def twin_run(argv: list[str], *, of: str, tmp_path: Path, env: dict[str, str] | None = None) -> Any:
    """Run ``manage.py argv`` uninterrupted on a clone of the database as it is now; return the
    clone's canonical state ``states.<of>()``. The clone gets its own heads file and media."""
    shared = {
        **child_settings(),
        "AUDIT_HEADS_PATH": str(tmp_path / "twin-heads.jsonl"),
        "MEDIA_ROOT": str(tmp_path / "twin-media"),
    }
    with twin_database() as url:
        assert run_command(argv, database_url=url, shared=shared, env=env) == {"exit": 0}
        return state_in(url, of, shared=shared)


def assert_audit_chain_intact() -> None:
    report = audit_chain_verify(record=False)
    assert report.ok, report.summary()


def test_a_batch_regrade_killed_midway_and_resumed_equals_an_uninterrupted_one(tmp_path):
    demo_load(actor=None, scale=0.1, personas=False)
    Operator.objects.update(created_at=clock.now() - dt.timedelta(days=3 * 366))
    for operator, code in zip(
        Operator.objects.order_by("pk")[:60:4], itertools.cycle(["RT-N-007", "RT-N-001"])
    ):
        make_record(
            operator,
            behaviour_code=code,
            occurred_on=clock.today() - dt.timedelta(days=50),
            decided_on=clock.today() - dt.timedelta(days=35),
        )
    argv = ["credit_regrade", "--all", "--chunk", "100"]
    expected = twin_run(argv, of="regrade", tmp_path=tmp_path)
    before = GradeSnapshot.objects.count()

    # Killed in the 4th chunk: 3 chunks committed, the 4th one's snapshots written, uncommitted.
    kill_when_paused(argv, target="roadcredit.credit.jobs:regrade_chunk", after=4)
    wait_for_backends_to_go()
    job = Job.objects.get(kind=REGRADE_KIND)
    assert job.status == JobStatus.RUNNING
    assert job.done == 250 and job.total is not None and job.done < job.total
    assert before < GradeSnapshot.objects.count()

    again = run_command(["credit_regrade", "--resume", job.public_id, "--force"])

    assert again == {"exit": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert states.regrade() == expected
    assert_audit_chain_intact()


def test_a_stock_conversion_killed_midway_and_run_again_equals_an_uninterrupted_one(tmp_path):
    district = small_district(operators=25, vehicles=25, practitioners=10)
    ledger = write_ledger(tmp_path, district.rows())
    argv = ["convert_paper_licences", str(ledger), "--chunk-rows", "12", "--quiet"]
    expected = twin_run(argv, of="conversion", tmp_path=tmp_path)

    # Killed on the 30th licence: chunks 1 and 2 (24 licences) committed, 6 more uncommitted.
    kill_when_paused(
        argv,
        target="roadcredit.elicences.services.conversion:licence_register_existing",
        after=30,
    )
    wait_for_backends_to_go()
    assert Licence.objects.count() == 24
    job = Job.objects.get(kind=CONVERSION_KIND)
    assert job.status == JobStatus.RUNNING

    again = run_command([*argv, "--force"])

    assert again == {"exit": 0}
    assert states.conversion() == expected
    licences = list(Licence.objects.all())
    assert len(licences) == len(district.rows()) == 60
    assert len({lic.number_key for lic in licences}) == 60
    today = clock.now()
    for licence in licences:
        # No half-written licence: each has its identifier, status slot, a QR code that
        # verifies against the register, and exactly one conversion event.
        assert licence.identifier and licence.status_index is not None
        assert verify_scanned(text=licence.qr_text, now=today).verdict == "valid", licence
        assert LicenceEvent.objects.filter(licence=licence).count() == 1
    assert_audit_chain_intact()


def test_a_large_registry_import_killed_midway_and_run_again_equals_an_uninterrupted_one(
    tmp_path,
):
    business_scopes_load(actor=None, catalogue=read_business_scopes())
    district = DemoDistrict(scale=2.0)  # 3,010 operators of the generated district
    path = tmp_path / "经营业户.csv"
    rows = write_import_csv("operator", district.operators(), path)
    argv = ["import_subjects", "--kind", "operator", str(path)]
    expected = twin_run(argv, of="registry", tmp_path=tmp_path)
    assert len(expected["operators"]) == rows == 3010

    # Killed in the write pass after 2 of its 4 chunks of 1,000 rows (the check pass had 4).
    kill_when_paused(
        argv,
        target="roadcredit.exchange.registry_import.operators:OperatorImporter.process",
        after=6,
    )
    wait_for_backends_to_go()
    assert Operator.objects.count() == 0  # all or nothing: the file is one transaction

    again = run_command(argv)

    assert again == {"exit": 0}
    assert states.registry() == expected
    assert_audit_chain_intact()


BULK = {"CREDIT_BULK_MIN_BYTES": "0"}  # every .csv takes the set-based COPY path
CSV_HEADER = [
    "source_ref",
    "uscc",
    "id_number",
    "plate",
    "plate_colour",
    "behaviour_code",
    "points",
    "occurred_on",
    "decision_number",
    "decided_on",
    "description",
]


def _credit_file(tmp_path: Path, operators: list[str]) -> Path:
    """3,000 records of the provincial platform about the district's operators."""
    codes = itertools.cycle(["RT-N-007", "RT-N-011", "RT-N-008", "RT-N-001"])
    occurred = (clock.today() - dt.timedelta(days=60)).isoformat()
    decided = (clock.today() - dt.timedelta(days=45)).isoformat()
    lines = [",".join(CSV_HEADER)]
    for n in range(3000):
        lines.append(
            f"SD-2026-{n:06d},{operators[n % len(operators)]},,,,{next(codes)},,{occurred},"
            f"鲁交执罚〔2026〕{n + 1}号,{decided},牟平区路面执法检查"
        )
    path = tmp_path / "信用记录.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "kill",
    [
        pytest.param(
            {"target": "roadcredit.credit.services.intake_bulk:_apply_staging"},
            id="inside-the-batch-transaction",
        ),
        pytest.param(
            {"target": "roadcredit.credit.services.grading_batch:subjects_regrade", "before": True},
            id="at-the-regrade-of-the-batch",
        ),
    ],
)
def test_a_large_credit_intake_killed_midway_and_run_again_equals_an_uninterrupted_one(
    tmp_path, kill
):
    demo_load(actor=None, scale=0.1, personas=False)
    Operator.objects.update(created_at=clock.now() - dt.timedelta(days=3 * 366))
    make_source("sdcredit")
    active = Operator.objects.filter(status="active").order_by("pk")
    path = _credit_file(tmp_path, list(active.values_list("uscc", flat=True)[:120]))
    argv = ["credit_intake", "--source", "sdcredit", str(path)]
    expected = twin_run(argv, of="intake", tmp_path=tmp_path, env=BULK)
    assert len(expected["records"]) == 3000

    kill_when_paused(argv, env=BULK, **kill)
    wait_for_backends_to_go()

    again = run_command(argv, env=BULK)

    assert again == {"exit": 0}
    assert states.intake() == expected
    assert_audit_chain_intact()
