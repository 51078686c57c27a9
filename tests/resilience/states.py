"""Canonical contents of the tables a scenario writes, comparable across databases and runs:
surrogate keys, random public ids, timestamps and ciphertexts (fresh nonces) are left out,
rows are sorted, and references are followed to natural keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Model

from roadcredit.core.models import Job
from roadcredit.credit.jobs import REGRADE_KIND
from roadcredit.credit.models import CreditRecord, GradeSnapshot, IntakeBatch
from roadcredit.elicences.models import Licence, LicenceEvent, NumberSequence
from roadcredit.subjects.models import Operator

VOLATILE = {"id", "public_id", "created_at", "updated_at"}


def _rows(
    model: type[Model], *, exclude: frozenset[str] | set[str] = frozenset(), **filters: Any
) -> list[Any]:
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in VOLATILE | exclude and not f.attname.endswith("_encrypted")
    ]
    rows = model._default_manager.filter(**filters).values_list(*names)
    return sorted(([str(v) for v in row] for row in rows), key=repr)


def _snapshots(*, exclude: set[str]) -> list[Any]:
    """Grade snapshots with their rule set named by its digest (a rule set bootstrapped by a
    killed run keeps its consumed key: the keys may differ, the rules may not)."""
    rows = _rows(GradeSnapshot, exclude={"computed_at", "ruleset_id", *exclude})
    digests = GradeSnapshot.objects.values_list("ruleset__digest", flat=True)
    return [rows, sorted(digests)]


def _job_results(kind: str) -> list[Any]:
    results = Job.objects.filter(kind=kind).values_list("status", "result")
    return sorted(([status, result] for status, result in results), key=repr)


def regrade() -> dict[str, Any]:
    """Every grade snapshot (subject, grade, score, tier, rule set, fingerprint, current?) and
    the regrade jobs' results."""
    snapshots = _snapshots(exclude=set())
    return {"snapshots": snapshots, "jobs": _job_results(REGRADE_KIND)}


def conversion() -> dict[str, Any]:
    """Every licence as registered (its identifier, serial and status slot included: allocated
    from sequences, they show any gap a lost chunk left), its events, and the sequences."""
    licences = _rows(Licence, exclude={"qr_text", "status_changed_at"})
    events = sorted(
        [paper, kind]
        for paper, kind in LicenceEvent.objects.values_list("licence__paper_number", "kind")
    )
    sequences = sorted(NumberSequence.objects.values_list("scope", "last_value"))
    return {"licences": licences, "events": events, "sequences": [list(s) for s in sequences]}


def registry() -> dict[str, Any]:
    """Every operator (identifiers, names, scopes …) as the registry holds it."""
    operators = _rows(Operator)
    scopes = sorted(
        [uscc, code] for uscc, code in Operator.objects.values_list("uscc", "business_scopes__code")
    )
    return {"operators": operators, "scopes": [list(s) for s in scopes]}


def intake() -> dict[str, Any]:
    """The credit records, the batches that brought them and the grades they gave."""
    return {
        "records": _rows(CreditRecord, exclude={"batch_id"}),
        "batches": _rows(IntakeBatch, exclude={"received_at"}),
        # The fingerprint covers the records' public ids (random per run), the reason names
        # the batch's key (consumed by the killed run): both left out.
        "snapshots": _snapshots(exclude={"reason", "input_fingerprint"}),
    }


def sealing() -> dict[str, Any]:
    """Every e-licence's sealed PDF as recorded (its file name carries the licence's public id,
    the same on a twin cloned after issuing), the licences the seal audit entries list (one
    entry each), the files in the licence storage directory, and the PDF jobs' results. The
    hashes differ between runs (a signature holds its signing time) and are checked apart."""
    from django.conf import settings

    from roadcredit.audit.models import AuditEntry
    from roadcredit.elicences.services.pdf_batch import AUDIT_ACTION
    from roadcredit.subjects.tests.factories import audit_after

    licences = sorted(
        [str(public_id), identifier, str(pdf_file), bool(digest)]
        for public_id, identifier, pdf_file, digest in Licence.objects.filter(
            has_electronic=True
        ).values_list("public_id", "identifier", "pdf_file", "pdf_sha256")
    )
    audited = sorted(
        row["licence"]
        for entry in AuditEntry.objects.filter(action=AUDIT_ACTION)
        for row in audit_after(entry)["sealed"]
    )
    root = Path(settings.MEDIA_ROOT)
    files = sorted(
        str(path.relative_to(root)) for path in (root / "licences").rglob("*") if path.is_file()
    )
    return {
        "licences": licences,
        "audited": audited,
        "files": files,
        "jobs": _job_results("elicences.produce_pdfs"),
    }
