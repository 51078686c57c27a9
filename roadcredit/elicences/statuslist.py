"""The licence status list for offline verifiers — pure, no Django.

A QR token proves a licence for its whole validity, so a suspension or revocation must reach
offline verifiers without reissuing anything: each token names a status list and an index in
it (claims 8 and 9), and the issuer publishes the list, signed, at a stable URL. Verifiers
download it now and then, keep the newest (``prefer_newest``) and look the index up
(``apply_status``).

Bitstring: 2 bits per licence, as in the IETF OAuth "Token Status List" draft (``bits = 2``):
entry ``i`` lives in byte ``i // 4`` at bit offset ``2 * (i % 4)``, least-significant bits
first. Values (``EntryStatus``):

* 0 ``VALID`` — 有效;
* 1 ``SUSPENDED`` — 暂停使用 (e.g. 暂扣; may return to valid);
* 2 ``REVOKED`` — 吊销 / 撤销 (final);
* 3 ``CANCELLED`` — 注销, expired early or replaced by a new version (final).

``encode`` gives the text form (base64url without padding of the zlib-compressed bits).
The signed envelope is a COSE_Sign1 (same ES256 keys and trust list as the tokens) over the
CBOR map ``{1: "S", 2: list id, 3: size, 4: zlib(bits), 10: issued_at epoch seconds}``;
``issued_at`` versions the list so a verifier never goes back to an older one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from roadcredit.elicences.tokens import (
    REASON_MESSAGES,
    CborError,
    CoseRejected,
    Reason,
    Signer,
    TokenVerification,
    cbor_decode,
    cbor_encode,
    cose_sign1_create,
    cose_sign1_open,
    rejected,
)
from roadcredit.elicences.trustlist import TrustStore

__all__ = [
    "EntryStatus",
    "SignedStatusList",
    "StatusList",
    "StatusListError",
    "StatusListRejected",
    "apply_status",
    "prefer_newest",
    "sign_status_list",
    "verify_status_list",
]

BITS: Final = 2
ENTRIES_PER_BYTE: Final = 8 // BITS
MAX_ENTRIES: Final = 1 << 24  # 16 777 216 licences, 4 MiB of bits
MAX_ENVELOPE: Final = 8 << 20


class EntryStatus(IntEnum):
    VALID = 0
    SUSPENDED = 1
    REVOKED = 2
    CANCELLED = 3


_STATUS_REASONS: Final[dict[EntryStatus, Reason]] = {
    EntryStatus.SUSPENDED: "licence_suspended",
    EntryStatus.REVOKED: "licence_revoked",
    EntryStatus.CANCELLED: "licence_cancelled",
}


class StatusListError(ValueError):
    """A status list cannot be built or decoded as asked; the message (Chinese) says why."""


def _byte_count(size: int) -> int:
    return (size + ENTRIES_PER_BYTE - 1) // ENTRIES_PER_BYTE


def _inflate(data: bytes, expected: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        bits = inflater.decompress(data, expected + 1)
    except zlib.error:
        raise StatusListError("状态列表解压失败") from None
    if len(bits) != expected or inflater.unconsumed_tail or not inflater.eof:
        raise StatusListError("状态列表长度与条目数不符")
    if inflater.unused_data:
        raise StatusListError("状态列表含多余数据")
    return bits


class StatusList:
    """``size`` entries of 2 bits each, all ``VALID`` to begin with."""

    __slots__ = ("_bits", "size")

    def __init__(self, size: int, *, bits: bytes | None = None) -> None:
        if isinstance(size, bool) or not 1 <= size <= MAX_ENTRIES:
            raise StatusListError(f"状态列表条目数应为 1–{MAX_ENTRIES}，实为 {size}")
        self.size = size
        count = _byte_count(size)
        if bits is None:
            self._bits = bytearray(count)
            return
        if len(bits) != count:
            raise StatusListError(f"状态列表应为 {count} 字节，实为 {len(bits)} 字节")
        self._bits = bytearray(bits)
        spare = size % ENTRIES_PER_BYTE
        if spare and self._bits[-1] >> (spare * BITS):
            raise StatusListError("状态列表末尾的空位不为 0")

    def _check(self, index: int) -> None:
        if isinstance(index, bool) or not 0 <= index < self.size:
            raise StatusListError(f"状态列表序号 {index} 超出范围（0–{self.size - 1}）")

    def get(self, index: int) -> EntryStatus:
        self._check(index)
        byte, slot = divmod(index, ENTRIES_PER_BYTE)
        return EntryStatus((self._bits[byte] >> (slot * BITS)) & 0b11)

    def set(self, index: int, status: EntryStatus | int) -> None:
        self._check(index)
        value = EntryStatus(status)
        byte, slot = divmod(index, ENTRIES_PER_BYTE)
        shift = slot * BITS
        self._bits[byte] = (self._bits[byte] & ~(0b11 << shift) & 0xFF) | (value << shift)

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return self.size == other.size and self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]  # mutable

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def compressed(self) -> bytes:
        return zlib.compress(bytes(self._bits), 9)

    def encode(self) -> str:
        """base64url (no padding) of the zlib-compressed bits."""
        return base64.urlsafe_b64encode(self.compressed()).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str, size: int) -> StatusList:
        """Inverse of ``encode`` for a list of ``size`` entries."""
        if isinstance(size, bool) or not 1 <= size <= MAX_ENTRIES:
            raise StatusListError(f"状态列表条目数应为 1–{MAX_ENTRIES}，实为 {size}")
        try:
            padded = text.encode("ascii") + b"=" * (-len(text) % 4)
            data = base64.urlsafe_b64decode(padded)
        except (UnicodeEncodeError, binascii.Error):
            raise StatusListError("状态列表不是有效的 base64url 文本") from None
        return cls(size, bits=_inflate(data, _byte_count(size)))


# ---------------------------------------------------------------------------------------------
# The signed envelope


class StatusListRejected(Exception):
    """A signed status list did not verify. ``reason`` is a ``tokens.Reason`` code."""

    def __init__(self, reason: Reason, message: str | None = None) -> None:
        self.reason: Reason = reason
        self.message = message or REASON_MESSAGES[reason]
        super().__init__(self.message)


@dataclass(frozen=True)
class SignedStatusList:
    list_id: str
    issued_at: dt.datetime
    status_list: StatusList
    kid: bytes


def sign_status_list(
    status_list: StatusList, *, list_id: str, issued_at: dt.datetime, signer: Signer
) -> bytes:
    """The COSE_Sign1 bytes to publish (``application/cose``)."""
    if issued_at.utcoffset() is None:
        raise StatusListError("issued_at 必须是带时区的时间")
    if not list_id:
        raise StatusListError("状态列表标识不能为空")
    payload = cbor_encode(
        {
            1: "S",
            2: list_id,
            3: status_list.size,
            4: status_list.compressed(),
            10: int(issued_at.timestamp()),
        }
    )
    return cose_sign1_create(payload, signer)


def verify_status_list(data: bytes, *, trust: TrustStore) -> SignedStatusList:
    """Verify a published status list against the trust list, or raise ``StatusListRejected``."""
    if not isinstance(data, bytes) or len(data) > MAX_ENVELOPE:
        raise StatusListRejected("malformed_cbor", "状态列表数据为空或过大")
    try:
        payload, key = cose_sign1_open(data, trust)
    except CoseRejected as exc:
        raise StatusListRejected(exc.reason) from None
    try:
        claims = cbor_decode(payload, max_depth=1)
    except CborError:
        raise StatusListRejected("malformed_claims") from None
    if not isinstance(claims, dict) or set(claims) != {1, 2, 3, 4, 10} or claims[1] != "S":
        raise StatusListRejected("malformed_claims", "签名有效，但不是状态列表")
    list_id, size, bits, issued = claims[2], claims[3], claims[4], claims[10]
    if not (
        isinstance(list_id, str)
        and type(size) is int
        and isinstance(bits, bytes)
        and type(issued) is int
        and 0 <= issued < 253_402_300_800
    ):
        raise StatusListRejected("malformed_claims", "签名有效，但状态列表内容格式错误")
    issued_at = dt.datetime.fromtimestamp(issued, tz=dt.UTC)
    if not key.may_have_signed_at(issued_at):
        raise StatusListRejected("key_not_valid_at_signing")
    try:
        if not 1 <= size <= MAX_ENTRIES:
            raise StatusListError("size")
        status_list = StatusList(size, bits=_inflate(bits, _byte_count(size)))
    except StatusListError:
        raise StatusListRejected("malformed_claims", "签名有效，但状态列表内容格式错误") from None
    return SignedStatusList(
        list_id=list_id, issued_at=issued_at, status_list=status_list, kid=key.kid
    )


def prefer_newest(
    current: SignedStatusList | None, candidate: SignedStatusList
) -> SignedStatusList:
    """The list a verifier should keep: the candidate only if it is newer than what it has."""
    if current is None:
        return candidate
    if candidate.list_id != current.list_id:
        raise StatusListError(f"状态列表标识不一致：{current.list_id} 与 {candidate.list_id}")
    return candidate if candidate.issued_at > current.issued_at else current


def apply_status(
    result: TokenVerification, lists: Mapping[str, StatusList | SignedStatusList]
) -> TokenVerification:
    """Add the licence's status to a verified token; reject it unless the status is VALID.

    A token whose list is unknown, or whose index lies beyond the list (a list older than the
    licence), keeps ``licence_status=None``: not checked.
    """
    claims = result.claims
    if not result.ok or claims is None:
        return result
    found = lists.get(claims.status_list)
    status_list = found.status_list if isinstance(found, SignedStatusList) else found
    if status_list is None or claims.status_index >= status_list.size:
        return result
    status = status_list.get(claims.status_index)
    if status == EntryStatus.VALID:
        return dataclasses.replace(result, licence_status=int(status))
    return dataclasses.replace(
        rejected(_STATUS_REASONS[status], claims=claims, kid=result.kid),
        licence_status=int(status),
    )
