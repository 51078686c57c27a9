"""Signed QR tokens of e-licences (CBOR, COSE_Sign1 ES256, zlib, base45) — pure, no Django.

The printed licence's QR code carries a compact token, built as the EU Digital COVID
Certificate builds its ``HC1:`` payload::

    "RC1:" + base45( zlib( COSE_Sign1 ) )

    COSE_Sign1 = tag 18 [ protected: bstr({1: alg, 4: kid}), unprotected: {},
                          payload: bstr(CBOR claims), signature: bstr(r || s, 64 bytes) ]

The signature covers the RFC 9052 ``Sig_structure`` ``["Signature1", protected, h'', payload]``.
Only ES256 (COSE alg -7: ECDSA P-256 with SHA-256) is accepted. The key id names a key of the
published trust list (``trustlist.TrustStore``), so a token verifies offline.

Claims (a CBOR map with small integer keys, to keep the QR code small):

====  =================  ==========================================================
key   claim              value
====  =================  ==========================================================
1     kind               "L" licence token, "P" presentation (亮证) token
2     identifier         e-licence identifier (``identifiers``), text
3     type               licence-type key of the catalogue, text
4     number             licence number as shown publicly: masked when it is an ID number
5     holder             holder as shown publicly: masked name of a natural person
6     valid_from         first day of validity, integer YYYYMMDD
7     valid_until        last day of validity, integer YYYYMMDD; absent = open-ended
8     status_list        id of the status list that holds this licence's status, text
9     status_index       index in that status list, unsigned integer
10    issued_at          when the token was signed, epoch seconds (UTC)
11    expires_at         presentation tokens only: epoch seconds, about a minute after 10
12    nonce              presentation tokens only: random bytes
====  =================  ==========================================================

A licence token ("L") proves the licence, as the paper does, for the licence's whole validity.
A presentation token ("P") is the phone portal's live 亮证 code: same claims, valid for about
a minute (``PRESENTATION_LIFETIME``), so it proves the licence is being shown live. The
verifier reports which kind it read.

No unmasked personal data ever goes into a token: ``encode_licence_token`` refuses any claim
that contains a complete resident ID number (use ``catalogue.LicenceType.public_number`` and
``core.masking.mask_name`` first).

``verify_token`` never raises for bad input: every forged, truncated, foreign or garbage token
yields ``TokenVerification(status="rejected", reason=…, message=<Chinese>)``. Decoding is
bounded: the text length, the decompressed size (``MAX_DECOMPRESSED``: no zip bombs) and the
CBOR nesting depth are capped, and the CBOR decoder here accepts only the small subset the
tokens use (integers, byte and text strings, arrays, maps, one tag; no floats, no indefinite
lengths, no duplicate keys).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from roadcredit.elicences.trustlist import ALG_ES256, TrustedKey, TrustStore
from roadcredit.subjects.identifiers import id_number_check_char

__all__ = [
    "ALG_ES256",
    "MAX_DECOMPRESSED",
    "PREFIX",
    "PRESENTATION_LIFETIME",
    "REASON_MESSAGES",
    "CborError",
    "CborTag",
    "CoseRejected",
    "LicenceClaims",
    "Reason",
    "Signer",
    "TokenError",
    "TokenKind",
    "TokenVerification",
    "b45decode",
    "b45encode",
    "cbor_decode",
    "cbor_encode",
    "cose_sign1_create",
    "cose_sign1_open",
    "encode_licence_token",
    "encode_presentation_token",
    "rejected",
    "token_from_scan",
    "verification_url",
    "verify_token",
]

PREFIX: Final = "RC1:"
MAX_SCAN_CHARS: Final = 4096  # longest QR text the verifier looks at
MAX_DECOMPRESSED: Final = 4096  # bytes of COSE a token may inflate to
MAX_CBOR_DEPTH: Final = 4
PRESENTATION_LIFETIME: Final = dt.timedelta(seconds=60)
MAX_PRESENTATION_LIFETIME: Final = dt.timedelta(minutes=10)
EXPIRY_SKEW: Final = dt.timedelta(seconds=30)  # verifier clock ahead of the signer's
ISSUED_AT_SKEW: Final = dt.timedelta(minutes=5)  # verifier clock behind the signer's
SIGNATURE_LENGTH: Final = 64
COSE_SIGN1_TAG: Final = 18
HEADER_ALG: Final = 1
HEADER_KID: Final = 4
_CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())

TokenKind = Literal["L", "P"]
KIND_NAMES: Final[dict[str, Literal["licence", "presentation"]]] = {
    "L": "licence",
    "P": "presentation",
}

Reason = Literal[
    "not_ours",
    "malformed_base45",
    "malformed_zlib",
    "malformed_cbor",
    "not_cose_sign1",
    "unsupported_alg",
    "unknown_kid",
    "key_revoked",
    "bad_signature",
    "malformed_claims",
    "key_not_valid_at_signing",
    "not_yet_valid",
    "expired",
    "licence_out_of_validity",
    "licence_suspended",
    "licence_revoked",
    "licence_cancelled",
]

REASON_MESSAGES: Final[dict[Reason, str]] = {
    "not_ours": "不是本平台签发的电子证照二维码",
    "malformed_base45": "二维码内容不完整或已损坏（编码错误）",
    "malformed_zlib": "二维码内容不完整或已损坏（解压失败）",
    "malformed_cbor": "二维码内容不完整或已损坏（数据结构错误）",
    "not_cose_sign1": "二维码内容不是有效的签名数据",
    "unsupported_alg": "二维码使用了不支持的签名算法",
    "unknown_kid": "签名密钥不在信任列表中，无法确认签发机关",
    "key_revoked": "签名密钥已被吊销，该二维码不再可信",
    "bad_signature": "签名验证失败，二维码可能被篡改或伪造",
    "malformed_claims": "二维码签名有效，但证照信息格式错误",
    "key_not_valid_at_signing": "签发时签名密钥不在有效期内",
    "not_yet_valid": "二维码签发时间晚于当前时间，请检查设备时间",
    "expired": "亮证码已过期，请持证人刷新后重新出示",
    "licence_out_of_validity": "证照不在有效期内",
    "licence_suspended": "证照已被暂停使用",
    "licence_revoked": "证照已被吊销或撤销",
    "licence_cancelled": "证照已注销或失效",
}
_OK_MESSAGES: Final = {
    "L": "验证通过：电子证照二维码（证明证照本身，不代表持证人正在现场出示）",
    "P": "验证通过：亮证码（持证人正在现场出示）",
}


class TokenError(ValueError):
    """A token cannot be made from these claims (a caller's mistake); message in Chinese."""


class Signer(Protocol):
    """Anything that signs with an ES256 key listed in the trust list (see ``signing.py``)."""

    @property
    def kid(self) -> bytes: ...

    @property
    def alg(self) -> int:  # COSE alg id, -7 = ES256
        ...

    def sign(self, data: bytes) -> bytes:  # raw r || s, 64 bytes
        ...


# ---------------------------------------------------------------------------------------------
# base45 (RFC 9285), strict

_B45_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_BYTES: Final = _B45_ALPHABET.encode("ascii")
# byte → value 0–44, or 0xFF for a byte outside the alphabet (for ``bytes.translate``)
_B45_TABLE: Final = bytes(
    _B45_BYTES.index(byte) if byte in _B45_BYTES else 0xFF for byte in range(256)
)


def b45encode(data: bytes) -> str:
    out = bytearray()
    alphabet = _B45_BYTES
    for i in range(0, len(data) - 1, 2):
        e, rest = divmod((data[i] << 8) | data[i + 1], 2025)
        d, c = divmod(rest, 45)
        out += bytes((alphabet[c], alphabet[d], alphabet[e]))
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += bytes((alphabet[c], alphabet[d]))
    return out.decode("ascii")


def b45decode(text: str) -> bytes:
    """Decode base45; ``ValueError`` for any character or group RFC 9285 does not allow.

    The groups are computed all at once with big-integer arithmetic: each group's three
    values go into a 32-bit lane of three integers c, d, e, and c + 45·d + 2025·e (at most
    91,124, so no lane overflows into the next) holds every group's 16-bit result. This is
    several times faster than a Python loop over the groups, and base45 is on the hot path of
    offline verification.
    """
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("non-ASCII character in base45 text") from None
    values = raw.translate(_B45_TABLE)
    if b"\xff" in values:
        raise ValueError("character outside the base45 alphabet")
    size = len(values)
    rest = size % 3
    if rest == 1:
        raise ValueError("base45 text has a dangling character")
    groups = size // 3
    full = groups * 3
    out = bytearray(2 * groups)
    if groups:
        lanes = bytearray(4 * groups)
        lanes[3::4] = values[0:full:3]
        c = int.from_bytes(lanes, "big")
        lanes[3::4] = values[1:full:3]
        d = int.from_bytes(lanes, "big")
        lanes[3::4] = values[2:full:3]
        e = int.from_bytes(lanes, "big")
        packed = (c + 45 * d + 2025 * e).to_bytes(4 * groups, "big")
        if packed[1::4] != bytes(groups):  # a group above 0xFFFF
            raise ValueError("base45 group out of range")
        out[0::2] = packed[2::4]
        out[1::2] = packed[3::4]
    if rest == 2:
        number = values[-2] + values[-1] * 45
        if number > 0xFF:
            raise ValueError("base45 group out of range")
        out.append(number)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# CBOR (RFC 8949): the small subset the tokens use


class CborError(ValueError):
    """Not CBOR, or CBOR outside the accepted subset or limits."""


@dataclass(frozen=True)
class CborTag:
    tag: int
    value: object


def _head(major: int, number: int) -> bytes:
    if number < 24:
        return bytes((major << 5 | number,))
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if number < 1 << (8 * size):
            return bytes((major << 5 | info,)) + number.to_bytes(size, "big")
    raise CborError("integer too large for CBOR")


def _encode(value: object, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True or value is False:
        out.append(0xF5 if value else 0xF4)
    elif isinstance(value, int):
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, bytes):
        out += _head(2, len(value)) + value
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        out += _head(3, len(encoded)) + encoded
    elif isinstance(value, list | tuple):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, Mapping):
        # Deterministic encoding (RFC 8949 §4.2.1): keys sorted by their encoded bytes.
        pairs = sorted((cbor_encode(key), item) for key, item in value.items())
        out += _head(5, len(pairs))
        for key_bytes, item in pairs:
            out += key_bytes
            _encode(item, out)
    elif isinstance(value, CborTag):
        out += _head(6, value.tag)
        _encode(value.value, out)
    else:
        raise CborError(f"cannot encode {type(value).__name__} as CBOR")


