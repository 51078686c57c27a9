"""The exchange package for the provincial e-licence library (省电子证照库).

A package holds, for each selected licence that has its e-licence:

* ``licences/<identifier>.pdf`` — the sealed PDF (made and kept on first need, ``licence_pdf``);
* ``catalogue.json`` — one entry per licence: identifier, type code, number, holder code type,
  holder code and holder (masked where personal), issuer and issuer code, dates, status, version
  and predecessor (关联证照标识), the file's path and SHA-256, and the QR text;
* ``trust-list.json`` — the published trust list (keys and certificates that verify the seals
  and QR tokens).

``licence_export_to_directory`` writes it into a directory (the ``export_licences`` command);
``licence_export_zip_stream`` yields it as a .zip, piece by piece (the staff download). Both read
the licences in keyset pages of ``PAGE`` rows and hold one PDF at a time, so memory stays
bounded whatever the selection. Each export is recorded in the audit trail (what was selected,
by whom): the PDFs carry full personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import ValidationFailed
from roadcredit.elicences.models import HolderKind, Licence, LicenceStatus
from roadcredit.elicences.selectors import holder_public_name, licence_catalogue
from roadcredit.elicences.verification import trust_list_document
from roadcredit.subjects.identifiers import PLATE_COLOURS

from .pdf_files import licence_pdf

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

PAGE = 100
FORMAT = "roadcredit-elicence-exchange/1"
CATALOGUE_NAME = "catalogue.json"
TRUST_LIST_NAME = "trust-list.json"
PDF_DIR = "licences"
HOLDER_CODE_TYPES = {
    HolderKind.OPERATOR: "统一社会信用代码",
    HolderKind.VEHICLE: "车辆号牌",
    HolderKind.PRACTITIONER: "公民身份号码",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportSelection:
    type_key: str | None = None
    status: str | None = None
    limit: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type_key, "status": self.status, "limit": self.limit}


def export_selection(
    *, type_key: str | None = None, status: str | None = None, limit: int | None = None
) -> ExportSelection:
    """Checked filters; ValidationFailed names the bad one."""
    fields: dict[str, list[str]] = {}
    type_key = (type_key or "").strip() or None
    status = (status or "").strip() or None
    if type_key is not None and type_key not in licence_catalogue():
        fields["type"] = [_("Unknown licence type.")]
    if status is not None and status not in LicenceStatus.values:
        fields["status"] = [_("Unknown licence status.")]
    if limit is not None and limit < 1:
        fields["limit"] = [_("The limit must be a positive number.")]
    if fields:
        raise ValidationFailed.for_fields(_("The export selection has errors."), fields)
    return ExportSelection(type_key=type_key, status=status, limit=limit)


def export_queryset(selection: ExportSelection) -> QuerySet[Licence]:
    """The licences of a selection: those with an e-licence, oldest first."""
    licences = Licence.objects.filter(has_electronic=True)
    if selection.type_key:
        licences = licences.filter(type_key=selection.type_key)
    if selection.status:
        licences = licences.filter(status=selection.status)
    return licences.order_by("pk")


def export_count(selection: ExportSelection) -> int:
    count = export_queryset(selection).count()
    return min(count, selection.limit) if selection.limit is not None else count


def _pages(selection: ExportSelection) -> Iterator[Licence]:
    """The selection in keyset pages (no long-lived cursor: sealing a PDF writes meanwhile)."""
    remaining = selection.limit
    last = 0
    while remaining is None or remaining > 0:
        size = PAGE if remaining is None else min(PAGE, remaining)
        page = list(
            export_queryset(selection)
            .filter(pk__gt=last)
            .select_related("operator", "vehicle__operator", "practitioner", "predecessor")[:size]
        )
        if not page:
            return
        yield from page
        last = page[-1].pk
        if remaining is not None:
            remaining -= len(page)


def pdf_name(licence: Licence) -> str:
    return f"{PDF_DIR}/{licence.identifier}.pdf"


def _holder_code(licence: Licence) -> str:
    if licence.holder_kind == HolderKind.OPERATOR and licence.operator is not None:
        return licence.operator.uscc
    if licence.holder_kind == HolderKind.VEHICLE and licence.vehicle is not None:
        colour = PLATE_COLOURS.get(licence.vehicle.plate_colour, "")
        return f"{licence.vehicle.plate}（{colour}）" if colour else licence.vehicle.plate
    if licence.practitioner is not None:
        return licence.practitioner.id_number_masked
    return ""


def catalogue_entry(licence: Licence, *, sha256: str) -> dict[str, Any]:
    """The catalogue entry of one licence (no personal data in the clear)."""
    catalogue = licence_catalogue()
    licence_type = catalogue[licence.type_key]
    predecessor = licence.predecessor
    return {
        "identifier": licence.identifier,
        "type_code": licence.type_code,
        "type_key": licence.type_key,
        "type_name": licence_type.name_zh,
        "number": licence.paper_number,
        "version": licence.version,
        "predecessor_identifier": predecessor.identifier if predecessor is not None else None,
        "holder_code_type": HOLDER_CODE_TYPES[HolderKind(licence.holder_kind)],
        "holder_code": _holder_code(licence),
        "holder": holder_public_name(licence),
        "issuer": catalogue.issuer.name,
        "issuer_code": catalogue.issuer.uscc,
        "issued_on": licence.issued_on.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "file": pdf_name(licence),
        "sha256": sha256,
        "qr_text": licence.qr_text,
    }


def _package_head(selection: ExportSelection, generated_at: dt.datetime) -> dict[str, Any]:
    issuer = licence_catalogue().issuer
    return {
        "format": FORMAT,
        "issuer": {"name": issuer.name, "uscc": issuer.uscc, "division": issuer.division},
        "generated_at": timezone.localtime(generated_at).isoformat(timespec="seconds"),
        "selection": selection.as_dict(),
        "trust_list": TRUST_LIST_NAME,
    }


class _CatalogueWriter:
    """Writes ``catalogue.json`` one entry at a time: head fields, then ``licences: [...]``,
    then ``count`` (known only at the end)."""

    def __init__(self, write: Callable[[bytes], object], head: dict[str, Any]) -> None:
        self._write = write
        self.count = 0
        text = json.dumps(head, ensure_ascii=False, indent=1)
        self._write((text[:-2] + ',\n "licences": [').encode("utf-8"))

    def add(self, entry: dict[str, Any]) -> None:
        prefix = "\n  " if self.count == 0 else ",\n  "
        self._write((prefix + json.dumps(entry, ensure_ascii=False)).encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        self._write(f'\n ],\n "count": {self.count}\n}}\n'.encode())


def _trust_list_bytes() -> bytes:
    return json.dumps(trust_list_document(), ensure_ascii=False, indent=1).encode("utf-8")


def _audit_export(
    *, actor: User | None, selection: ExportSelection, target: str, count: int
) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="elicences.licence_export",
            target_type="elicences.exportpackage",
            target_id=target[:80],
            after={**selection.as_dict(), "count": count},
        )


def _sealed(selection: ExportSelection) -> Iterator[tuple[Licence, bytes, str]]:
    for licence in _pages(selection):
        pdf = licence_pdf(licence=licence)
        yield licence, pdf, hashlib.sha256(pdf).hexdigest()


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    count: int
    catalogue: Path
    trust_list: Path


def licence_export_to_directory(
    *,
    actor: User | None,
    out_dir: Path,
    selection: ExportSelection,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the package into ``out_dir`` (created if missing; files of the same names are
    replaced)."""
    total = export_count(selection)
    _audit_export(actor=actor, selection=selection, target=str(out_dir), count=total)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PDF_DIR).mkdir(exist_ok=True)
    catalogue_path = out_dir / CATALOGUE_NAME
    done = 0
    if progress is not None:
        progress(0, total)
    with catalogue_path.open("wb") as handle:
        writer = _CatalogueWriter(handle.write, _package_head(selection, clock.now()))
        for licence, pdf, digest in _sealed(selection):
            (out_dir / pdf_name(licence)).write_bytes(pdf)
            writer.add(catalogue_entry(licence, sha256=digest))
            done += 1
            if progress is not None:
                progress(done, max(total, done))
        writer.close()
    trust_path = out_dir / TRUST_LIST_NAME
    trust_path.write_bytes(_trust_list_bytes())
    return ExportResult(
        directory=out_dir, count=writer.count, catalogue=catalogue_path, trust_list=trust_path
    )


