"""The service-item catalogue (办事事项目录) and its guides, loaded from versioned data (pure
Python, no Django).

    from roadcredit.licensing.catalogue import default_catalogue
    item = default_catalogue().item("freight_business_new")

The data live in ``data/service_items.toml``; ``load_catalogue`` checks every entry (known
material keys, known actions, limits that make sense, bundles naming real items) and raises
``CatalogueError`` with a message naming the broken entry, so a bad edit fails at start-up and
in the tests, never half-way through an application.

``check_materials`` is the one place that decides what an application still lacks: which key
materials, which non-key ones (possibly allowed under 容缺), and which a signed commitment covers.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "service_items.toml"

Action = Literal["issue", "change", "renew", "replace", "cancel", "forward"]
Target = Literal["operator", "vehicle", "practitioner"]
ApplicantKind = Literal["operator", "practitioner"]
ACTIONS: tuple[str, ...] = ("issue", "change", "renew", "replace", "cancel", "forward")
TARGETS: tuple[str, ...] = ("operator", "vehicle", "practitioner")
APPLICANTS: tuple[str, ...] = ("operator", "practitioner")
ACTION_LABELS_ZH: dict[str, str] = {
    "issue": "核发",
    "change": "变更",
    "renew": "延续（换证）",
    "replace": "补发",
    "cancel": "注销",
    "forward": "受理转报",
}
MAX_DAYS = 60


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the entry."""


@dataclass(frozen=True)
class MaterialSpec:
    key: str
    name_zh: str
    note_zh: str = ""


@dataclass(frozen=True)
class ItemMaterial:
    spec: MaterialSpec
    key_material: bool = False  # principal material: never missing at acceptance
    rongque: bool = False  # may be missing under 容缺受理
    commitment: bool = False  # a credit commitment may replace it
    enhanced_only: bool = False  # asked only under enhanced verification

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def name_zh(self) -> str:
        return self.spec.name_zh


@dataclass(frozen=True)
class ServiceItem:
    key: str
    code: str
    code_verified: bool
    name_zh: str
    licence_type: str
    action: Action
    target: Target
    applicant: ApplicantKind
    statutory_days: int
    promised_days: int
    fee: int
    legal_basis: tuple[str, ...]
    conditions: tuple[str, ...]
    steps: tuple[str, ...]
    materials: tuple[ItemMaterial, ...]
    enhanced_materials: tuple[ItemMaterial, ...]

    @property
    def action_label_zh(self) -> str:
        return ACTION_LABELS_ZH[self.action]

    @property
    def fee_zh(self) -> str:
        return "不收费" if self.fee == 0 else f"{self.fee}元"

    def required_materials(self, *, enhanced: bool) -> tuple[ItemMaterial, ...]:
        """Every material the item asks for; under enhanced verification also the extra ones."""
        return self.materials + (self.enhanced_materials if enhanced else ())

    def material(self, key: str) -> ItemMaterial | None:
        for material in self.materials + self.enhanced_materials:
            if material.key == key:
                return material
        return None

    @property
    def commitment_materials(self) -> tuple[ItemMaterial, ...]:
        return tuple(m for m in self.materials if m.commitment)

    @property
    def rongque_materials(self) -> tuple[ItemMaterial, ...]:
        return tuple(m for m in self.materials if m.rongque)


@dataclass(frozen=True)
class Bundle:
    key: str
    name_zh: str
    description_zh: str
    items: tuple[str, ...]
    repeatable: frozenset[str]
    max_repeat: int


@dataclass(frozen=True)
class Procedure:
    correction_working_days: int
    rongque_default_working_days: int
    rongque_reminder_working_days: tuple[int, ...]
    post_verification_working_days: int
    traditional_trips: int


@dataclass(frozen=True)
class Remedies:
    reconsideration_days: int
    litigation_months: int
    reconsideration_body_zh: str
    court_zh: str