def cbor_encode(value: object) -> bytes:
    """Deterministic CBOR for None, bool, int, bytes, str, list/tuple, mapping, ``CborTag``."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


_SIMPLE: Final[dict[int, object]] = {0xF4: False, 0xF5: True, 0xF6: None}


def _decode(data: bytes, pos: int, depth: int) -> tuple[object, int]:
    if pos >= len(data):
        raise CborError("truncated CBOR")
    initial = data[pos]
    major, number = initial >> 5, initial & 0x1F
    pos += 1
    if major == 7:  # simple values; floats are not accepted
        if initial not in _SIMPLE:
            raise CborError("unsupported CBOR simple value or float")
        return _SIMPLE[initial], pos
    if number >= 24:
        if number > 27:
            raise CborError("indefinite length or reserved CBOR value")
        end = pos + (1 << (number - 24))
        if end > len(data):
            raise CborError("truncated CBOR")
        number = int.from_bytes(data[pos:end], "big")
        pos = end
    if major == 0:
        return number, pos
    if major == 1:
        return -1 - number, pos
    if major == 2 or major == 3:
        end = pos + number
        if end > len(data):
            raise CborError("truncated CBOR string")
        if major == 2:
            return data[pos:end], end
        try:
            return data[pos:end].decode("utf-8"), end
        except UnicodeDecodeError:
            raise CborError("invalid UTF-8 in CBOR text") from None
    if depth <= 0:
        raise CborError("CBOR nested too deeply")
    if major == 4:
        if number > len(data) - pos:
            raise CborError("truncated CBOR array")
        items: list[object] = []
        for _ in range(number):
            item, pos = _decode(data, pos, depth - 1)
            items.append(item)
        return items, pos
    if major == 5:
        if number * 2 > len(data) - pos:
            raise CborError("truncated CBOR map")
        result: dict[object, object] = {}
        for _ in range(number):
            key, pos = _decode(data, pos, depth - 1)
            if type(key) is not int and type(key) is not str:
                raise CborError("CBOR map key must be an integer or text")
            if key in result:
                raise CborError("duplicate CBOR map key")
            result[key], pos = _decode(data, pos, depth - 1)
        return result, pos
    # major 6: a tag
    value, pos = _decode(data, pos, depth - 1)
    return CborTag(number, value), pos


def cbor_decode(data: bytes, *, max_depth: int = MAX_CBOR_DEPTH) -> object:
    """Decode one CBOR item that fills ``data`` exactly, or raise ``CborError``."""
    value, end = _decode(data, 0, max_depth)
    if end != len(data):
        raise CborError("trailing bytes after CBOR item")
    return value


# ---------------------------------------------------------------------------------------------
# COSE_Sign1 (RFC 9052), ES256 only


class CoseRejected(Exception):
    """A COSE_Sign1 object did not verify; ``reason`` says why (a ``Reason`` code)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return (
        b"\x84\x6aSignature1"
        + _head(2, len(protected))
        + protected
        + b"\x40"
        + _head(2, len(payload))
        + payload
    )


