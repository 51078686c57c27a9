"""The published trust list document and the kid → key store. No database."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from roadcredit.elicences.tests.unit.support import CERT_FROM, CERT_UNTIL, ISSUER, InMemorySigner
from roadcredit.elicences.trustlist import (
    FORMAT,
    TrustListError,
    TrustStore,
    kid_for_certificate,
    trusted_key_from_certificate,
)

UTC = dt.UTC


def document(*signers: InMemorySigner, **entry_changes: Any) -> dict[str, Any]:
    data = TrustStore(
        [s.trusted() for s in signers], issuer=ISSUER, issued_at=CERT_FROM
    ).to_document()
    for entry in data["keys"]:
        entry.update(entry_changes)
    return data


def test_the_kid_is_the_first_eight_bytes_of_the_certificate_hash(signer: InMemorySigner) -> None:
    assert signer.kid == hashlib.sha256(signer.certificate_der).digest()[:8]
    assert kid_for_certificate(signer.certificate_der) == signer.kid


def test_it_round_trips_the_json_document(signer: InMemorySigner) -> None:
    retired = InMemorySigner(common_name="牟平区交通运输局 旧签名密钥")
    data = TrustStore(
        [signer.trusted(), retired.trusted(status="retired")], issuer=ISSUER, issued_at=CERT_FROM
    ).to_document()
    text = json.dumps(data, ensure_ascii=False)
    store = TrustStore.from_document(text)
    assert len(store) == 2
    assert store.issuer == ISSUER
    assert store.issued_at == CERT_FROM
    key = store.get(signer.kid)
    assert key is not None
    assert key.status == "active"
    assert key.not_before == CERT_FROM
    assert key.not_after == CERT_UNTIL
    assert "牟平区交通运输局" in key.subject
    assert key.public_key.public_numbers() == signer.private_key.public_key().public_numbers()
    old_key = store.get(retired.kid)
    assert old_key is not None
    assert old_key.status == "retired"
    assert store.get(b"\x00" * 8) is None
    assert TrustStore.from_document(store.to_document()).to_document() == data


def test_it_accepts_a_pem_certificate(signer: InMemorySigner) -> None:
    pem = signer.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    store = TrustStore.from_document(document(signer, certificate=pem))
    assert store.get(signer.kid) is not None


def test_it_keeps_a_narrower_signing_period(signer: InMemorySigner) -> None:
    store = TrustStore.from_document(
        document(
            signer,
            not_before="2026-01-01T00:00:00+08:00",
            not_after="2028-01-01T00:00:00+08:00",
        )
    )
    key = store.get(signer.kid)
    assert key is not None
    assert key.may_have_signed_at(dt.datetime(2027, 6, 1, tzinfo=UTC))
    assert not key.may_have_signed_at(dt.datetime(2028, 6, 1, tzinfo=UTC))


def p384_certificate() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "P-384 密钥")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(CERT_FROM)
        .not_valid_after(CERT_UNTIL)
        .sign(key, hashes.SHA384())
    )


def test_it_refuses_a_key_that_is_not_p256() -> None:
    with pytest.raises(TrustListError, match="P-256"):
        trusted_key_from_certificate(p384_certificate())


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"kid": base64.b64encode(b"12345678").decode()}, "密钥标识与证书不符"),
        ({"kid": "not base64!"}, "Base64"),
        ({"alg": -35}, "仅支持 ES256"),
        ({"alg": True}, "仅支持 ES256"),
        ({"status": "suspended"}, "状态"),
        ({"certificate": base64.b64encode(b"not a certificate").decode()}, "无法解析"),
        ({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "PEM"),
        ({"not_before": "2026-01-01T00:00:00"}, "时区"),
        ({"not_before": "yesterday"}, "ISO 8601"),
        ({"not_after": "2040-01-01T00:00:00+08:00"}, "超出证书有效期"),
        (
            {"not_before": "2027-01-01T00:00:00+08:00", "not_after": "2026-01-01T00:00:00+08:00"},
            "早于",
        ),
    ],
)
def test_it_refuses_a_bad_key_entry(
    signer: InMemorySigner, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(TrustListError) as exc:
        TrustStore.from_document(document(signer, **changes))
    assert words in str(exc.value)
    assert "第 1 个密钥" in str(exc.value)


def test_it_refuses_a_certificate_with_a_p384_key(signer: InMemorySigner) -> None:
    certificate = p384_certificate()
    der = certificate.public_bytes(serialization.Encoding.DER)
    data = document(
        signer,
        certificate=base64.b64encode(der).decode(),
        kid=base64.b64encode(kid_for_certificate(der)).decode(),
    )
    with pytest.raises(TrustListError, match="P-256"):
        TrustStore.from_document(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("{not json", "JSON"),
        ("[1, 2]", "顶层"),
        ({"format": "roadcredit.trust-list.v0", "keys": []}, "格式版本"),
        ({"format": FORMAT}, "keys"),
        ({"format": FORMAT, "keys": ["kid"]}, "格式错误"),
        ({"format": FORMAT, "issuer": "牟平", "keys": []}, "issuer"),
        ({"format": FORMAT, "issuer": {"name": "牟平"}, "keys": []}, "issuer"),
        ({"format": FORMAT, "issued_at": 20260301, "keys": []}, "ISO 8601"),
    ],
)
def test_it_refuses_a_malformed_document(data: Any, words: str) -> None:
    with pytest.raises(TrustListError) as exc:
        TrustStore.from_document(data)
    assert words in str(exc.value)


def test_it_refuses_a_duplicate_kid(signer: InMemorySigner) -> None:
    data = document(signer)
    data["keys"] = data["keys"] * 2
    with pytest.raises(TrustListError, match="重复"):
        TrustStore.from_document(data)


def test_an_empty_trust_list_trusts_nothing() -> None:
    store = TrustStore.from_document({"format": FORMAT, "keys": []})
    assert len(store) == 0
    assert store.issuer is None
