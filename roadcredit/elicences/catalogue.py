"""The licence-type catalogue (证照类型目录): data in ``data/licence_types.toml``, checked here.

Pure Python, no Django. The catalogue lists the eight road-transport licence types with their
face fields (照面信息), number format, validity rule, holder kind, 21-character type code, and
the issuing authority (name, USCC, division code). The issuing authority is configuration —
in some districts the 行政审批服务局 issues — so ``load_catalogue`` takes an override mapping
(the Django side passes ``settings``-provided values; this module never reads settings).

``load_catalogue`` refuses a malformed file with ``CatalogueError`` whose Chinese message names
the entry and the rule: a bad regex, a duplicate key, a type code that is not 21 characters
or whose USCC part fails its check character, a template whose numbers its own regex would
reject, a sample number the regex rejects, an unknown face-field source.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from roadcredit.core.masking import mask_id_number
from roadcredit.elicences.numbering import NumberingError, format_number, parse_template
from roadcredit.subjects.identifiers import IdentifierError, validate_uscc

__all__ = [
    "CATALOGUE_PATH",
    "Catalogue",
    "CatalogueError",
    "FaceField",
    "HolderKind",
    "Issuer",
    "LicenceType",
    "NumberSource",
    "Validity",
    "default_valid_until",
    "load_catalogue",
    "parse_catalogue",
]

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "licence_types.toml"

HolderKind = Literal["operator", "vehicle", "practitioner"]
NumberSource = Literal["template", "holder_id_number", "external"]
ValidityKind = Literal["years", "vehicle_lifetime"]

HOLDER_KINDS: tuple[HolderKind, ...] = ("operator", "vehicle", "practitioner")
NUMBER_SOURCES: tuple[NumberSource, ...] = ("template", "holder_id_number", "external")
VALIDITY_KINDS: tuple[ValidityKind, ...] = ("years", "vehicle_lifetime")

_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_SOURCE = re.compile(r"(holder|vehicle|licence|issuer)\.[a-z][a-z0-9_]*")
_DIVISION = re.compile(r"[0-9]{6}")


class CatalogueError(ValueError):
    """The catalogue is malformed; the message (Chinese) says where and why."""


@dataclass(frozen=True)
class FaceField:
    key: str
    label_zh: str
    source: str
    personal: bool = False


@dataclass(frozen=True)
class Validity:
    kind: ValidityKind
    years: int | None
    verified: bool


@dataclass(frozen=True)
class LicenceType:
    key: str
    name_zh: str
    standard: str
    holder_kind: HolderKind
    type_code: str
    type_code_verified: bool
    issued_here: bool
    number_source: NumberSource
    number_template: str | None
    number_regex: re.Pattern[str]
    sample_numbers: tuple[str, ...]
    validity: Validity
    face: tuple[FaceField, ...]

    @property
    def number_is_id_number(self) -> bool:
        """The licence number is the holder's resident ID number (personal data)."""
        return self.number_source == "holder_id_number"

    def number_matches(self, number: str) -> bool:
        return self.number_regex.fullmatch(number) is not None

    def public_number(self, number: str) -> str:
        """The number as it may appear in QR tokens, URLs and public pages (masked if an ID)."""
        return mask_id_number(number) if self.number_is_id_number else number


@dataclass(frozen=True)
class Issuer:
    name: str
    uscc: str
    division: str
    uscc_placeholder: bool


@dataclass(frozen=True)
class Catalogue:
    version: str
    source: str
    issuer: Issuer
    types: tuple[LicenceType, ...]

    def __iter__(self) -> Iterator[LicenceType]:
        return iter(self.types)

    def __len__(self) -> int:
        return len(self.types)

    def __getitem__(self, key: str) -> LicenceType:
        for licence_type in self.types:
            if licence_type.key == key:
                return licence_type
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(licence_type.key == key for licence_type in self.types)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(licence_type.key for licence_type in self.types)

    def by_type_code(self, type_code: str) -> LicenceType | None:
        for licence_type in self.types:
            if licence_type.type_code == type_code:
                return licence_type
        return None

    def issued_here(self) -> tuple[LicenceType, ...]:
        return tuple(licence_type for licence_type in self.types if licence_type.issued_here)

    def format_number(self, key: str, seq: int, *, year: int | None = None) -> str:
        """The paper number of sequence ``seq`` for type ``key`` in this issuer's division."""
        licence_type = self[key]
        if licence_type.number_template is None:
            raise CatalogueError(f"证照类型 {key} 的编号不由本机关按模板编制")
        return format_number(licence_type.number_template, self.issuer.division, seq, year=year)