def cose_sign1_create(payload: bytes, signer: Signer) -> bytes:
    """A tagged COSE_Sign1 over ``payload`` with the signer's alg and kid in the protected header."""
    if signer.alg != ALG_ES256:
        raise TokenError(f"签名算法 {signer.alg} 不受支持，仅支持 ES256（-7）")
    protected = cbor_encode({HEADER_ALG: signer.alg, HEADER_KID: bytes(signer.kid)})
    signature = signer.sign(_sig_structure(protected, payload))
    if len(signature) != SIGNATURE_LENGTH:
        raise TokenError("签名长度应为 64 字节（r‖s）")
    return cbor_encode(CborTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def cose_sign1_open(data: bytes, trust: TrustStore) -> tuple[bytes, TrustedKey]:
    """Verify a COSE_Sign1 against the trust store; return (payload, key) or raise ``CoseRejected``.

    The payload is returned as signed, never re-encoded.
    """
    try:
        envelope = cbor_decode(data)
    except CborError:
        raise CoseRejected("malformed_cbor") from None
    if not isinstance(envelope, CborTag) or envelope.tag != COSE_SIGN1_TAG:
        raise CoseRejected("not_cose_sign1")
    parts = envelope.value
    if not isinstance(parts, list) or len(parts) != 4:
        raise CoseRejected("not_cose_sign1")
    protected, unprotected, payload, signature = parts
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, dict)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise CoseRejected("not_cose_sign1")
    try:
        headers = cbor_decode(protected, max_depth=1) if protected else {}
    except CborError:
        raise CoseRejected("malformed_cbor") from None
    if not isinstance(headers, dict):
        raise CoseRejected("not_cose_sign1")
    if headers.get(HEADER_ALG) != ALG_ES256:
        raise CoseRejected("unsupported_alg")
    kid = headers.get(HEADER_KID)
    key = trust.get(kid) if isinstance(kid, bytes) else None
    if key is None:
        raise CoseRejected("unknown_kid")
    if key.status == "revoked":
        raise CoseRejected("key_revoked")
    if len(signature) != SIGNATURE_LENGTH:
        raise CoseRejected("bad_signature")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    try:
        key.public_key.verify(
            encode_dss_signature(r, s), _sig_structure(protected, payload), _ECDSA_SHA256
        )
    except InvalidSignature:
        raise CoseRejected("bad_signature") from None
    return payload, key