@dataclass(frozen=True)
class ServiceCatalogue:
    version: str
    source: str
    procedure: Procedure
    max_upload_bytes: int
    upload_content_types: tuple[str, ...]
    remedies: Remedies
    notify_commit_text_zh: str
    rongque_text_zh: str
    notice_number_prefix: str
    application_number_prefix: str
    materials: Mapping[str, MaterialSpec]
    items: Mapping[str, ServiceItem]
    bundles: Mapping[str, Bundle]

    def item(self, key: str) -> ServiceItem:
        try:
            return self.items[key]
        except KeyError:
            raise KeyError(f"unknown service item {key!r}") from None

    def bundle(self, key: str) -> Bundle:
        try:
            return self.bundles[key]
        except KeyError:
            raise KeyError(f"unknown bundle {key!r}") from None

    def items_for(self, applicant: str) -> list[ServiceItem]:
        return [item for item in self.items.values() if item.applicant == applicant]


# --- What an application lacks -----------------------------------------------------------------


@dataclass(frozen=True)
class MaterialCheck:
    """Materials an item of an application still lacks, by kind (each a tuple of item
    materials). ``covered`` are missing uploads a signed commitment replaces."""

    missing_key: tuple[ItemMaterial, ...]
    missing_rongque: tuple[ItemMaterial, ...]  # non-key, may be missing under 容缺
    missing_other: tuple[ItemMaterial, ...]  # non-key, not allowed to be missing
    covered: tuple[ItemMaterial, ...]

    @property
    def complete(self) -> bool:
        return not (self.missing_key or self.missing_rongque or self.missing_other)

    @property
    def all_missing(self) -> tuple[ItemMaterial, ...]:
        return self.missing_key + self.missing_other + self.missing_rongque


def check_materials(
    item: ServiceItem,
    *,
    uploaded: Iterable[str],
    committed: bool,
    enhanced: bool,
    provided_by_form: Iterable[str] = ("application_form",),
) -> MaterialCheck:
    """What ``item`` still lacks given the uploaded material keys, whether a commitment is
    signed, and whether enhanced verification applies (which also voids commitments)."""
    present = set(uploaded) | set(provided_by_form)
    key: list[ItemMaterial] = []
    rongque: list[ItemMaterial] = []
    other: list[ItemMaterial] = []
    covered: list[ItemMaterial] = []
    for material in item.required_materials(enhanced=enhanced):
        if material.key in present:
            continue
        if material.commitment and committed and not enhanced:
            covered.append(material)
        elif material.key_material:
            key.append(material)
        elif material.rongque:
            rongque.append(material)
        else:
            other.append(material)
    return MaterialCheck(tuple(key), tuple(rongque), tuple(other), tuple(covered))


