"""The licence seal: the only code that touches private keys and makes signatures.

* ``algorithms`` — the :class:`SealAlgorithm` interface and its ECDSA P-256 implementation
  (SM2 per GB/T 38540 is a later second implementation).
* ``keys`` — the bureau's root CA and seal certificates in the core key store: creation,
  rotation, the active seal, the trust list, expiry warnings.
* ``pades`` — PAdES B-B seals with pyHanko: :func:`seal_pdf` for any PDF, and the fast licence
  path (:class:`SignatureSlot` laid out by the renderer, filled by :func:`fill_signature_slot`).

See docs/decisions/009-licence-seal-and-pdf.md.
"""

from .algorithms import EcdsaP256, SealAlgorithm, kid_for_certificate, verify_cose_signature
from .keys import (
    CoseSigner,
    Seal,
    SealKeyError,
    Signer,
    TrustEntry,
    active_seal,
    active_signer,
    all_seals,
    bureau_name,
    ensure_development_keys,
    expiry_warnings,
    root_certificates,
    seal_for_kid,
    seal_keys_init,
    seal_rotate,
    trust_entries,
    trust_roots,
)
from .pades import (
    DEFAULT_REASON,
    SealingError,
    SignatureSlot,
    fill_signature_slot,
    prepare_seal,
    seal_pdf,
)

__all__ = [
    "DEFAULT_REASON",
    "CoseSigner",
    "EcdsaP256",
    "Seal",
    "SealAlgorithm",
    "SealKeyError",
    "SealingError",
    "SignatureSlot",
    "Signer",
    "TrustEntry",
    "active_seal",
    "active_signer",
    "all_seals",
    "bureau_name",
    "ensure_development_keys",
    "expiry_warnings",
    "fill_signature_slot",
    "kid_for_certificate",
    "prepare_seal",
    "root_certificates",
    "seal_for_kid",
    "seal_keys_init",
    "seal_pdf",
    "seal_rotate",
    "trust_entries",
    "trust_roots",
    "verify_cose_signature",
]
