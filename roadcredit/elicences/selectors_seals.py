"""Reads of the seal keys for the security administrator's page: every root and seal
certificate with its state and the days left (public data only; no key material)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.utils import timezone

from roadcredit.core import clock

from . import signing
from .signing.keys import EXPIRY_WARNING_DAYS

CertificateKind = Literal["root", "seal"]
# Seals: "active" (seals new licences), "retired" (rotated out, what it sealed still verifies),
# "expired". Roots: "active" (issues new seals), "retired" (still trusted), "expired".
CertificateStatus = Literal["active", "retired", "expired"]


@dataclass(frozen=True)
class SealCertificateRow:
    kind: CertificateKind
    version: int
    kid: str
    common_name: str
    organisation: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    status: CertificateStatus
    days_left: int
    expiring_soon: bool
    root_version: int | None = None


@dataclass(frozen=True)
class SealKeyOverview:
    roots: list[SealCertificateRow]
    seals: list[SealCertificateRow]
    warnings: list[str]
    within_days: int

    @property
    def active_seal(self) -> SealCertificateRow | None:
        return next((row for row in self.seals if row.status == "active"), None)


def _name(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _row(
    *,
    kind: CertificateKind,
    version: int,
    certificate: x509.Certificate,
    newest: bool,
    moment: dt.datetime,
    today: dt.date,
    within_days: int,
    root_version: int | None = None,
) -> SealCertificateRow:
    not_after = certificate.not_valid_after_utc
    status: CertificateStatus
    if not_after <= moment:
        status = "expired"
    elif newest:
        status = "active"
    else:
        status = "retired"
    # The same day count as ``signing.expiry_warnings`` (the certificate's UTC date).
    days_left = (not_after.date() - today).days
    der = certificate.public_bytes(serialization.Encoding.DER)
    return SealCertificateRow(
        kind=kind,
        version=version,
        kid=signing.kid_for_certificate(der).hex(),
        common_name=_name(certificate, NameOID.COMMON_NAME),
        organisation=_name(certificate, NameOID.ORGANIZATION_NAME),
        serial=format(certificate.serial_number, "X"),
        not_before=certificate.not_valid_before_utc,
        not_after=not_after,
        status=status,
        days_left=days_left,
        expiring_soon=status == "active" and days_left <= within_days,
        root_version=root_version,
    )


def seal_key_overview(
    *, at: dt.datetime | None = None, within_days: int = EXPIRY_WARNING_DAYS
) -> SealKeyOverview:
    """Roots and seals, newest first, with the expiry warnings of the active ones."""
    moment = at or clock.now()
    today = timezone.localdate(moment)
    roots = signing.root_certificates()
    seals = signing.all_seals()
    root_rows = [
        _row(
            kind="root",
            version=version,
            certificate=certificate,
            newest=index == len(roots) - 1,
            moment=moment,
            today=today,
            within_days=within_days,
        )
        for index, (version, certificate) in enumerate(roots)
    ]
    seal_rows = [
        _row(
            kind="seal",
            version=seal.version,
            certificate=seal.certificate,
            newest=index == len(seals) - 1,
            moment=moment,
            today=today,
            within_days=within_days,
            root_version=seal.root_version,
        )
        for index, seal in enumerate(seals)
    ]
    return SealKeyOverview(
        roots=root_rows[::-1],
        seals=seal_rows[::-1],
        warnings=signing.expiry_warnings(today=today, within_days=within_days),
        within_days=within_days,
    )