# ---------------------------------------------------------------------------------------------
# Claims


@dataclass(frozen=True, slots=True)
class LicenceClaims:
    """What a QR token says about a licence — public data only (masked where personal)."""

    identifier: str
    type_key: str
    number: str
    holder: str
    valid_from: dt.date
    valid_until: dt.date | None  # None: open-ended (e.g. with the vehicle until scrapped)
    status_list: str
    status_index: int
    issued_at: dt.datetime
    kind: TokenKind = "L"
    expires_at: dt.datetime | None = None  # presentation tokens only
    nonce: bytes | None = None  # presentation tokens only


_FULL_ID = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")


def _contains_id_number(text: str) -> bool:
    for match in _FULL_ID.finditer(text):
        found = match.group(1).upper()
        if len(found) == 15 or id_number_check_char(found[:17]) == found[17]:
            return True
    return False


def _date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _check_claims(claims: LicenceClaims) -> None:
    for name, moment in (("issued_at", claims.issued_at), ("expires_at", claims.expires_at)):
        if moment is not None and moment.utcoffset() is None:
            raise TokenError(f"{name} 必须是带时区的时间")
    if claims.kind == "L":
        if claims.expires_at is not None or claims.nonce is not None:
            raise TokenError("证照二维码不应带有效期截止时间或随机数（仅亮证码使用）")
    elif claims.kind == "P":
        if claims.expires_at is None or not claims.nonce:
            raise TokenError("亮证码必须带有效期截止时间和随机数")
        lifetime = claims.expires_at - claims.issued_at
        if not dt.timedelta(0) < lifetime <= MAX_PRESENTATION_LIFETIME:
            raise TokenError("亮证码有效期应在 10 分钟以内")
    else:
        raise TokenError(f"未知的二维码类型：{claims.kind}")
    if claims.valid_until is not None and claims.valid_until < claims.valid_from:
        raise TokenError("证照有效期截止日期早于起始日期")
    if claims.status_index < 0:
        raise TokenError("状态列表序号不能为负数")
    serial = claims.identifier.split(".")[-3] if claims.identifier.count(".") >= 3 else ""
    for text in (claims.number, claims.holder, serial):
        if _contains_id_number(text):
            raise TokenError("二维码内容含完整的身份证号码，须先脱敏（前 6 位 + 后 4 位）")


