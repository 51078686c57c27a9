"""The bureau's root CA and seal certificates: creation, rotation, trust list, expiry warnings."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from django.utils import translation

from roadcredit.core.keystore import get_keystore
from roadcredit.elicences import signing
from roadcredit.elicences.signing import keys

pytestmark = pytest.mark.usefixtures("fresh_keystore")

BUREAU = "烟台市牟平区交通运输局"


def _private_key_forms(seal: signing.Seal) -> list[bytes]:
    der = seal.algorithm.private_key_pkcs8()
    return [der, base64.b64encode(der), der.hex().encode()]


def test_it_creates_the_root_and_a_seal_on_first_use_in_development() -> None:
    seal = signing.active_seal()

    root = x509.load_der_x509_certificate(seal.chain_der[0])
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        f"{BUREAU} 电子证照根证书"
    )
    assert root.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 20 * 365
    assert seal.certificate.issuer == root.subject
    assert seal.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        BUREAU
    )
    usage = seal.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    seal.certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    assert 3 * 365 <= (seal.not_after - seal.not_before).days <= 3 * 365 + 2
    seal.certificate.verify_directly_issued_by(root)  # the root really signed it


def test_the_kid_is_the_first_eight_bytes_of_the_certificate_hash() -> None:
    seal = signing.active_seal()

    assert seal.kid == hashlib.sha256(seal.certificate_der).digest()[:8]
    assert signing.kid_for_certificate(seal.certificate_der) == seal.kid
    assert seal.signer.kid == seal.kid
    assert seal.signer.alg == -7


def test_private_keys_are_encrypted_at_rest(fresh_keystore: Path) -> None:
    seal = signing.active_seal()

    stored = fresh_keystore.read_bytes()
    for form in _private_key_forms(seal):
        assert form not in stored
    document = json.loads(stored)
    entry = document["entries"]["elicences.seal.key@1"]
    assert base64.b64decode(entry["certificate"]) == seal.certificate_der
    assert entry["kid"] == seal.kid.hex()


def test_init_twice_keeps_the_same_keys() -> None:
    first = signing.seal_keys_init()
    second = signing.seal_keys_init()

    assert first.kid == second.kid
    assert get_keystore().versions(keys.SEAL_NAME) == [1]


def test_forced_init_makes_a_new_root_and_keeps_the_old_one_trusted() -> None:
    first = signing.seal_keys_init()
    second = signing.seal_keys_init(force=True)

    assert second.kid != first.kid
    assert second.root_version == 2
    assert len(signing.trust_roots()) == 2
    assert first.chain_der[0] in signing.trust_roots()


def test_rotation_gives_new_licences_the_new_kid_and_keeps_the_old_seal_listed() -> None:
    old = signing.active_seal()

    new_kid = signing.seal_rotate()

    assert new_kid != old.kid
    assert signing.active_seal().kid == new_kid
    assert signing.active_signer().kid == new_kid
    entries = {entry["kid"]: entry for entry in signing.trust_entries()}
    assert entries[old.kid]["status"] == "retired"
    assert entries[new_kid]["status"] == "active"
    assert entries[old.kid]["certificate"] == old.certificate_der
    assert signing.seal_for_kid(old.kid) == old
    assert signing.seal_for_kid(b"\x00" * 8) is None
    assert [seal.kid for seal in signing.all_seals()] == [old.kid, new_kid]


def test_it_refuses_to_seal_without_keys_when_keys_are_not_made_automatically(
    settings: Any,
) -> None:
    get_keystore()  # the store exists (production: made by keystore init)
    settings.KEYSTORE_AUTO_CREATE = False

    with pytest.raises(signing.SealKeyError) as caught:
        signing.active_seal()

    assert "seal_keys init" in str(caught.value)
    signing.ensure_development_keys()  # does nothing in production
    assert get_keystore().current_version(keys.SEAL_NAME) is None


@pytest.mark.parametrize(
    ("days_left", "warned"),
    [(90, False), (61, False), (60, True), (30, True), (1, True), (0, True), (-3, True)],
)
def test_it_warns_before_the_active_seal_certificate_expires(days_left: int, warned: bool) -> None:
    seal = signing.active_seal()
    today = seal.not_after.date() - dt.timedelta(days=days_left)

    with translation.override("zh-hans"):
        warnings = signing.expiry_warnings(today=today)

    seal_warnings = [w for w in warnings if seal.kid.hex() in w]
    assert bool(seal_warnings) is warned
    if warned:
        assert "到期" in seal_warnings[0]
        assert "seal_keys rotate" in seal_warnings[0]


def test_it_warns_before_the_root_certificate_expires() -> None:
    seal = signing.active_seal()
    root = x509.load_der_x509_certificate(seal.chain_der[0])

    with translation.override("zh-hans"):
        warnings = signing.expiry_warnings(
            today=root.not_valid_after_utc.date() - dt.timedelta(days=10)
        )

    assert any("根证书" in warning and "init --force" in warning for warning in warnings)


def test_an_expired_active_seal_is_replaced_in_development_and_refused_in_production(
    settings: Any,
) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 365)
    expired = signing.seal_keys_init(at=long_ago)
    assert expired.not_after < dt.datetime.now(dt.UTC)

    settings.KEYSTORE_AUTO_CREATE = False
    with pytest.raises(signing.SealKeyError, match="seal_keys rotate"):
        signing.active_seal()

    settings.KEYSTORE_AUTO_CREATE = True
    replacement = signing.active_seal()
    assert replacement.kid != expired.kid
    assert replacement.not_after > dt.datetime.now(dt.UTC)


def test_it_logs_once_when_the_active_seal_is_about_to_expire(caplog: Any) -> None:
    seal = signing.active_seal()
    soon = seal.not_after - dt.timedelta(days=20)

    with caplog.at_level(logging.WARNING, logger="roadcredit.elicences.signing.keys"):
        signing.active_seal(at=soon)
        signing.active_seal(at=soon)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert seal.kid.hex() in warnings[0].getMessage()


def test_the_cose_signer_makes_raw_signatures_that_verify_with_the_certificate() -> None:
    seal = signing.active_seal()
    signer = signing.active_signer()
    data = b"Sig_Structure of a licence token"

    signature = signer.sign(data)

    assert len(signature) == 64
    assert signing.verify_cose_signature(
        certificate_der=seal.certificate_der, alg=signer.alg, data=data, signature=signature
    )
    assert not signing.verify_cose_signature(
        certificate_der=seal.certificate_der, alg=signer.alg, data=data + b"!", signature=signature
    )
    assert not signing.verify_cose_signature(
        certificate_der=seal.certificate_der, alg=-35, data=data, signature=signature
    )
    assert not signing.verify_cose_signature(
        certificate_der=b"not a certificate", alg=-7, data=data, signature=signature
    )


def test_no_representation_of_a_seal_shows_key_material(caplog: Any) -> None:
    with caplog.at_level(logging.DEBUG):
        seal = signing.active_seal()
        signing.seal_rotate()
    texts = [repr(seal), str(seal), repr(seal.algorithm), repr(seal.signer), caplog.text]

    for form in _private_key_forms(seal):
        text_form = form.decode("latin-1")
        assert all(text_form not in text for text in texts)
    with pytest.raises(TypeError):
        pickle.dumps(seal.algorithm)
