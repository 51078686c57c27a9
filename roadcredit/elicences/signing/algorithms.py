"""Signature algorithms behind one interface.

Everything that signs (certificates, the PAdES CMS container, the COSE token of the QR code)
goes through a :class:`SealAlgorithm`, so that SM2 with SM3 (GB/T 38540, GB/T 32918) can be added
as a second implementation without touching the callers. Today there is one: ECDSA on P-256
with SHA-256 (``ES256`` in COSE, ``sha256_ecdsa`` in CMS and X.509).

An algorithm object wraps a loaded private key. It never hands the key out except as PKCS#8 DER
for the key store (:meth:`SealAlgorithm.private_key_pkcs8`), and its ``repr`` shows only the
public key's fingerprint.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

KID_LENGTH = 8


def kid_for_certificate(certificate_der: bytes) -> bytes:
    """The key identifier of a seal: the first 8 bytes of SHA-256 over its certificate (DER)."""
    return hashlib.sha256(certificate_der).digest()[:KID_LENGTH]


class SealAlgorithm(Protocol):
    """A loaded signing key and the identifiers of its algorithm in each format we write."""

    name: str
    """Stored beside every key in the key store, e.g. ``ECDSA-P256-SHA256``."""
    cose_alg: int
    """COSE algorithm identifier (RFC 9053), e.g. -7 for ES256."""
    digest_algorithm: str
    """CMS / pyHanko digest name, e.g. ``sha256``."""
    signature_mechanism: str
    """CMS / X.509 signature algorithm name as asn1crypto spells it, e.g. ``sha256_ecdsa``."""

    @property
    def public_key(self) -> CertificateIssuerPublicKeyTypes: ...

    def x509_hash(self) -> hashes.HashAlgorithm:
        """The hash used when this key signs a certificate."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``; the result is encoded as X.509 and CMS carry it (DER for ECDSA)."""
        ...

    def sign_cose(self, data: bytes) -> bytes:
        """Sign ``data``; the result is encoded as COSE carries it (r‖s for ECDSA)."""
        ...

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign a certificate (this key is the issuer's)."""
        ...

    def private_key_pkcs8(self) -> bytes:
        """PKCS#8 DER of the private key: only for writing it to the encrypted key store."""
        ...


class EcdsaP256:
    """ECDSA on NIST P-256 with SHA-256 (COSE ES256)."""

    name = "ECDSA-P256-SHA256"
    cose_alg = -7
    digest_algorithm = "sha256"
    signature_mechanism = "sha256_ecdsa"
    coordinate_size = 32

    __slots__ = ("_key",)

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("EcdsaP256 needs a key on the P-256 curve")
        self._key = private_key

    @classmethod
    def generate(cls) -> EcdsaP256:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pkcs8(cls, der: bytes) -> EcdsaP256:
        key = serialization.load_der_private_key(der, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the stored key is not an elliptic-curve key")
        return cls(key)

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def x509_hash(self) -> hashes.HashAlgorithm:
        return hashes.SHA256()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def sign_cose(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.sign(data))
        return r.to_bytes(self.coordinate_size, "big") + s.to_bytes(self.coordinate_size, "big")

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        return builder.sign(self._key, hashes.SHA256())

    def private_key_pkcs8(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        spki = self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return f"<{self.name} public key {hashlib.sha256(spki).hexdigest()[:16]}>"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("seal keys are not picklable: load them from the key store instead")


ALGORITHMS: dict[str, type[EcdsaP256]] = {EcdsaP256.name: EcdsaP256}
DEFAULT_ALGORITHM = EcdsaP256.name


def generate_key(algorithm: str = DEFAULT_ALGORITHM) -> SealAlgorithm:
    return ALGORITHMS[algorithm].generate()


def load_key(algorithm: str, pkcs8: bytes) -> SealAlgorithm:
    try:
        cls = ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(f"unknown seal algorithm {algorithm!r}") from None
    return cls.from_pkcs8(pkcs8)


def verify_cose_signature(
    *, certificate_der: bytes, alg: int, data: bytes, signature: bytes
) -> bool:
    """Check a COSE-form signature against the public key of a seal certificate."""
    if alg != EcdsaP256.cose_alg or len(signature) != 2 * EcdsaP256.coordinate_size:
        return False
    try:
        public_key = x509.load_der_x509_certificate(certificate_der).public_key()
    except ValueError:
        return False
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    size = EcdsaP256.coordinate_size
    der = encode_dss_signature(
        int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    )
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