def _claims_map(claims: LicenceClaims) -> dict[int, object]:
    data: dict[int, object] = {
        1: claims.kind,
        2: claims.identifier,
        3: claims.type_key,
        4: claims.number,
        5: claims.holder,
        6: _date_int(claims.valid_from),
        8: claims.status_list,
        9: claims.status_index,
        10: _epoch(claims.issued_at),
    }
    if claims.valid_until is not None:
        data[7] = _date_int(claims.valid_until)
    if claims.expires_at is not None:
        data[11] = _epoch(claims.expires_at)
    if claims.nonce is not None:
        data[12] = claims.nonce
    return data


_REQUIRED_TEXT = {1: "kind", 2: "identifier", 3: "type", 4: "number", 5: "holder", 8: "list"}
_ALLOWED_KEYS = frozenset(range(1, 13))
_MAX_EPOCH = 253_402_300_800  # 10000-01-01T00:00:00Z


def _date_from_int(value: object) -> dt.date:
    if type(value) is not int or not 10000101 <= value <= 99991231:
        raise ValueError("date claim")
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def _time_from_epoch(value: object) -> dt.datetime:
    if type(value) is not int or not 0 <= value < _MAX_EPOCH:
        raise ValueError("time claim")
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _claims_from_payload(payload: bytes) -> LicenceClaims:
    """Parse the signed payload; ``ValueError`` (incl. ``CborError``) if it is not our claim map."""
    data = cbor_decode(payload, max_depth=1)
    if not isinstance(data, dict) or not set(data) <= _ALLOWED_KEYS:
        raise ValueError("claims map")
    for key in _REQUIRED_TEXT:
        if not isinstance(data.get(key), str):
            raise ValueError("text claim")
    kind = data[1]
    if kind not in KIND_NAMES:
        raise ValueError("kind claim")
    index = data.get(9)
    if type(index) is not int or index < 0:
        raise ValueError("status index claim")
    nonce = data.get(12)
    if nonce is not None and not isinstance(nonce, bytes):
        raise ValueError("nonce claim")
    claims = LicenceClaims(
        kind="P" if kind == "P" else "L",
        identifier=str(data[2]),
        type_key=str(data[3]),
        number=str(data[4]),
        holder=str(data[5]),
        valid_from=_date_from_int(data.get(6)),
        valid_until=_date_from_int(data[7]) if 7 in data else None,
        status_list=str(data[8]),
        status_index=index,
        issued_at=_time_from_epoch(data.get(10)),
        expires_at=_time_from_epoch(data[11]) if 11 in data else None,
        nonce=nonce,
    )
    if (claims.kind == "P") != (claims.expires_at is not None and claims.nonce is not None):
        raise ValueError("presentation claims")
    if claims.kind == "L" and (claims.expires_at is not None or claims.nonce is not None):
        raise ValueError("licence claims")
    return claims


# ---------------------------------------------------------------------------------------------
# Encoding


def encode_licence_token(claims: LicenceClaims, signer: Signer) -> str:
    """The QR text ``RC1:…`` for ``claims`` (kind "L" or "P"), signed by ``signer``."""
    _check_claims(claims)
    cose = cose_sign1_create(cbor_encode(_claims_map(claims)), signer)
    return PREFIX + b45encode(zlib.compress(cose, 9))


