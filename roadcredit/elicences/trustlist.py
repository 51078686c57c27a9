"""The published trust list: which keys sign licence QR tokens and status lists — pure, no Django.

Offline verifiers download this JSON document from a stable URL and keep it; a token verifies
when its key id (kid) is on the list, the key was in its signing period when the token was
issued, and the key is not revoked. Format (``FORMAT``)::

    {
      "format": "roadcredit.trust-list.v1",
      "issuer": {"name": "烟台市牟平区交通运输局", "uscc": "…", "division": "370612"},
      "issued_at": "2026-03-01T08:00:00+08:00",
      "keys": [
        {
          "kid": "base64 of 8 bytes",            # kid_for_certificate(certificate DER)
          "alg": -7,                             # COSE ES256 (ECDSA P-256 + SHA-256)
          "certificate": "base64 DER (or PEM)",  # X.509, EC P-256 public key
          "not_before": "2026-03-01T00:00:00+08:00",  # signing period of the key
          "not_after": "2028-03-01T00:00:00+08:00",
          "status": "active"                     # active | retired | revoked
        }
      ]
    }

* ``kid`` is the first 8 bytes of SHA-256 over the certificate's DER (as the EU Digital COVID
  Certificate does); the loader recomputes it and refuses an entry whose kid does not match.
  Signers (``signing.py``) must use ``kid_for_certificate`` for their ``kid``.
* ``not_before``/``not_after`` bound the period in which the key may sign (it must lie inside
  the certificate's validity). Tokens signed in that period stay verifiable after it — a licence
  token proves the licence for the licence's whole validity — as long as the key is listed.
* ``retired`` keys no longer sign but still verify; ``revoked`` keys (compromised) verify
  nothing: every token they signed is rejected.

``TrustStore`` parses every certificate once and keeps the public keys by kid, so verifying a
token costs one dictionary lookup, not a certificate parse.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "ALG_ES256",
    "FORMAT",
    "KeyStatus",
    "TrustIssuer",
    "TrustListError",
    "TrustStore",
    "TrustedKey",
    "kid_for_certificate",
    "trusted_key_from_certificate",
]

FORMAT = "roadcredit.trust-list.v1"
ALG_ES256 = -7
KID_LENGTH = 8
KeyStatus = Literal["active", "retired", "revoked"]
KEY_STATUSES: tuple[KeyStatus, ...] = ("active", "retired", "revoked")


class TrustListError(ValueError):
    """The trust list document is malformed; the message (Chinese) says where and why."""


def kid_for_certificate(certificate_der: bytes) -> bytes:
    """The key id of a signing certificate: first 8 bytes of SHA-256 over its DER."""
    return hashlib.sha256(certificate_der).digest()[:KID_LENGTH]


@dataclass(frozen=True)
class TrustIssuer:
    name: str
    uscc: str
    division: str


@dataclass(frozen=True)
class TrustedKey:
    kid: bytes
    alg: int
    public_key: ec.EllipticCurvePublicKey
    not_before: dt.datetime
    not_after: dt.datetime
    status: KeyStatus
    certificate_der: bytes
    subject: str

    def may_have_signed_at(self, moment: dt.datetime) -> bool:
        """True when ``moment`` lies in the key's signing period."""
        return self.not_before <= moment <= self.not_after


def _aware(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise TrustListError(f"{what}必须带时区")
    return value


def trusted_key_from_certificate(
    certificate: x509.Certificate | bytes,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    status: KeyStatus = "active",
) -> TrustedKey:
    """A trust entry for an ES256 signing certificate (signing period defaults to its validity)."""
    if isinstance(certificate, bytes):
        try:
            certificate = x509.load_der_x509_certificate(certificate)
        except ValueError as exc:
            raise TrustListError(f"证书无法解析：{exc}") from None
    der = certificate.public_bytes(serialization.Encoding.DER)
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
        public_key.curve, ec.SECP256R1
    ):
        raise TrustListError("证书公钥不是 ECDSA P-256 密钥，不能用于 ES256")
    cert_from = certificate.not_valid_before_utc
    cert_until = certificate.not_valid_after_utc
    start = _aware(not_before, "密钥启用时间") if not_before else cert_from
    end = _aware(not_after, "密钥停用时间") if not_after else cert_until
    if start >= end:
        raise TrustListError("密钥启用时间应早于停用时间")
    if start < cert_from or end > cert_until:
        raise TrustListError("密钥签名期限超出证书有效期")
    if status not in KEY_STATUSES:
        raise TrustListError(f"密钥状态“{status}”无效，应为 active、retired 或 revoked")
    return TrustedKey(
        kid=kid_for_certificate(der),
        alg=ALG_ES256,
        public_key=public_key,
        not_before=start,
        not_after=end,
        status=status,
        certificate_der=der,
        subject=certificate.subject.rfc4514_string(),
    )