class _Sink(io.RawIOBase):
    """A write-only, non-seekable stream that hands over what was written since the last call
    (``zipfile`` then writes data descriptors instead of seeking back)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def licence_export_zip_stream(*, actor: User | None, selection: ExportSelection) -> Iterator[bytes]:
    """The package as a .zip, yielded piece by piece (one PDF at a time in memory). The audit
    entry is written before the first byte."""
    _audit_export(
        actor=actor, selection=selection, target="download", count=export_count(selection)
    )
    return _zip_pieces(selection)


def _zip_info(name: str, moment: dt.datetime, *, compress: int) -> zipfile.ZipInfo:
    local = timezone.localtime(moment)
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _zip_pieces(selection: ExportSelection) -> Iterator[bytes]:
    """PDFs first (stored: they are compressed already), then the catalogue, spooled on disk
    meanwhile (its entries are known only as the PDFs go by), then the trust list."""
    sink = _Sink()
    moment = clock.now()
    with (
        tempfile.TemporaryFile() as spool,
        zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        writer = _CatalogueWriter(spool.write, _package_head(selection, moment))
        for licence, pdf, digest in _sealed(selection):
            archive.writestr(_zip_info(pdf_name(licence), moment, compress=zipfile.ZIP_STORED), pdf)
            writer.add(catalogue_entry(licence, sha256=digest))
            yield sink.take()
        writer.close()
        spool.seek(0)
        info = _zip_info(CATALOGUE_NAME, moment, compress=zipfile.ZIP_DEFLATED)
        with archive.open(info, mode="w", force_zip64=True) as catalogue:
            while block := spool.read(1 << 16):
                catalogue.write(block)
                yield sink.take()
        archive.writestr(
            _zip_info(TRUST_LIST_NAME, moment, compress=zipfile.ZIP_DEFLATED), _trust_list_bytes()
        )
    yield sink.take()  # the central directory


def export_file_name(selection: ExportSelection, moment: dt.datetime | None = None) -> str:
    day = timezone.localdate(moment or clock.now())
    part = selection.type_key or "all"
    return f"elicences-{part}-{day:%Y%m%d}.zip"
