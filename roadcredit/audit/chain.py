"""Pure hash-chain rules (no Django): canonical encoding and SM3 chaining of audit entries."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import hashes

GENESIS_HASH = "0" * 64


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode("utf-8")


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def entry_hash(payload: dict[str, Any], prev_hash: str) -> str:
    """Hash of one entry: SM3(prev_hash || canonical JSON of the entry's fields)."""
    return sm3_hex(prev_hash.encode("ascii") + b"|" + canonical(payload))
