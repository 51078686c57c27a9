"""Shared test helpers: in-memory ES256 signers with certificates, fixed claims and times."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from roadcredit.elicences.tokens import LicenceClaims
from roadcredit.elicences.trustlist import (
    KeyStatus,
    TrustedKey,
    TrustIssuer,
    kid_for_certificate,
    trusted_key_from_certificate,
)

UTC = dt.UTC
CHINA = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)
CERT_FROM = dt.datetime(2025, 1, 1, tzinfo=UTC)
CERT_UNTIL = dt.datetime(2035, 1, 1, tzinfo=UTC)
ISSUER = TrustIssuer(name="烟台市牟平区交通运输局", uscc="11370612MB0000001G", division="370612")

# A business licence of the persona operator 烟台鑫达物流有限公司.
BUSINESS_LICENCE_ID = "1.2.156.3005.2.11100000000019713D008.11370612MB0000001G.2026000123.001.F"


class InMemorySigner:
    """The ``tokens.Signer`` shape over a throw-away P-256 key, with a self-signed certificate."""

    alg = -7

    def __init__(
        self,
        *,
        common_name: str = "烟台市牟平区交通运输局 电子证照签名密钥",
        not_before: dt.datetime = CERT_FROM,
        not_after: dt.datetime = CERT_UNTIL,
    ) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .sign(self.private_key, hashes.SHA256())
        )
        self.certificate_der = self.certificate.public_bytes(serialization.Encoding.DER)
        self.kid = kid_for_certificate(self.certificate_der)

    def sign(self, data: bytes) -> bytes:
        der = self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def trusted(
        self,
        *,
        status: KeyStatus = "active",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> TrustedKey:
        return trusted_key_from_certificate(
            self.certificate, status=status, not_before=not_before, not_after=not_after
        )


def licence_claims(**changes: object) -> LicenceClaims:
    values: dict[str, object] = {
        "identifier": BUSINESS_LICENCE_ID,
        "type_key": "business_licence",
        "number": "鲁交运管许可烟字370612000123号",
        "holder": "烟台鑫达物流有限公司",
        "valid_from": dt.date(2026, 3, 1),
        "valid_until": dt.date(2030, 2, 28),
        "status_list": "370612-1",
        "status_index": 123,
        "issued_at": dt.datetime(2026, 3, 1, 10, 0, tzinfo=CHINA),
    }
    values.update(changes)
    return LicenceClaims(**values)  # type: ignore[arg-type]