# --- Loading -----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, message: str) -> CatalogueError:
        return CatalogueError(f"{self.origin}: {where}: {message}")

    def table(self, data: Mapping[str, Any], where: str, key: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(where, f"[{key}] table is missing")
        return value

    def text(self, data: Mapping[str, Any], where: str, key: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(where, f"{key} must be a non-empty string")
        return value.strip()

    def integer(self, data: Mapping[str, Any], where: str, key: str, *, low: int, high: int) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(where, f"{key} must be an integer from {low} to {high}")
        return value

    def flag(self, data: Mapping[str, Any], where: str, key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(where, f"{key} must be true or false")
        return value

    def texts(self, data: Mapping[str, Any], where: str, key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, f"{key} must be a list of non-empty strings")
        return tuple(value)

    def choice(
        self, data: Mapping[str, Any], where: str, key: str, choices: tuple[str, ...]
    ) -> str:
        value = data.get(key)
        if value not in choices:
            raise self.fail(where, f"{key} must be one of {', '.join(choices)}, got {value!r}")
        return str(value)


def _item_material(
    r: _Reader, raw: Any, where: str, specs: Mapping[str, MaterialSpec]
) -> ItemMaterial:
    if not isinstance(raw, Mapping):
        raise r.fail(where, "a material must be a table { key = ... }")
    unknown = set(raw) - {"key", "key_material", "rongque", "commitment"}
    if unknown:
        raise r.fail(where, f"unknown fields {sorted(unknown)}")
    key = r.text(raw, where, "key")
    spec = specs.get(key)
    if spec is None:
        raise r.fail(where, f"material {key!r} is not in [materials]")
    material = ItemMaterial(
        spec=spec,
        key_material=r.flag(raw, where, "key_material"),
        rongque=r.flag(raw, where, "rongque"),
        commitment=r.flag(raw, where, "commitment"),
    )
    if material.key_material and material.rongque:
        raise r.fail(where, f"{key}: a key material may never be missing under 容缺")
    return material


def _item(r: _Reader, raw: Mapping[str, Any], specs: Mapping[str, MaterialSpec]) -> ServiceItem:
    where = f"item {raw.get('key', '?')!r}"
    key = r.text(raw, where, "key")
    code = r.text(raw, where, "code")
    if not code.isdigit() or len(code) != 12:
        raise r.fail(where, "code must be a 12-digit item code")
    statutory = r.integer(raw, where, "statutory_days", low=1, high=MAX_DAYS)
    promised = r.integer(raw, where, "promised_days", low=1, high=MAX_DAYS)
    if promised > statutory:
        raise r.fail(where, "the promised time limit exceeds the statutory one")
    materials_raw = raw.get("materials")
    if not isinstance(materials_raw, list) or not materials_raw:
        raise r.fail(where, "materials must be a non-empty list")
    materials = tuple(
        _item_material(r, m, f"{where} material {i + 1}", specs)
        for i, m in enumerate(materials_raw)
    )
    keys = [m.key for m in materials]
    if len(set(keys)) != len(keys):
        raise r.fail(where, "a material is listed twice")
    extra_keys = r.texts(raw, where, "enhanced_materials")
    enhanced: list[ItemMaterial] = []
    for extra in extra_keys:
        spec = specs.get(extra)
        if spec is None:
            raise r.fail(where, f"enhanced material {extra!r} is not in [materials]")
        if extra in keys:
            raise r.fail(where, f"enhanced material {extra!r} is already a normal material")
        enhanced.append(ItemMaterial(spec=spec, key_material=True, enhanced_only=True))
    return ServiceItem(
        key=key,
        code=code,
        code_verified=r.flag(raw, where, "code_verified"),
        name_zh=r.text(raw, where, "name_zh"),
        licence_type=r.text(raw, where, "licence_type"),
        action=r.choice(raw, where, "action", ACTIONS),  # type: ignore[arg-type]
        target=r.choice(raw, where, "target", TARGETS),  # type: ignore[arg-type]
        applicant=r.choice(raw, where, "applicant", APPLICANTS),  # type: ignore[arg-type]
        statutory_days=statutory,
        promised_days=promised,
        fee=r.integer(raw, where, "fee", low=0, high=100_000),
        legal_basis=r.texts(raw, where, "legal_basis"),
        conditions=r.texts(raw, where, "conditions"),
        steps=r.texts(raw, where, "steps"),
        materials=materials,
        enhanced_materials=tuple(enhanced),
    )


def parse_catalogue(data: Mapping[str, Any], *, origin: str = "<data>") -> ServiceCatalogue:
    r = _Reader(origin)
    procedure_raw = r.table(data, "file", "procedure")
    reminders = procedure_raw.get("rongque_reminder_working_days", [])
    if not isinstance(reminders, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 < d <= MAX_DAYS for d in reminders
    ):
        raise r.fail("[procedure]", "rongque_reminder_working_days must list positive integers")
    procedure = Procedure(
        correction_working_days=r.integer(
            procedure_raw, "[procedure]", "correction_working_days", low=1, high=MAX_DAYS
        ),
        rongque_default_working_days=r.integer(
            procedure_raw, "[procedure]", "rongque_default_working_days", low=1, high=MAX_DAYS
        ),
        rongque_reminder_working_days=tuple(sorted(set(reminders), reverse=True)),
        post_verification_working_days=r.integer(
            procedure_raw, "[procedure]", "post_verification_working_days", low=1, high=250
        ),
        traditional_trips=r.integer(
            procedure_raw, "[procedure]", "traditional_trips", low=0, high=20
        ),
    )
    uploads = r.table(data, "file", "uploads")
    content_types = r.texts(uploads, "[uploads]", "content_types")
    known_types = {"application/pdf", "image/jpeg", "image/png"}
    if not content_types or not set(content_types) <= known_types:
        raise r.fail("[uploads]", f"content_types must be among {sorted(known_types)}")
    remedies_raw = r.table(data, "file", "remedies")
    remedies = Remedies(
        reconsideration_days=r.integer(
            remedies_raw, "[remedies]", "reconsideration_days", low=1, high=365
        ),
        litigation_months=r.integer(
            remedies_raw, "[remedies]", "litigation_months", low=1, high=60
        ),
        reconsideration_body_zh=r.text(remedies_raw, "[remedies]", "reconsideration_body_zh"),
        court_zh=r.text(remedies_raw, "[remedies]", "court_zh"),
    )
    commitments = r.table(data, "file", "commitments")
    documents = r.table(data, "file", "documents")
    specs_raw = r.table(data, "file", "materials")
    specs: dict[str, MaterialSpec] = {}
    for key, raw in specs_raw.items():
        if not isinstance(raw, Mapping):
            raise r.fail(f"material {key!r}", "must be a table")
        specs[key] = MaterialSpec(
            key=key,
            name_zh=r.text(raw, f"material {key!r}", "name_zh"),
            note_zh=r.text(raw, f"material {key!r}", "note_zh", required=False),
        )
    items_raw = data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise r.fail("file", "[[items]] is missing")
    items: dict[str, ServiceItem] = {}
    codes: set[str] = set()
    for raw in items_raw:
        if not isinstance(raw, Mapping):
            raise r.fail("[[items]]", "an item must be a table")
        item = _item(r, raw, specs)
        if item.key in items:
            raise r.fail(f"item {item.key!r}", "key is used twice")
        if item.code in codes:
            raise r.fail(f"item {item.key!r}", f"code {item.code} is used twice")
        items[item.key] = item
        codes.add(item.code)
    bundles: dict[str, Bundle] = {}
    bundles_raw = data.get("bundles", [])
    if not isinstance(bundles_raw, list) or not all(isinstance(b, Mapping) for b in bundles_raw):
        raise r.fail("[[bundles]]", "each bundle must be a table")
    for raw in bundles_raw:
        where = f"bundle {raw.get('key', '?')!r}"
        bundle = Bundle(
            key=r.text(raw, where, "key"),
            name_zh=r.text(raw, where, "name_zh"),
            description_zh=r.text(raw, where, "description_zh"),
            items=r.texts(raw, where, "items"),
            repeatable=frozenset(r.texts(raw, where, "repeatable")),
            max_repeat=r.integer(raw, where, "max_repeat", low=1, high=500),
        )
        for key in bundle.items:
            if key not in items:
                raise r.fail(where, f"item {key!r} is not in the catalogue")
        if not bundle.repeatable <= set(bundle.items):
            raise r.fail(where, "repeatable names an item outside the bundle")
        applicants = {items[key].applicant for key in bundle.items}
        if len(applicants) != 1:
            raise r.fail(where, "all items of a bundle must have the same kind of applicant")
        bundles[bundle.key] = bundle
    return ServiceCatalogue(
        version=r.text(data, "file", "version"),
        source=r.text(data, "file", "source"),
        procedure=procedure,
        max_upload_bytes=r.integer(uploads, "[uploads]", "max_bytes", low=1024, high=100 << 20),
        upload_content_types=content_types,
        remedies=remedies,
        notify_commit_text_zh=r.text(commitments, "[commitments]", "notify_commit_text_zh"),
        rongque_text_zh=r.text(commitments, "[commitments]", "rongque_text_zh"),
        notice_number_prefix=r.text(documents, "[documents]", "number_prefix"),
        application_number_prefix=r.text(documents, "[documents]", "application_prefix"),
        materials=specs,
        items=items,
        bundles=bundles,
    )


def load_catalogue(path: Path | str = DEFAULT_PATH) -> ServiceCatalogue:
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{file.name}: {exc}") from exc
    return parse_catalogue(data, origin=file.name)


@functools.cache
def default_catalogue() -> ServiceCatalogue:
    return load_catalogue(DEFAULT_PATH)