def default_valid_until(licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    """The last day of validity under the type's rule; ``None`` when open-ended.

    N years from 2026-03-01 end on 2030-02-28 (the day before the anniversary); a licence from
    29 February ends on 28 February.
    """
    validity = licence_type.validity
    if validity.kind != "years" or validity.years is None:
        return None
    year = valid_from.year + validity.years
    try:
        anniversary = valid_from.replace(year=year)
    except ValueError:  # 29 February into a non-leap year
        anniversary = dt.date(year, 3, 1)
    return anniversary - dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Loading and checking


def _text(entry: Mapping[str, Any], field: str, where: str, *, required: bool = True) -> str:
    value = entry.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}缺少 {field} 或其不是文本")
    return value.strip()


def _flag(entry: Mapping[str, Any], field: str, where: str, default: bool) -> bool:
    value = entry.get(field, default)
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}的 {field} 应为 true 或 false")
    return value


_Choice = TypeVar("_Choice", bound=str)


def _choice(
    entry: Mapping[str, Any], field: str, where: str, allowed: tuple[_Choice, ...]
) -> _Choice:
    value = entry.get(field)
    if value not in allowed:
        raise CatalogueError(f"{where}的 {field}“{value}”无效，应为 {'、'.join(allowed)} 之一")
    return cast(_Choice, value)


def _parse_issuer(data: Mapping[str, Any]) -> Issuer:
    where = "[issuer] 颁证机关配置"
    if not isinstance(data, Mapping):
        raise CatalogueError(f"{where}缺失或格式错误")
    name = _text(data, "name", where)
    try:
        uscc = validate_uscc(_text(data, "uscc", where))
    except IdentifierError as exc:
        raise CatalogueError(f"{where}的统一社会信用代码无效：{exc.message}") from None
    division = _text(data, "division", where)
    if not _DIVISION.fullmatch(division):
        raise CatalogueError(f"{where}的行政区划代码应为 6 位数字，实为“{division}”")
    return Issuer(
        name=name,
        uscc=uscc,
        division=division,
        uscc_placeholder=_flag(data, "uscc_placeholder", where, False),
    )


def _parse_validity(value: Any, where: str) -> Validity:
    if not isinstance(value, Mapping):
        raise CatalogueError(f"{where}缺少 validity（有效期规则）")
    kind = _choice(value, "kind", f"{where}有效期规则", VALIDITY_KINDS)
    years = value.get("years")
    if kind == "years":
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 30:
            raise CatalogueError(f"{where}的有效期年限应为 1–30 的整数，实为“{years}”")
    elif years is not None:
        raise CatalogueError(f"{where}的有效期规则为 {kind}，不应设置 years")
    return Validity(kind=kind, years=years, verified=_flag(value, "verified", where, False))


def _parse_face(value: Any, where: str) -> tuple[FaceField, ...]:
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{where}缺少照面信息 face")
    fields: list[FaceField] = []
    seen: set[str] = set()
    for position, item in enumerate(value, start=1):
        item_where = f"{where}第 {position} 个照面项"
        if not isinstance(item, Mapping):
            raise CatalogueError(f"{item_where}格式错误")
        key = _text(item, "key", item_where)
        if not _KEY.fullmatch(key):
            raise CatalogueError(f"{item_where}的 key“{key}”应为小写字母、数字和下划线")
        if key in seen:
            raise CatalogueError(f"{where}的照面项 {key} 重复")
        seen.add(key)
        source = _text(item, "source", item_where)
        if not _SOURCE.fullmatch(source):
            raise CatalogueError(
                f"{item_where}的数据来源“{source}”无效，应为 holder./vehicle./licence./issuer. 开头"
            )
        fields.append(
            FaceField(
                key=key,
                label_zh=_text(item, "label_zh", item_where),
                source=source,
                personal=_flag(item, "personal", item_where, False),
            )
        )
    return tuple(fields)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise CatalogueError(f"{where}的编号正则表达式错误：{exc}") from None


