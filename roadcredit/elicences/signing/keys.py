"""The bureau's seal keys: a root CA and the seal certificates it issues, in the core key store.

Key store entries (see ``roadcredit.core.keystore``; secrets are encrypted at rest):

* ``elicences.seal.root@N`` — the root CA's private key (PKCS#8 DER); metadata holds its
  certificate (base64 DER), kid, validity and algorithm. About 20 years; ``init --force`` makes
  a new version, old roots stay so that licences sealed under them keep verifying.
* ``elicences.seal.key@N`` — a seal key (PKCS#8 DER); metadata holds its certificate, kid,
  validity, algorithm and the root version that issued it. About 3 years; ``rotate`` makes a new
  version. The newest version is the active seal: new licences use it; every version stays in
  the trust list so licences sealed with an old one still verify.

The kid of a certificate is the first 8 bytes of SHA-256 over its DER encoding.

Running processes cache seals by key-store version; after ``seal_keys rotate`` restart the web
and worker processes so that they pick up the new seal (until then they keep sealing with the
previous one, which stays valid).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypedDict

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.keystore import KeyStore, get_keystore

from .algorithms import (
    DEFAULT_ALGORITHM,
    SealAlgorithm,
    generate_key,
    kid_for_certificate,
    load_key,
)

logger = logging.getLogger(__name__)

ROOT_NAME = "elicences.seal.root"
SEAL_NAME = "elicences.seal.key"
ROOT_VALIDITY = dt.timedelta(days=20 * 365 + 5)
SEAL_VALIDITY = dt.timedelta(days=3 * 365 + 1)
BACKDATE = dt.timedelta(minutes=5)  # tolerate small clock differences between machines
EXPIRY_WARNING_DAYS = 60


class SealKeyError(RuntimeError):
    """The seal keys are missing or unusable. The message names the fix, never key material."""


class Signer(Protocol):
    """What the COSE token signer needs (roadcredit.elicences.tokens)."""

    kid: bytes
    alg: int

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True, repr=False)
class CoseSigner:
    """Signs COSE tokens with a seal key: ``sign`` returns the raw r‖s signature."""

    kid: bytes
    alg: int
    _algorithm: SealAlgorithm

    def sign(self, data: bytes) -> bytes:
        return self._algorithm.sign_cose(data)

    def __repr__(self) -> str:
        return f"CoseSigner(kid={self.kid.hex()}, alg={self.alg})"


@dataclass(frozen=True, repr=False)
class Seal:
    """One seal key with its certificate and the chain up to (and including) its root."""

    version: int
    kid: bytes
    certificate: x509.Certificate
    certificate_der: bytes
    chain_der: tuple[bytes, ...]
    root_version: int
    algorithm: SealAlgorithm = field(compare=False)

    @property
    def not_before(self) -> dt.datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    @property
    def signer(self) -> CoseSigner:
        return CoseSigner(kid=self.kid, alg=self.algorithm.cose_alg, _algorithm=self.algorithm)

    def __repr__(self) -> str:
        return (
            f"Seal(kid={self.kid.hex()}, version={self.version}, until={self.not_after:%Y-%m-%d})"
        )


@dataclass(frozen=True, repr=False)
class _Root:
    version: int
    certificate: x509.Certificate
    certificate_der: bytes
    algorithm: SealAlgorithm

    def __repr__(self) -> str:
        return f"_Root(version={self.version})"


class TrustEntry(TypedDict):
    kid: bytes
    alg: int
    certificate: bytes
    not_before: dt.datetime
    not_after: dt.datetime
    status: Literal["active", "retired"]


# --- names ------------------------------------------------------------------------------------
def bureau_name() -> str:
    """The sealing authority, e.g. 烟台市牟平区交通运输局 (from ROADCREDIT_DISTRICT_NAME)."""
    return f"{settings.DISTRICT_NAME}交通运输局"


def _subject(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


# --- certificate making -----------------------------------------------------------------------
def _make_root(at: dt.datetime, organisation: str) -> tuple[SealAlgorithm, x509.Certificate]:
    key = generate_key(DEFAULT_ALGORITHM)
    name = _subject(f"{organisation} 电子证照根证书", organisation)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - BACKDATE)
        .not_valid_after(at + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key),
            critical=False,
        )
    )
    return key, key.sign_certificate(builder)


def _make_seal(
    root: _Root, at: dt.datetime, organisation: str
) -> tuple[SealAlgorithm, x509.Certificate]:
    key = generate_key(root.algorithm.name)
    not_after = min(at + SEAL_VALIDITY, root.certificate.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(f"{organisation} 电子证照专用章", organisation))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.algorithm.public_key),
            critical=False,
        )
    )
    return key, root.algorithm.sign_certificate(builder)


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _metadata(key: SealAlgorithm, certificate: x509.Certificate, **extra: Any) -> dict[str, Any]:
    der = _der(certificate)
    return {
        "algorithm": key.name,
        "kid": kid_for_certificate(der).hex(),
        "certificate": base64.b64encode(der).decode("ascii"),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        **extra,
    }


# --- loading ----------------------------------------------------------------------------------
_lock = threading.RLock()
_seals: dict[tuple[str, int], Seal] = {}
_roots: dict[tuple[str, int], _Root] = {}
_warned: set[bytes] = set()


def reset_cache() -> None:
    """Forget loaded keys (tests; after a rotation in this process)."""
    with _lock:
        _seals.clear()
        _roots.clear()
        _warned.clear()


def _certificate_from(metadata: dict[str, Any]) -> tuple[x509.Certificate, bytes]:
    der = base64.b64decode(metadata["certificate"])
    return x509.load_der_x509_certificate(der), der


def _load_root(store: KeyStore, version: int) -> _Root:
    cache_key = (str(store.path), version)
    with _lock:
        root = _roots.get(cache_key)
        if root is None:
            metadata = store.metadata(ROOT_NAME, version)
            certificate, der = _certificate_from(metadata)
            algorithm = load_key(metadata["algorithm"], store.get(ROOT_NAME, version))
            root = _Root(version, certificate, der, algorithm)
            _roots[cache_key] = root
        return root


def _load_seal(store: KeyStore, version: int) -> Seal:
    cache_key = (str(store.path), version)
    with _lock:
        seal = _seals.get(cache_key)
        if seal is None:
            metadata = store.metadata(SEAL_NAME, version)
            certificate, der = _certificate_from(metadata)
            root_version = int(metadata["root_version"])
            root_metadata = store.metadata(ROOT_NAME, root_version)
            _, root_der = _certificate_from(root_metadata)
            algorithm = load_key(metadata["algorithm"], store.get(SEAL_NAME, version))
            seal = Seal(
                version=version,
                kid=kid_for_certificate(der),
                certificate=certificate,
                certificate_der=der,
                chain_der=(root_der,),
                root_version=root_version,
                algorithm=algorithm,
            )
            _seals[cache_key] = seal
        return seal


def _now(at: dt.datetime | None) -> dt.datetime:
    return (at or clock.now()).astimezone(dt.UTC)


def _auto_create() -> bool:
    return bool(getattr(settings, "KEYSTORE_AUTO_CREATE", False))


# --- key management ---------------------------------------------------------------------------
def seal_keys_init(*, force: bool = False, at: dt.datetime | None = None) -> Seal:
    """Create the root CA and the first seal if absent (``force``: a new root and seal anyway).

    Safe to run twice and from concurrent processes: without ``force`` the first writer wins
    and everyone uses its keys.
    """
    moment = _now(at)
    organisation = bureau_name()
    store = get_keystore()
    with _lock:
        if force or store.current_version(ROOT_NAME) is None:
            root_key, root_cert = _make_root(moment, organisation)
            if force:
                store.add_version(
                    ROOT_NAME, root_key.private_key_pkcs8(), **_metadata(root_key, root_cert)
                )
            else:
                store.ensure(
                    ROOT_NAME,
                    root_key.private_key_pkcs8,
                    **_metadata(root_key, root_cert),
                )
        root_version = store.current_version(ROOT_NAME)
        assert root_version is not None
        root = _load_root(store, root_version)
        if force or store.current_version(SEAL_NAME) is None:
            seal_key, seal_cert = _make_seal(root, moment, organisation)
            metadata = _metadata(seal_key, seal_cert, root_version=root.version)
            if force:
                store.add_version(SEAL_NAME, seal_key.private_key_pkcs8(), **metadata)
            else:
                store.ensure(SEAL_NAME, seal_key.private_key_pkcs8, **metadata)
        version = store.current_version(SEAL_NAME)
        assert version is not None
        seal = _load_seal(store, version)
    logger.info("seal keys ready: kid %s valid until %s", seal.kid.hex(), seal.not_after.date())
    return seal


def seal_rotate(*, at: dt.datetime | None = None) -> bytes:
    """Issue a new seal key and certificate under the current root; return its kid.

    New licences use the new seal; earlier seals stay in the trust list.
    """
    moment = _now(at)
    store = get_keystore()
    with _lock:
        root_version = store.current_version(ROOT_NAME)
        if root_version is None:
            return seal_keys_init(at=at).kid
        root = _load_root(store, root_version)
        if root.certificate.not_valid_after_utc <= moment:
            raise SealKeyError(
                _(
                    "The seal root certificate has expired: run python manage.py seal_keys init --force."
                )
            )
        seal_key, seal_cert = _make_seal(root, moment, bureau_name())
        version = store.add_version(
            SEAL_NAME,
            seal_key.private_key_pkcs8(),
            **_metadata(seal_key, seal_cert, root_version=root.version),
        )
        seal = _load_seal(store, version)
    logger.info("seal rotated: new kid %s valid until %s", seal.kid.hex(), seal.not_after.date())
    return seal.kid


def ensure_development_keys() -> None:
    """Create development seal keys on first use when KEYSTORE_AUTO_CREATE is on (never in
    production, where ``python manage.py seal_keys init`` is part of the installation)."""
    if _auto_create() and get_keystore().current_version(SEAL_NAME) is None:
        seal_keys_init()


def active_seal(*, at: dt.datetime | None = None) -> Seal:
    """The seal new licences are sealed with (the newest version)."""
    store = get_keystore()
    version = store.current_version(SEAL_NAME)
    if version is None:
        if not _auto_create():
            raise SealKeyError(_("No seal keys yet: run python manage.py seal_keys init."))
        ensure_development_keys()
        version = store.current_version(SEAL_NAME)
        assert version is not None
    seal = _load_seal(store, version)
    moment = _now(at)
    if seal.not_after <= moment:
        if not _auto_create():
            raise SealKeyError(
                _(
                    "The active seal certificate expired on %(date)s: "
                    "run python manage.py seal_keys rotate."
                )
                % {"date": seal.not_after.date().isoformat()}
            )
        seal_rotate(at=at)
        return active_seal(at=at)
    if seal.not_after - moment <= dt.timedelta(days=EXPIRY_WARNING_DAYS):
        with _lock:
            first = seal.kid not in _warned
            _warned.add(seal.kid)
        if first:
            logger.warning(
                "the active seal certificate %s expires on %s: run seal_keys rotate",
                seal.kid.hex(),
                seal.not_after.date(),
            )
    return seal


def all_seals() -> list[Seal]:
    """Every seal ever issued, oldest first (the active one is last)."""
    store = get_keystore()
    return [_load_seal(store, version) for version in store.versions(SEAL_NAME)]


def seal_for_kid(kid: bytes) -> Seal | None:
    return next((seal for seal in all_seals() if seal.kid == kid), None)


def active_signer() -> CoseSigner:
    """The COSE signer of the active seal (for the QR token)."""
    return active_seal().signer


def trust_roots() -> list[bytes]:
    """DER certificates of every root CA version: what a verifier must trust."""
    ensure_development_keys()
    store = get_keystore()
    return [
        base64.b64decode(store.metadata(ROOT_NAME, version)["certificate"])
        for version in store.versions(ROOT_NAME)
    ]


def root_certificates() -> list[tuple[int, x509.Certificate]]:
    """Every root CA version with its certificate, oldest first (public data only: no private
    key is loaded)."""
    ensure_development_keys()
    store = get_keystore()
    return [
        (version, _certificate_from(store.metadata(ROOT_NAME, version))[0])
        for version in store.versions(ROOT_NAME)
    ]


def trust_entries() -> list[TrustEntry]:
    """Every seal for the published trust list (``roadcredit.elicences.trustlist``): kid, COSE
    alg, certificate DER, signing period (the certificate's validity) and status.

    ``active`` is the seal new licences use; ``retired`` an earlier one: it signs nothing new
    but what it signed in its period still verifies.
    """
    ensure_development_keys()
    seals = all_seals()
    return [
        TrustEntry(
            kid=seal.kid,
            alg=seal.algorithm.cose_alg,
            certificate=seal.certificate_der,
            not_before=seal.not_before,
            not_after=seal.not_after,
            status="active" if index == len(seals) - 1 else "retired",
        )
        for index, seal in enumerate(seals)
    ]


def expiry_warnings(*, today: dt.date, within_days: int = EXPIRY_WARNING_DAYS) -> list[str]:
    """Warnings (in the active language, Chinese by default) about certificates that expire
    within ``within_days`` of ``today``: the active seal and the current root."""
    store = get_keystore()
    warnings: list[str] = []
    seal_version = store.current_version(SEAL_NAME)
    if seal_version is None:
        return [_("No seal keys yet: run python manage.py seal_keys init.")]
    seal = _load_seal(store, seal_version)
    seal_end = seal.not_after.date()
    if seal_end < today:
        warnings.append(
            _(
                "The active seal certificate %(kid)s expired on %(date)s: "
                "run python manage.py seal_keys rotate."
            )
            % {"kid": seal.kid.hex(), "date": seal_end.isoformat()}
        )
    elif (seal_end - today).days <= within_days:
        warnings.append(
            _(
                "The active seal certificate %(kid)s expires on %(date)s (in %(days)d days): "
                "run python manage.py seal_keys rotate."
            )
            % {"kid": seal.kid.hex(), "date": seal_end.isoformat(), "days": (seal_end - today).days}
        )
    root_version = store.current_version(ROOT_NAME)
    if root_version is not None:
        root_metadata = store.metadata(ROOT_NAME, root_version)
        root_end = dt.datetime.fromisoformat(root_metadata["not_after"]).date()
        if (root_end - today).days <= within_days:
            warnings.append(
                _(
                    "The seal root certificate expires on %(date)s: "
                    "run python manage.py seal_keys init --force."
                )
                % {"date": root_end.isoformat()}
            )
    return warnings
