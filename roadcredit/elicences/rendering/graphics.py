"""Drawing pieces that never change per licence, computed once: the frame and the seal (as ready
PDF operators and glyph positions). The QR code is drawn by ``qrcode``."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics

from roadcredit.elicences.layouts import MM, load_layout

from .fonts import FONT_NAME

QR_QUIET_ZONE = 4  # modules of white around the symbol (the QR code itself: ``qrcode``)


# --- small drawing helpers --------------------------------------------------------------------
def rgb(colour: str) -> str:
    value = HexColor(colour)
    return f"{value.red:.3f} {value.green:.3f} {value.blue:.3f}"


def _circle_path(cx: float, cy: float, r: float) -> str:
    k = 0.5523 * r
    return (
        f"{cx + r:.2f} {cy:.2f} m "
        f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
        f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
        f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
        f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c h"
    )


def _star_path(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        angle = math.radians(90 + index * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    head, *rest = points
    return (
        f"{head[0]:.2f} {head[1]:.2f} m " + " ".join(f"{x:.2f} {y:.2f} l" for x, y in rest) + " h"
    )


# --- what never changes, computed once --------------------------------------------------------
@functools.cache
def frame_ops(layout_key: str) -> str:
    layout = load_layout(layout_key)
    face = layout.face
    width, height = face.width_mm * MM, face.height_mm * MM
    outer = face.frame_inset_mm * MM
    inner = outer + 2.6 * MM
    corner = 7 * MM
    ops = [f"q {rgb(layout.colours.frame)} RG {rgb(layout.colours.frame)} rg"]
    ops.append(
        f"2.4 w {outer:.2f} {outer:.2f} {width - 2 * outer:.2f} {height - 2 * outer:.2f} re S"
    )
    ops.append(
        f"0.8 w {inner:.2f} {inner:.2f} {width - 2 * inner:.2f} {height - 2 * inner:.2f} re S"
    )
    # corner brackets inside the inner frame
    gap = inner + 1.8 * MM
    for x, y, dx, dy in (
        (gap, gap, 1, 1),
        (width - gap, gap, -1, 1),
        (gap, height - gap, 1, -1),
        (width - gap, height - gap, -1, -1),
    ):
        ops.append(
            f"1.2 w {x + dx * corner:.2f} {y:.2f} m {x:.2f} {y:.2f} l {x:.2f} {y + dy * corner:.2f} l S"
        )
        ops.append(f"{x + dx * 2.2 * MM - 1.6:.2f} {y + dy * 2.2 * MM - 1.6:.2f} 3.2 3.2 re f")
    ops.append("Q")
    return "\n".join(ops)


@dataclass(frozen=True)
class SealGeometry:
    vector_ops: str  # ring and star, in page coordinates, colour included
    name_size: float
    name_glyphs: tuple[tuple[str, tuple[float, float, float, float, float, float]], ...]
    caption_size: float
    caption_y: float
    centre_x: float


@functools.cache
def seal_geometry(layout_key: str, seal_text: str) -> SealGeometry:
    layout = load_layout(layout_key)
    style = layout.seal
    cx, cy, radius = style.centre_x_mm * MM, style.centre_y_mm * MM, style.radius_mm * MM
    ring = radius * 0.055
    colour = rgb(layout.colours.seal)
    vector_ops = (
        f"q {colour} RG {colour} rg {ring:.2f} w {_circle_path(cx, cy, radius - ring / 2)} S "
        f"{_star_path(cx, cy, radius * 0.29)} f Q"
    )
    # the authority's name along the upper arc, each character upright towards the rim
    count = max(len(seal_text), 1)
    size = radius * 0.26
    max_span = math.radians(245)
    while True:
        baseline = radius - ring - 0.12 * radius - size * 0.86
        step = size * 1.12 / baseline
        if step * (count - 1) <= max_span or size < 6:
            break
        size -= 0.5
    span = step * (count - 1)
    glyphs = []
    for index, char in enumerate(seal_text):
        theta = math.pi / 2 + span / 2 - index * step
        rotation = theta - math.pi / 2
        cos_r, sin_r = math.cos(rotation), math.sin(rotation)
        half = pdfmetrics.stringWidth(char, FONT_NAME, size) / 2
        x = cx + baseline * math.cos(theta) - half * cos_r
        y = cy + baseline * math.sin(theta) - half * sin_r
        glyphs.append((char, (cos_r, sin_r, -sin_r, cos_r, x, y)))
    return SealGeometry(
        vector_ops=vector_ops,
        name_size=size,
        name_glyphs=tuple(glyphs),
        caption_size=radius * 0.17,
        caption_y=cy - radius * 0.62,
        centre_x=cx,
    )
