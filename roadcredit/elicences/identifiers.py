"""E-licence identifiers (电子证照标识, GB/T 36904) — pure Python, no Django.

Structure, as production platforms implement it::

    1.2.156.3005.2 . <证照类型代码> . <颁发机构代码> . <流水号> . <版本号> . <校验位>
    root OID         type code (21)  issuer code      serial     version    check

* type code: 21 characters, the 18-character USCC of the authority that defines the licence
  type followed by a 3-digit sequence (``11100000000019713D008`` = MOT + 008, business licence);
* issuer code: normally the issuer's 18-character USCC; some platforms (Hefei) use the 6-digit
  division code, so both lengths are accepted;
* serial: 1–32 upper-case letters or digits, set by the issuer (roadcredit uses year + 6-digit
  sequence, see ``numbering.identifier_serial``; other platforms use 32-hex UUIDs);
* version: 3 digits from ``001``; a re-issue of the same licence (annual review, renewal) keeps
  the serial and takes the next version, and every successor records its predecessor as the
  关联证照标识 (associated identifier);
* check: one character, ISO/IEC 7064 MOD 37,36 (hybrid system, GB/T 17710) over the type code,
  issuer code, serial and version concatenated without dots.

The MOD 37,36 algorithm (``mod37_36_check``), alphabet ``0-9A-Z`` with values 0–35, M = 36::

    P = M
    for each character with value a:
        S = (P + a) mod M;  if S == 0: S = M
        P = (2 * S) mod (M + 1)
    check value = (M + 1 - P) mod M

A full string (data + check) is valid when running the same loop over all characters ends
with ``S == 1`` at the last step. Verified against ISO 7064 reference vectors and five real
identifiers from public code (see the unit tests). One vendor implementation in circulation
departs from the standard; ``vendor_variant_check`` reproduces it so that identifiers it
produced can be recognised (``parse_licence_identifier(..., accept_vendor_variant=True)``),
but roadcredit never issues them.

Error messages are Chinese constants (this module cannot use gettext): each names the rule that
failed — 格式, 长度, 字符, 校验位, 必填 or 关联.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALPHABET",
    "ROOT_OID",
    "LicenceIdentifier",
    "LicenceIdentifierError",
    "build_licence_identifier",
    "check_predecessor",
    "mod37_36_check",
    "mod37_36_valid",
    "parse_licence_identifier",
    "vendor_variant_check",
]

ROOT_OID = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {char: value for value, char in enumerate(ALPHABET)}
_M = 36

TYPE_CODE_LENGTH = 21
ISSUER_CODE_LENGTHS = (18, 6)
SERIAL_MAX_LENGTH = 32
MAX_VERSION = 999

_NAME = "证照标识"
_CODE_CHARS = re.compile(r"[0-9A-Z]+")
_VERSION = re.compile(r"[0-9]{3}")

Rule = Literal["required", "format", "length", "charset", "check", "chain"]
CheckVariant = Literal["iso7064", "vendor"]


class LicenceIdentifierError(ValueError):
    """An identifier broke one rule. ``rule`` is machine-readable, ``message`` is Chinese."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule: Rule = rule
        self.message = message


def _values(data: str) -> list[int]:
    try:
        return [_VALUE[char] for char in data]
    except KeyError as exc:
        raise LicenceIdentifierError(
            "charset", f"{_NAME}含非法字符：{exc.args[0]}（只能使用数字和大写字母）"
        ) from None


