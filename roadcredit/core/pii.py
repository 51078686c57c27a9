"""Personal data at rest: SM4-GCM encryption and HMAC-SM3 blind indexes (for exact search).

Stored form of an encrypted value: ``b"\\x01" + key version (2 bytes) + nonce + ciphertext + tag``.
The purpose (``"id_number"``, ``"phone"``) is bound as associated data, so a ciphertext copied into
another column does not decrypt. Blind indexes are keyed, so a stolen database alone cannot be
searched by guessing ID numbers.
"""

from __future__ import annotations

import functools
import os

from cryptography.hazmat.primitives import hashes, hmac

from .keystore import get_keystore, sm4_gcm_decrypt, sm4_gcm_encrypt

ENC_KEY = "pii-sm4"
INDEX_KEY = "pii-index-hmac-sm3"
BLOB_MARK = 1


def _enc_key(version: int | None = None) -> tuple[int, bytes]:
    store = get_keystore()
    if version is None:
        version = store.current_version(ENC_KEY)
        if version is None:
            store.ensure(ENC_KEY, lambda: os.urandom(16), alg="SM4-GCM", purpose="personal data")
            version = store.current_version(ENC_KEY) or 1
    return version, _cached_key(store.token, ENC_KEY, version)


@functools.cache
def _cached_key(store_token: int, name: str, version: int) -> bytes:
    # Keyed by the store's token (KeyStore.token): a re-opened (rotated) store gets fresh entries.
    return get_keystore().get(name, version)


@functools.cache
def _cached_index_key(store_token: int) -> bytes:
    store = get_keystore()
    return store.ensure(INDEX_KEY, lambda: os.urandom(32), alg="HMAC-SM3", purpose="blind index")


def index_key() -> bytes:
    """The blind-index HMAC key of the current key store (for bulk paths that compute many
    indexes at once; ``blind_index`` is the reference)."""
    return _cached_index_key(get_keystore().token)


def encrypt(value: str, *, purpose: str) -> bytes:
    version, key = _enc_key()
    body = sm4_gcm_encrypt(key, value.encode("utf-8"), purpose.encode("ascii"))
    return bytes([BLOB_MARK]) + version.to_bytes(2, "big") + body


def decrypt(blob: bytes | memoryview, *, purpose: str) -> str:
    raw = bytes(blob)
    if not raw or raw[0] != BLOB_MARK:
        raise ValueError("not an encrypted personal-data value")
    version = int.from_bytes(raw[1:3], "big")
    _, key = _enc_key(version)
    return sm4_gcm_decrypt(key, raw[3:], purpose.encode("ascii")).decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of the normalised value; equal inputs give equal indexes, nothing else leaks."""
    mac = hmac.HMAC(index_key(), hashes.SM3())
    mac.update(purpose.encode("ascii") + b":" + value.strip().upper().encode("utf-8"))
    return mac.finalize().hex()