def _parse_type(entry: Mapping[str, Any], position: int, division: str) -> LicenceType:
    where = f"第 {position} 个证照类型"
    if not isinstance(entry, Mapping):
        raise CatalogueError(f"{where}格式错误")
    key = _text(entry, "key", where)
    if not _KEY.fullmatch(key):
        raise CatalogueError(f"{where}的 key“{key}”应为小写字母、数字和下划线")
    where = f"证照类型 {key} "
    type_code = _text(entry, "type_code", where)
    if len(type_code) != 21:
        raise CatalogueError(
            f"{where}的证照类型代码长度应为 21 位（定义机构统一社会信用代码 18 位 + 顺序号 3 位），"
            f"实为 {len(type_code)} 位"
        )
    if not _TYPE_CODE.fullmatch(type_code):
        raise CatalogueError(f"{where}的证照类型代码格式错误：应为 18 位代码 + 3 位数字")
    try:
        validate_uscc(type_code[:18])
    except IdentifierError as exc:
        raise CatalogueError(
            f"{where}的证照类型代码前 18 位不是有效的统一社会信用代码：{exc.message}"
        ) from None
    number_source = _choice(entry, "number_source", where, NUMBER_SOURCES)
    regex = _compile(_text(entry, "number_regex", where), where)
    template = _text(entry, "number_template", where, required=False) or None
    if number_source == "template" and template is None:
        raise CatalogueError(f"{where}按模板编号，但缺少 number_template")
    if number_source != "template" and template is not None:
        raise CatalogueError(f"{where}的编号来源为 {number_source}，不应设置 number_template")
    if template is not None:
        try:
            parse_template(template)
            produced = [format_number(template, division, seq) for seq in (1, 999_999)]
        except NumberingError as exc:
            raise CatalogueError(f"{where}的编号模板错误：{exc}") from None
        for number in produced:
            if not regex.fullmatch(number):
                raise CatalogueError(f"{where}的编号模板生成的“{number}”不符合其编号正则表达式")
    samples = entry.get("sample_numbers", [])
    if not isinstance(samples, list) or not samples or not all(isinstance(s, str) for s in samples):
        raise CatalogueError(f"{where}缺少样例编号 sample_numbers（用于检验正则表达式）")
    for sample in samples:
        if not regex.fullmatch(sample):
            raise CatalogueError(f"{where}的样例编号“{sample}”不符合其编号正则表达式")
    return LicenceType(
        key=key,
        name_zh=_text(entry, "name_zh", where),
        standard=_text(entry, "standard", where),
        holder_kind=_choice(entry, "holder_kind", where, HOLDER_KINDS),
        type_code=type_code,
        type_code_verified=_flag(entry, "type_code_verified", where, False),
        issued_here=_flag(entry, "issued_here", where, False),
        number_source=number_source,
        number_template=template,
        number_regex=regex,
        sample_numbers=tuple(samples),
        validity=_parse_validity(entry.get("validity"), where),
        face=_parse_face(entry.get("face"), where),
    )


def parse_catalogue(text: str, *, issuer: Mapping[str, Any] | None = None) -> Catalogue:
    """Parse and check catalogue TOML text; ``issuer`` overrides keys of its [issuer] section."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"证照类型目录文件格式错误：{exc}") from None
    issuer_data = data.get("issuer")
    if issuer is not None:
        issuer_data = {**(issuer_data if isinstance(issuer_data, Mapping) else {}), **issuer}
    parsed_issuer = _parse_issuer(issuer_data or {})
    entries = data.get("type")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("证照类型目录中没有任何 [[type]] 条目")
    types: list[LicenceType] = []
    keys: set[str] = set()
    codes: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        licence_type = _parse_type(entry, position, parsed_issuer.division)
        if licence_type.key in keys:
            raise CatalogueError(f"证照类型 key {licence_type.key} 重复")
        if licence_type.type_code in codes:
            raise CatalogueError(f"证照类型代码 {licence_type.type_code} 重复")
        keys.add(licence_type.key)
        codes.add(licence_type.type_code)
        types.append(licence_type)
    return Catalogue(
        version=str(data.get("version", "")),
        source=str(data.get("source", "")),
        issuer=parsed_issuer,
        types=tuple(types),
    )


def load_catalogue(
    path: Path | str | None = None, *, issuer: Mapping[str, Any] | None = None
) -> Catalogue:
    """Read and check the catalogue file (default: the one shipped with the app).

    ``issuer`` (e.g. ``settings.ELICENCE_ISSUER``) overrides the [issuer] section:
    ``{"name": "烟台市牟平区行政审批服务局", "uscc": "…", "division": "370612"}``.
    """
    file = Path(path) if path is not None else CATALOGUE_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"无法读取证照类型目录文件 {file}：{exc}") from None
    return parse_catalogue(text, issuer=issuer)
