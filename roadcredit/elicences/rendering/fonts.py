"""The CJK font of the licence PDFs: found, loaded and registered with ReportLab once per process.

``ROADCREDIT_CJK_FONT`` names a TrueType ``.ttf``/``.ttc`` with Chinese glyphs; without it the
WenQuanYi fonts of the Debian packages are used (``fonts-wqy-microhei``, which ``dev.py``
installs). ReportLab embeds the subset of glyphs each document uses, with a ToUnicode map.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from roadcredit.core.errors import ApplicationError

FONT_NAME = "RoadcreditCJK"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
_CLOSING_PUNCTUATION = frozenset("，。、；：？！）》」』】,.;:?!)")


class CjkFontMissing(ImproperlyConfigured):
    """No usable font with Chinese glyphs."""


class RenderError(ApplicationError):
    """The licence data cannot be drawn (a character the font lacks, too many fields)."""


# --- the font ---------------------------------------------------------------------------------
_font_lock = threading.Lock()
_font_state: dict[str, Any] = {}


def cjk_font_path() -> Path:
    configured = getattr(settings, "CJK_FONT_PATH", None)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise CjkFontMissing(
                _("ROADCREDIT_CJK_FONT points at %(path)s, which is not a file.") % {"path": path}
            )
        return path
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise CjkFontMissing(
        _(
            "No font with Chinese glyphs was found for the licence PDFs: install the package "
            "%(package)s (apt-get install %(package)s) or set ROADCREDIT_CJK_FONT to a "
            "TrueType .ttf/.ttc file with Chinese glyphs."
        )
        % {"package": FONT_PACKAGE}
    )


def cjk_font() -> TTFont:
    """The CJK font, loaded and registered with ReportLab once per process (per font file)."""
    path = cjk_font_path()
    with _font_lock:
        if _font_state.get("path") != path:
            try:
                font = TTFont(FONT_NAME, str(path), subfontIndex=0)
            except (TTFError, OSError) as exc:
                raise CjkFontMissing(
                    _(
                        "The font %(path)s cannot be embedded (it needs TrueType outlines): "
                        "install %(package)s or set ROADCREDIT_CJK_FONT to another font."
                    )
                    % {"path": path, "package": FONT_PACKAGE}
                ) from exc
            _keep_tables(font)
            pdfmetrics.registerFont(font)
            _font_state.update(path=path, font=font)
        font = _font_state["font"]
    return font


def _keep_tables(font: TTFont) -> None:
    """Serve the font's tables from memory: ReportLab's subsetter copies the whole ``glyf`` table
    (3.5 MB for WenQuanYi Micro Hei, about 0.35 ms) for every document to take ~100 glyphs out
    of it. The tables never change, so each is sliced out of the font file once."""
    face: Any = font.face
    read = face.get_table
    tables: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        table = tables.get(tag)
        if table is None:
            table = tables[tag] = read(tag)
        return table

    face.get_table = get_table


def check_glyphs(font: TTFont, texts: Iterator[str]) -> None:
    glyphs = font.face.charToGlyph
    missing = sorted(
        {c for text in texts for c in text if not c.isspace() and ord(c) not in glyphs}
    )
    if missing:
        raise RenderError(
            _("The licence font has no glyph for: %(characters)s.")
            % {"characters": "".join(missing)},
            {"characters": "".join(missing)},
        )


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking by character width (Chinese has no spaces to break at); closing
    punctuation never starts a line."""
    face = pdfmetrics.getFont(FONT_NAME).face  # registered by cjk_font() before drawing
    widths, default = face.charWidths, face.defaultWidth
    limit = width * 1000 / size  # in glyph units
    lines: list[str] = []
    line = ""
    used = 0.0
    for char in text:
        advance = widths.get(ord(char), default)
        if line and used + advance > limit and char not in _CLOSING_PUNCTUATION:
            lines.append(line)
            line, used = "", 0.0
            if char == " ":
                continue
        line += char
        used += advance
    lines.append(line)
    return lines
