"""Kill -9 while the PDF job seals licences, run it again: each licence sealed once (issue #7).

The ``elicences.produce_pdfs`` job hands chunks of licences to forked worker processes that
render, seal and hash them; the job's process alone writes the files, the rows and one audit
entry per chunk (``services/pdf_batch.py``), inside the job chunk's transaction. The job runs
in a real ``manage.py run_job`` process with two workers and chunks of eight licences, and is
SIGKILLed at a named point (``support.Child`` with ``RESILIENCE_PAUSE``): while the workers
seal and before anything is written, after a chunk's files are written but before its rows,
after its rows and audit entry (uncommitted), and right after the commit. The workers must not
outlive the killed process; the job run again must leave exactly what an uninterrupted run
leaves on a clone of the database: one sealed PDF per licence, under its own name, that passes
the project's PDF check and hashes to the recorded SHA-256, one audit listing per licence, no
other file in the storage directory, and an audit chain that verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from roadcredit.audit.models import AuditEntry
from roadcredit.core.jobs import job_submit
from roadcredit.core.models import Job, JobStatus
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.services.pdf_batch import AUDIT_ACTION
from roadcredit.elicences.tests.services.support import (
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.subjects.identifiers import id_number_check_char
from roadcredit.subjects.tests.factories import audit_after, make_practitioner, make_vehicle

from . import states
from .support import (
    Child,
    children_of,
    postgres_only,
    run_command,
    survivors,
    wait_for_backends_to_go,
)
from .test_crash import assert_audit_chain_intact, twin_run

pytestmark = [postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

KIND = "elicences.produce_pdfs"
WORKERS = 2
CHUNK = 8
# Two forked workers and chunks of eight: 48 licences make six chunks, five of them in flight.
ENV = {"ROADCREDIT_PDF_WORKERS": str(WORKERS), "ELICENCE_PDF_CHUNK_SIZE": str(CHUNK)}
PDF = "roadcredit.elicences.services.pdf_batch"

CARRIERS = [
    "烟台顺通物流有限公司",
    "牟平区宏达运输有限公司",
    "烟台安捷危险货物运输有限公司",
    "烟台市牟平区鑫源货运有限公司",
    "牟平区大窑街道李记货运部",
    "烟台海阳路通运输有限公司",
    "烟台东方冷链物流有限公司",
    "牟平区文化街道恒达汽车运输队",
]
DRIVERS = [
    "王建华",
    "李秀英",
    "张志强",
    "刘洋",
    "陈静",
    "杨帆",
    "赵国庆",
    "孙丽娟",
    "周海涛",
    "吴桂芳",
    "郑永刚",
    "冯晓梅",
    "欧阳建国",
    "高振东",
    "林淑华",
    "宋立军",
]


def _id_number(index: int) -> str:
    """A Muping-district ID number with its real check character (one birthday per driver)."""
    birth = dt.date(1968, 3, 9) + dt.timedelta(days=731 * index + 17)
    body = f"370612{birth:%Y%m%d}{index:02d}{1 + 2 * (index % 4)}"
    return body + id_number_check_char(body)


def _district() -> list[Licence]:
    """48 e-licences: a business licence per carrier, a transport certificate for each of their
    16 lorries, a qualification certificate per driver."""
    licences: list[Licence] = []
    for index in range(16):
        carrier = freight_operator(name=f"{CARRIERS[index % 8]}（{index + 1}）")
        licences.append(issue_business_licence(carrier))
        licences.append(issue_transport_certificate(make_vehicle(carrier)))
        driver = make_practitioner(carrier, name=DRIVERS[index], id_number=_id_number(index))
        licences.append(issue_qualification(driver))
    return licences


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)) for path in (root / "licences").rglob("*") if path.is_file()
    }


KILLS = [
    # (the pause, files the killed run leaves on disk, whether its workers are alive at the kill)
    pytest.param({"target": f"{PDF}:_write", "before": True}, 0, True, id="while-the-workers-seal"),
    pytest.param(
        {"target": f"{PDF}:_update_rows", "before": True},
        CHUNK,
        True,
        id="after-a-chunks-files-before-its-rows",
    ),
    pytest.param(
        {"target": f"{PDF}:_write", "after": 2},
        2 * CHUNK,
        True,
        id="after-two-chunks-rows-before-the-commit",
    ),
    pytest.param(
        {"target": "roadcredit.core.jobs.runner:_run_one_chunk", "after": 1},
        48,
        False,
        id="right-after-the-commit",
    ),
]


@pytest.mark.parametrize(("kill", "left_on_disk", "workers_alive"), KILLS)
def test_a_pdf_job_killed_while_sealing_and_run_again_seals_each_licence_once(
    tmp_path: Path, kill: dict[str, Any], left_on_disk: int, workers_alive: bool
) -> None:
    licences = _district()
    job = job_submit(actor=None, kind=KIND, params={}, run="defer")
    argv = ["run_job", job.public_id, "--quiet"]
    expected = twin_run(argv, of="sealing", tmp_path=tmp_path, env=ENV)
    assert len(expected["audited"]) == len(expected["files"]) == 48

    child = Child("command", {"argv": argv}, pause=kill, env=ENV)
    child.expect("PAUSED", timeout=180)
    workers = children_of(child.process.pid)
    child.kill()
    assert child.process.returncode == -signal.SIGKILL
    assert len(workers) == (WORKERS if workers_alive else 0)
    assert survivors(workers) == [], "forked sealing workers outlived the killed job"
    wait_for_backends_to_go()  # also the sockets the workers inherited are closed
    assert len(_stored_files()) == left_on_disk
    committed = Licence.objects.exclude(pdf_sha256="").count()
    assert committed == (0 if workers_alive else 48)

    again = run_command(["run_job", job.public_id, "--quiet", "--stale-minutes", "0"], env=ENV)

    assert again == {"exit": 0}
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and Job.objects.filter(kind=KIND).count() == 1
    assert states.sealing() == expected
    _assert_each_licence_sealed_once(licences)
    assert_audit_chain_intact()


def _assert_each_licence_sealed_once(licences: list[Licence]) -> None:
    """One sealed PDF per licence, under its own name, valid, matching its recorded hash; the
    storage directory holds those files and nothing else."""
    roots = signing.trust_roots()
    stored = Licence.objects.in_bulk([lic.pk for lic in licences])
    assert len(stored) == 48
    for licence in stored.values():
        assert licence.pdf_file.name == f"licences/{licence.issued_on:%Y}/{licence.public_id}.pdf"
        content = Path(licence.pdf_file.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == licence.pdf_sha256
        checked = check_pdf(content, trust_roots=roots)
        assert checked.ok, (licence.identifier, checked.reason_code)
        assert checked.identifier == licence.identifier
    listed = [
        row["licence"]
        for entry in AuditEntry.objects.filter(action=AUDIT_ACTION)
        for row in audit_after(entry)["sealed"]
    ]
    assert sorted(listed) == sorted(str(lic.public_id) for lic in stored.values())
    assert _stored_files() == {lic.pdf_file.name for lic in stored.values()}