class TrustStore:
    """The keys of one trust list, parsed once and looked up by kid."""

    def __init__(
        self,
        keys: Iterable[TrustedKey],
        *,
        issuer: TrustIssuer | None = None,
        issued_at: dt.datetime | None = None,
    ) -> None:
        self.issuer = issuer
        self.issued_at = issued_at
        self._keys: dict[bytes, TrustedKey] = {}
        for key in keys:
            if key.kid in self._keys:
                raise TrustListError(f"密钥标识 {_b64(key.kid)} 重复")
            self._keys[key.kid] = key

    def get(self, kid: bytes) -> TrustedKey | None:
        return self._keys.get(kid)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self._keys.values())

    # -- the JSON document ---------------------------------------------------------------

    @classmethod
    def from_document(cls, document: str | bytes | Mapping[str, Any]) -> TrustStore:
        """Parse and check a trust list document (JSON text or the decoded mapping)."""
        if isinstance(document, str | bytes):
            try:
                data = json.loads(document)
            except (ValueError, RecursionError) as exc:
                raise TrustListError(f"信任列表不是有效的 JSON：{exc}") from None
        else:
            data = document
        if not isinstance(data, Mapping):
            raise TrustListError("信任列表格式错误：顶层应为对象")
        if data.get("format") != FORMAT:
            raise TrustListError(f"信任列表格式版本应为 {FORMAT}，实为“{data.get('format')}”")
        issuer = _parse_issuer(data.get("issuer"))
        issued_at = _parse_time(data.get("issued_at"), "信任列表发布时间")
        entries = data.get("keys")
        if not isinstance(entries, list):
            raise TrustListError("信任列表缺少 keys 列表")
        return cls(
            (_parse_key(entry, position) for position, entry in enumerate(entries, start=1)),
            issuer=issuer,
            issued_at=issued_at,
        )

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready document (certificates as base64 DER)."""
        return {
            "format": FORMAT,
            "issuer": (
                {
                    "name": self.issuer.name,
                    "uscc": self.issuer.uscc,
                    "division": self.issuer.division,
                }
                if self.issuer
                else None
            ),
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "keys": [
                {
                    "kid": _b64(key.kid),
                    "alg": key.alg,
                    "certificate": _b64(key.certificate_der),
                    "not_before": key.not_before.isoformat(),
                    "not_after": key.not_after.isoformat(),
                    "status": key.status,
                }
                for key in self
            ],
        }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise TrustListError(f"{what}缺失或不是文本")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise TrustListError(f"{what}不是有效的 Base64") from None


def _parse_time(value: object, what: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TrustListError(f"{what}应为 ISO 8601 时间文本")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise TrustListError(f"{what}“{value}”不是有效的 ISO 8601 时间") from None
    return _aware(moment, what)


def _parse_issuer(value: object) -> TrustIssuer | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TrustListError("信任列表的 issuer 应为对象")
    fields = [value.get(name) for name in ("name", "uscc", "division")]
    if not all(isinstance(field, str) and field for field in fields):
        raise TrustListError("信任列表的 issuer 应包含 name、uscc、division")
    name, uscc, division = (str(field) for field in fields)
    return TrustIssuer(name=name, uscc=uscc, division=division)


def _load_certificate(value: object, where: str) -> x509.Certificate:
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        try:
            return x509.load_pem_x509_certificate(value.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise TrustListError(f"{where}的证书（PEM）无法解析") from None
    der = _unb64(value, f"{where}的证书")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise TrustListError(f"{where}的证书（DER）无法解析") from None


def _parse_key(entry: object, position: int) -> TrustedKey:
    where = f"信任列表第 {position} 个密钥"
    if not isinstance(entry, Mapping):
        raise TrustListError(f"{where}格式错误")
    kid = _unb64(entry.get("kid"), f"{where}的密钥标识")
    alg = entry.get("alg")
    if alg != ALG_ES256 or isinstance(alg, bool):
        raise TrustListError(f"{where}的算法“{alg}”不受支持（仅支持 ES256，即 -7）")
    status = entry.get("status", "active")
    if status not in KEY_STATUSES:
        raise TrustListError(f"{where}的状态“{status}”无效，应为 active、retired 或 revoked")
    not_before = _parse_time(entry.get("not_before"), f"{where}的启用时间")
    not_after = _parse_time(entry.get("not_after"), f"{where}的停用时间")
    certificate = _load_certificate(entry.get("certificate"), where)
    try:
        key = trusted_key_from_certificate(
            certificate, not_before=not_before, not_after=not_after, status=status
        )
    except TrustListError as exc:
        raise TrustListError(f"{where}：{exc}") from None
    if key.kid != kid:
        raise TrustListError(f"{where}的密钥标识与证书不符")
    return key
