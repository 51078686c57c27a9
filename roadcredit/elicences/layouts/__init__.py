"""Page layouts of the licence PDFs, one TOML file per type family, kept as editable data.

Each file describes the electronic face (``[face]`` and friends: an A4 landscape certificate with
a border, the title, the fields table, the QR code and the red seal) and the pre-printed paper
stock of the paper track (``[print]``: where each value goes on the stock). Lengths are in
millimetres from the bottom-left corner of the page, font sizes in points, colours ``#RRGGBB``.

The stock positions are placeholders until someone measures the bureau's real stock: edit the
file, print a test sheet, repeat. Nothing else needs to change.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

LAYOUT_DIR = Path(__file__).resolve().parent
MM = 72 / 25.4  # points per millimetre


class LayoutError(ValueError):
    """A layout file is missing, or a key in it is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Colours:
    frame: str
    title: str
    label: str
    text: str
    muted: str
    seal: str


@dataclass(frozen=True)
class Face:
    width_mm: float
    height_mm: float
    frame_inset_mm: float
    title_y_mm: float
    title_size: float
    title_spacing: float
    subtitle: str
    subtitle_y_mm: float
    number_label: str
    number_y_mm: float
    holder_label: str
    validity_label: str
    permanent_text: str
    fields_x_mm: float
    fields_top_mm: float
    fields_bottom_mm: float
    fields_width_mm: float
    label_width_mm: float
    columns: int
    font_size: float
    min_font_size: float
    line_spacing: float
    row_gap_mm: float
    issuer_label: str
    issuer_x_mm: float
    issuer_y_mm: float
    identifier_label: str
    paper_number_label: str
    footer_x_mm: float
    footer_y_mm: float
    footer_size: float


@dataclass(frozen=True)
class QrBox:
    x_mm: float
    y_mm: float
    size_mm: float
    caption: str


@dataclass(frozen=True)
class SealStyle:
    centre_x_mm: float
    centre_y_mm: float
    radius_mm: float
    caption: str
    opacity: float


@dataclass(frozen=True)
class PrintPosition:
    x_mm: float
    y_mm: float
    width_mm: float


@dataclass(frozen=True)
class PrintStock:
    width_mm: float
    height_mm: float
    font_size: float
    number: PrintPosition
    holder: PrintPosition
    fields: dict[str, PrintPosition]
    flow: PrintPosition
    flow_step_mm: float
    validity: PrintPosition
    issue_year: PrintPosition
    issue_month: PrintPosition
    issue_day: PrintPosition
    paper_number: PrintPosition


@dataclass(frozen=True)
class Layout:
    key: str
    name: str
    colours: Colours
    face: Face
    qr: QrBox
    seal: SealStyle
    stock: PrintStock


def _build(cls: type[Any], raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise LayoutError(f"{where}: expected a table")
    expected = {f.name: f for f in fields(cls)}
    unknown = set(raw) - set(expected)
    missing = set(expected) - set(raw)
    if unknown or missing:
        raise LayoutError(
            f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}"
        )
    values: dict[str, Any] = {}
    for name, spec in expected.items():
        value = raw[name]
        kind = str(spec.type)
        if kind == "float":
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise LayoutError(f"{where}.{name}: expected a number")
            value = float(value)
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                raise LayoutError(f"{where}.{name}: expected an integer")
        elif kind == "str":
            if not isinstance(value, str):
                raise LayoutError(f"{where}.{name}: expected a string")
        elif kind == "PrintPosition":
            value = _build(PrintPosition, value, f"{where}.{name}")
        elif kind == "dict[str, PrintPosition]":
            if not isinstance(value, dict):
                raise LayoutError(f"{where}.{name}: expected a table")
            value = {
                label: _build(PrintPosition, position, f"{where}.{name}.{label}")
                for label, position in value.items()
            }
        values[name] = value
    return cls(**values)


@functools.cache
def load_layout(key: str) -> Layout:
    """The layout called ``key`` (``business_permit``, ``transport_certificate``,
    ``qualification_certificate``), read once per process."""
    if not key.isidentifier():
        raise LayoutError(f"no layout {key!r}")
    path = LAYOUT_DIR / f"{key}.toml"
    if not path.is_file():
        raise LayoutError(f"no layout {key!r}")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return Layout(
        key=key,
        name=_string(raw, "name", key),
        colours=_build(Colours, raw.get("colours"), f"{key}.colours"),
        face=_build(Face, raw.get("face"), f"{key}.face"),
        qr=_build(QrBox, raw.get("qr"), f"{key}.qr"),
        seal=_build(SealStyle, raw.get("seal"), f"{key}.seal"),
        stock=_build(PrintStock, raw.get("print"), f"{key}.print"),
    )


def _string(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        raise LayoutError(f"{where}.{name}: expected a string")
    return value


def layout_keys() -> list[str]:
    return sorted(path.stem for path in LAYOUT_DIR.glob("*.toml"))
