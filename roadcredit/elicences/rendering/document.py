"""What every licence PDF shares: the input data, the canvas set-up and the render lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from roadcredit.elicences.layouts import Layout, LayoutError, load_layout

from .fonts import RenderError

DEFLATE_LEVEL = 1
_render_lock = threading.Lock()  # a ReportLab TTFont must not serve two documents at once


@dataclass(frozen=True)
class LicenceRenderData:
    """Everything drawn on a licence, as plain data from the issuance service."""

    type_name_zh: str
    layout: str
    identifier: str
    holder_name: str
    fields: tuple[tuple[str, str], ...]
    issuer_name: str
    issue_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    qr_text: str
    seal_text: str
    paper_number: str = ""
    licence_number: str = ""


def date_zh(value: dt.date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def validity_text(data: LicenceRenderData, layout: Layout) -> str:
    end = date_zh(data.valid_to) if data.valid_to is not None else layout.face.permanent_text
    return f"{date_zh(data.valid_from)} 至 {end}"


def layout_for(key: str) -> Layout:
    try:
        return load_layout(key)
    except LayoutError as exc:
        raise RenderError(_("Unknown licence layout %(key)s.") % {"key": key}) from exc


def all_texts(data: LicenceRenderData, layout: Layout) -> Iterator[str]:
    face = layout.face
    yield from (
        data.type_name_zh,
        data.identifier,
        data.holder_name,
        data.issuer_name,
        data.seal_text,
        data.paper_number,
        data.licence_number,
        face.subtitle,
        face.number_label,
        face.holder_label,
        face.validity_label,
        face.permanent_text,
        face.issuer_label,
        face.identifier_label,
        face.paper_number_label,
        layout.qr.caption,
        layout.seal.caption,
        "年月日至：0123456789",
    )
    for label, value in data.fields:
        yield label
        yield value


def _fast_deflate(text: str | bytes) -> bytes:
    return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, DEFLATE_LEVEL)


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Render under the lock with ReportLab's ASCII85 stream encoding off (binary streams are
    smaller and skip an encoding pass; 7-bit-clean PDFs are of no use to anyone here) and its
    Flate streams at level 1: half the compression time of the default level for about 1.5 kB
    more per licence (the font subset is most of the file)."""
    with _render_lock:
        saved = rl_config.useA85
        rl_config.useA85 = 0
        pdfdoc.PDFZCompress.encode = _fast_deflate  # the one filter instance ReportLab uses
        try:
            yield
        finally:
            rl_config.useA85 = saved
            del pdfdoc.PDFZCompress.encode  # back to the class's own method


def new_canvas(width: float, height: float, data: LicenceRenderData) -> tuple[Canvas, io.BytesIO]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"{data.type_name_zh}（电子证照）")
    canvas.setAuthor(data.issuer_name)
    canvas.setSubject(data.identifier)
    canvas.setCreator("roadcredit")
    canvas.setKeywords(f"电子证照 {data.identifier}")
    return canvas, buffer