def mod37_36_check(data: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character for ``data`` (digits and A–Z)."""
    product = _M
    for value in _values(data):
        total = (product + value) % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def mod37_36_valid(data_with_check: str) -> bool:
    """True when the last character is the MOD 37,36 check character of the others."""
    if len(data_with_check) < 2:
        return False
    try:
        return mod37_36_check(data_with_check[:-1]) == data_with_check[-1]
    except LicenceIdentifierError:
        return False


def vendor_variant_check(data: str) -> str:
    """The check character a vendor implementation in circulation computes for ``data``.

    It departs from ISO/IEC 7064: letters are valued one higher (A = 11 … Z = 36) and reduced
    modulo 37 before modulo 36, and the result maps to the character one position lower. The
    Swagger example identifier of a certificate-sharing API carries such a check character.
    For recognising identifiers from such platforms only; roadcredit never issues them.
    """
    _values(data)  # raises on characters outside 0-9A-Z
    product = _M
    for char in data:
        value = _VALUE[char] + 1 if char.isalpha() else _VALUE[char]
        total = product + value
        if value > 10 and total > _M + 1:
            total %= _M + 1
        total = total % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[_M - product]


@dataclass(frozen=True, slots=True)
class LicenceIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str
    check_variant: CheckVariant = "iso7064"

    @property
    def version_text(self) -> str:
        return f"{self.version:03d}"

    @property
    def text(self) -> str:
        return ".".join(
            (ROOT_OID, self.type_code, self.issuer_code, self.serial, self.version_text, self.check)
        )

    def __str__(self) -> str:
        return self.text

    def same_licence(self, other: LicenceIdentifier) -> bool:
        """Same type, issuer and serial: two versions of one licence."""
        return (self.type_code, self.issuer_code, self.serial) == (
            other.type_code,
            other.issuer_code,
            other.serial,
        )

    def next_version(self) -> LicenceIdentifier:
        """The identifier of the next version of this licence (same serial, version + 1)."""
        return parse_licence_identifier(
            build_licence_identifier(
                self.type_code, self.issuer_code, self.serial, self.version + 1
            )
        )


def _check_type_code(type_code: str) -> None:
    if len(type_code) != TYPE_CODE_LENGTH:
        raise LicenceIdentifierError(
            "length",
            f"证照类型代码长度应为 {TYPE_CODE_LENGTH} 位（定义机构统一社会信用代码 18 位 + "
            f"顺序号 3 位），实为 {len(type_code)} 位",
        )
    if not _CODE_CHARS.fullmatch(type_code):
        raise LicenceIdentifierError("charset", "证照类型代码含非法字符（只能使用数字和大写字母）")
    if not type_code[18:].isdigit():
        raise LicenceIdentifierError("format", "证照类型代码格式错误：最后 3 位应为数字顺序号")


def _check_issuer_code(issuer_code: str) -> None:
    if len(issuer_code) not in ISSUER_CODE_LENGTHS:
        raise LicenceIdentifierError(
            "length",
            "颁发机构代码长度应为 18 位（统一社会信用代码）或 6 位（行政区划代码），"
            f"实为 {len(issuer_code)} 位",
        )
    if not _CODE_CHARS.fullmatch(issuer_code):
        raise LicenceIdentifierError("charset", "颁发机构代码含非法字符（只能使用数字和大写字母）")
    if len(issuer_code) == 6 and not issuer_code.isdigit():
        raise LicenceIdentifierError("format", "颁发机构代码格式错误：6 位代码应为行政区划代码")


def _check_serial(serial: str) -> None:
    if not 1 <= len(serial) <= SERIAL_MAX_LENGTH:
        raise LicenceIdentifierError(
            "length", f"流水号长度应为 1–{SERIAL_MAX_LENGTH} 位，实为 {len(serial)} 位"
        )
    if not _CODE_CHARS.fullmatch(serial):
        raise LicenceIdentifierError("charset", "流水号含非法字符（只能使用数字和大写字母）")


def _check_version(version: int) -> None:
    if isinstance(version, bool) or not 1 <= version <= MAX_VERSION:
        raise LicenceIdentifierError(
            "format", f"版本号格式错误：应为 001–{MAX_VERSION}，实为 {version}"
        )


def build_licence_identifier(type_code21: str, issuer_code: str, serial: str, version: int) -> str:
    """Assemble an identifier and append its check character.

    >>> build_licence_identifier("11100000000019713D008", "370612", "2026000123", 1)
    '1.2.156.3005.2.11100000000019713D008.370612.2026000123.001.G'
    """
    _check_type_code(type_code21)
    _check_issuer_code(issuer_code)
    _check_serial(serial)
    _check_version(version)
    version_text = f"{version:03d}"
    check = mod37_36_check(type_code21 + issuer_code + serial + version_text)
    return ".".join((ROOT_OID, type_code21, issuer_code, serial, version_text, check))


def _clean(text: str) -> str:
    """NFKC (full-width characters become ASCII, 。 stays), trimmed, upper-cased."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def parse_licence_identifier(
    text: str, *, accept_vendor_variant: bool = False
) -> LicenceIdentifier:
    """Parse and check an identifier or raise ``LicenceIdentifierError``.

    ``accept_vendor_variant`` also accepts the check character of the vendor variant (see the
    module docstring); the result says which one matched in ``check_variant``.
    """
    value = _clean(text)
    if not value:
        raise LicenceIdentifierError("required", f"{_NAME}必填")
    prefix = ROOT_OID + "."
    if not value.startswith(prefix):
        raise LicenceIdentifierError("format", f"{_NAME}格式错误：应以根代码 {ROOT_OID} 开头")
    parts = value[len(prefix) :].split(".")
    if len(parts) != 5:
        raise LicenceIdentifierError(
            "format",
            f"{_NAME}格式错误：根代码后应为证照类型代码、颁发机构代码、流水号、版本号、校验位"
            f"共 5 段，以“.”分隔，实为 {len(parts)} 段",
        )
    type_code, issuer_code, serial, version_text, check = parts
    _check_type_code(type_code)
    _check_issuer_code(issuer_code)
    _check_serial(serial)
    if not _VERSION.fullmatch(version_text):
        raise LicenceIdentifierError(
            "format", f"版本号格式错误：应为 3 位数字（如 001），实为“{version_text}”"
        )
    version = int(version_text)
    _check_version(version)
    if len(check) != 1:
        raise LicenceIdentifierError("length", f"校验位长度应为 1 位，实为 {len(check)} 位")
    data = type_code + issuer_code + serial + version_text
    expected = mod37_36_check(data)
    variant: CheckVariant = "iso7064"
    if check != expected:
        if accept_vendor_variant and check == vendor_variant_check(data):
            variant = "vendor"
        else:
            raise LicenceIdentifierError(
                "check", f"{_NAME}校验位错误：应为 {expected}，实为 {check}"
            )
    return LicenceIdentifier(
        type_code=type_code,
        issuer_code=issuer_code,
        serial=serial,
        version=version,
        check=check,
        check_variant=variant,
    )


def check_predecessor(new: LicenceIdentifier, predecessor: LicenceIdentifier) -> None:
    """Check that ``predecessor`` may be recorded as the 关联证照标识 of ``new``.

    Both must be of the same licence type. A re-issue that keeps the serial must raise the
    version; a re-issue under a new serial (transfer, change of issuer) may start anew.
    """
    if new.text == predecessor.text:
        raise LicenceIdentifierError("chain", "关联证照标识不能是证照自身")
    if new.type_code != predecessor.type_code:
        raise LicenceIdentifierError("chain", "关联证照标识的证照类型代码与本证照不一致")
    if new.same_licence(predecessor) and new.version <= predecessor.version:
        raise LicenceIdentifierError(
            "chain",
            f"关联证照的版本号应低于本证照：关联证照为 {predecessor.version_text}，"
            f"本证照为 {new.version_text}",
        )