def encode_presentation_token(
    claims: LicenceClaims,
    signer: Signer,
    *,
    now: dt.datetime,
    lifetime: dt.timedelta = PRESENTATION_LIFETIME,
    nonce: bytes | None = None,
) -> str:
    """A live 亮证 token for the licence described by ``claims``, valid for ``lifetime``."""
    live = dataclasses.replace(
        claims,
        issued_at=now,
        kind="P",
        expires_at=now + lifetime,
        nonce=nonce if nonce is not None else os.urandom(8),
    )
    return encode_licence_token(live, signer)


def verification_url(base_url: str, token: str) -> str:
    """The URL printed in the QR code: ``base_url`` with the token as query parameter ``t``."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}t={quote(token, safe='$*-./:')}"


def token_from_scan(text: str) -> str | None:
    """The token in scanned QR text: the text itself, or the ``t`` parameter of a URL."""
    text = text.strip()
    if text.startswith(PREFIX):
        return text
    if text[:8].lower().startswith(("https://", "http://")):
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        for value in parse_qs(parts.query).get("t", []):
            if value.startswith(PREFIX):
                return value
    return None


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class TokenVerification:
    """The verdict on a scanned token. ``message`` is Chinese and safe to show."""

    status: Literal["ok", "rejected"]
    reason: Reason | None
    message: str
    kind: Literal["licence", "presentation"] | None = None
    claims: LicenceClaims | None = None
    kid: bytes | None = None
    # 0 valid … 3 cancelled (``statuslist.EntryStatus``) once checked by
    # ``statuslist.apply_status``; None = not checked against a status list.
    licence_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def rejected(
    reason: Reason,
    *,
    message: str | None = None,
    claims: LicenceClaims | None = None,
    kid: bytes | None = None,
) -> TokenVerification:
    kind = KIND_NAMES[claims.kind] if claims is not None else None
    return TokenVerification(
        status="rejected",
        reason=reason,
        message=message or REASON_MESSAGES[reason],
        kind=kind,
        claims=claims,
        kid=kid,
    )


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    data = inflater.decompress(compressed, MAX_DECOMPRESSED + 1)
    if len(data) > MAX_DECOMPRESSED or inflater.unconsumed_tail:
        raise ValueError("inflates beyond the limit")
    if not inflater.eof or inflater.unused_data:
        raise ValueError("truncated or trailing data")
    return data


def verify_token(text: str, *, trust: TrustStore, now: dt.datetime) -> TokenVerification:
    """Verify scanned QR text offline. Never raises for bad input: it returns the reason.

    Accepts the bare token or the verification URL that carries it. ``now`` must be aware.
    The licence's status (suspended, revoked …) is a separate check against the status list:
    ``statuslist.apply_status``.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not isinstance(text, str) or len(text) > MAX_SCAN_CHARS:
        return rejected("not_ours")
    token = token_from_scan(text)
    if token is None:
        return rejected("not_ours")
    try:
        compressed = b45decode(token[len(PREFIX) :])
    except ValueError:
        return rejected("malformed_base45")
    try:
        cose = _inflate(compressed)
    except (ValueError, zlib.error):
        return rejected("malformed_zlib")
    try:
        payload, key = cose_sign1_open(cose, trust)
    except CoseRejected as exc:
        return rejected(exc.reason)
    try:
        claims = _claims_from_payload(payload)
    except (ValueError, OverflowError, OSError):
        return rejected("malformed_claims", kid=key.kid)
    if not key.may_have_signed_at(claims.issued_at):
        return rejected("key_not_valid_at_signing", claims=claims, kid=key.kid)
    if claims.issued_at > now + ISSUED_AT_SKEW:
        return rejected("not_yet_valid", claims=claims, kid=key.kid)
    if claims.expires_at is not None and now > claims.expires_at + EXPIRY_SKEW:
        return rejected("expired", claims=claims, kid=key.kid)
    today = now.astimezone(_CHINA).date()
    if today < claims.valid_from:
        return rejected(
            "licence_out_of_validity",
            message=f"证照尚未生效（自 {claims.valid_from.isoformat()} 起有效）",
            claims=claims,
            kid=key.kid,
        )
    if claims.valid_until is not None and today > claims.valid_until:
        return rejected(
            "licence_out_of_validity",
            message=f"证照已超过有效期（有效期至 {claims.valid_until.isoformat()}）",
            claims=claims,
            kid=key.kid,
        )
    return TokenVerification(
        status="ok",
        reason=None,
        message=_OK_MESSAGES[claims.kind],
        kind=KIND_NAMES[claims.kind],
        claims=claims,
        kid=key.kid,
    )
