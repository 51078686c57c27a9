"""The electronic face: an A4 landscape certificate with the fields, the QR code and the seal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from roadcredit.core import clock
from roadcredit.elicences import signing
from roadcredit.elicences.layouts import MM, Layout

from .document import (
    LicenceRenderData,
    all_texts,
    binary_streams,
    date_zh,
    layout_for,
    new_canvas,
    validity_text,
)
from .fonts import FONT_NAME, RenderError, check_glyphs, cjk_font, wrap
from .graphics import QR_QUIET_ZONE, frame_ops, seal_geometry
from .qrcode import qr_runs


@dataclass(frozen=True)
class _Row:
    label: str
    value: str
    full_width: bool


class _FacePainter:
    def __init__(self, canvas: Canvas, layout: Layout) -> None:
        self.canvas = canvas
        self.layout = layout
        self.face = layout.face
        self.colours = layout.colours

    def text(self, x: float, y: float, text: str, size: float, colour: str, **kw: Any) -> None:
        self.canvas.setFont(FONT_NAME, size)
        self.canvas.setFillColor(HexColor(colour))
        self.canvas.drawString(x, y, text, **kw)

    def centred(
        self,
        cx: float,
        y: float,
        text: str,
        size: float,
        colour: str,
        spacing: float = 0,
        **kw: Any,
    ) -> None:
        width = pdfmetrics.stringWidth(text, FONT_NAME, size) + spacing * max(len(text) - 1, 0)
        self.text(cx - width / 2, y, text, size, colour, charSpace=spacing, **kw)

    def heading(self, data: LicenceRenderData) -> None:
        face, colours = self.face, self.colours
        middle = face.width_mm * MM / 2
        self.centred(
            middle,
            face.title_y_mm * MM,
            data.type_name_zh,
            face.title_size,
            colours.title,
            spacing=face.title_spacing,
        )
        self.centred(middle, face.subtitle_y_mm * MM, face.subtitle, 11, colours.label)
        if data.licence_number:
            self.centred(
                middle,
                face.number_y_mm * MM,
                f"{face.number_label}：{data.licence_number}",
                12,
                colours.text,
            )

    def rows(self, data: LicenceRenderData) -> list[_Row]:
        face = self.face
        validity = validity_text(data, self.layout)
        entries = [
            (face.holder_label, data.holder_name),
            *data.fields,
            (face.validity_label, validity),
        ]
        cell_value = (face.fields_width_mm / face.columns - face.label_width_mm) * MM
        return [
            _Row(
                label,
                value,
                face.columns == 1
                or pdfmetrics.stringWidth(value, FONT_NAME, face.font_size) > cell_value - 4,
            )
            for label, value in entries
        ]

    def fields(self, data: LicenceRenderData) -> None:
        face = self.face
        rows = self.rows(data)
        available = (face.fields_top_mm - face.fields_bottom_mm) * MM
        size = face.font_size
        while True:
            placed = list(self._lines(rows, size))
            line_height = size * face.line_spacing
            height = max(offset + len(lines) * line_height for _r, lines, _c, offset in placed)
            if height <= available:
                break
            if size <= face.min_font_size:
                raise RenderError(_("The licence fields do not fit on one page."))
            size -= 0.5
        left, top = face.fields_x_mm * MM, face.fields_top_mm * MM
        label_width = self._label_width(rows, size)
        column_width = face.fields_width_mm * MM / face.columns
        self.canvas.setStrokeColor(HexColor(self.colours.frame))
        self.canvas.setLineWidth(0.35)
        for row, lines, column, offset in placed:
            x = left + column * column_width
            y = top - offset - size
            self.text(x, y, f"{row.label}：", size, self.colours.label)
            for index, line in enumerate(lines):
                self.text(x + label_width, y - index * line_height, line, size, self.colours.text)
            underline = y - (len(lines) - 1) * line_height - size * 0.35
            width = face.fields_width_mm * MM if row.full_width else column_width
            self.canvas.line(x + label_width, underline, x + width - 4, underline)

    def _label_width(self, rows: list[_Row], size: float) -> float:
        widest = max(pdfmetrics.stringWidth(f"{row.label}：", FONT_NAME, size) for row in rows)
        return max(self.face.label_width_mm * MM, float(widest) + 2 * MM)

    def _lines(self, rows: list[_Row], size: float) -> Iterator[tuple[_Row, list[str], int, float]]:
        """Each row's wrapped lines, column and distance from the top of the fields area."""
        face = self.face
        line_height = size * face.line_spacing
        gap = face.row_gap_mm * MM
        column_width = face.fields_width_mm * MM / face.columns
        label_width = self._label_width(rows, size)
        offset = 0.0
        column = 0
        tallest = 0
        for row in rows:
            if row.full_width and column:
                offset += tallest * line_height + gap
                column, tallest = 0, 0
            width = (face.fields_width_mm * MM if row.full_width else column_width) - (
                label_width + 4
            )
            lines = wrap(row.value, width, size)
            yield row, lines, column, offset
            tallest = max(tallest, len(lines))
            if row.full_width or column == face.columns - 1:
                offset += tallest * line_height + gap
                column, tallest = 0, 0
            else:
                column += 1

    def footer(self, data: LicenceRenderData) -> None:
        face = self.face
        x, y = face.footer_x_mm * MM, face.footer_y_mm * MM
        self.text(
            x,
            y + face.footer_size * 1.6,
            f"{face.identifier_label}：{data.identifier}",
            face.footer_size,
            self.colours.muted,
        )
        if data.paper_number:
            self.text(
                x,
                y,
                f"{face.paper_number_label}：{data.paper_number}",
                face.footer_size,
                self.colours.muted,
            )

    def issuer(self, data: LicenceRenderData) -> None:
        face = self.face
        cx, cy = face.issuer_x_mm * MM, face.issuer_y_mm * MM
        self.centred(
            cx, cy + 5 * MM, f"{face.issuer_label}：{data.issuer_name}", 13, self.colours.text
        )
        self.centred(cx, cy - 4 * MM, date_zh(data.issue_date), 13, self.colours.text)

    def qr(self, text: str) -> None:
        box = self.layout.qr
        modules, path = qr_runs(text)
        module = box.size_mm * MM / (modules + 2 * QR_QUIET_ZONE)
        x = box.x_mm * MM + QR_QUIET_ZONE * module
        y = box.y_mm * MM + QR_QUIET_ZONE * module
        self.canvas.addLiteral(f"q {module:.4f} 0 0 {module:.4f} {x:.2f} {y:.2f} cm 0 g {path} f Q")
        self.centred(
            (box.x_mm + box.size_mm / 2) * MM, box.y_mm * MM - 9, box.caption, 8, self.colours.muted
        )

    def seal(self, seal_text: str) -> None:
        geometry = seal_geometry(self.layout.key, seal_text)
        style = self.layout.seal
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillAlpha(style.opacity)
        canvas.setStrokeAlpha(style.opacity)
        canvas.addLiteral(geometry.vector_ops)
        colour = HexColor(self.colours.seal)
        canvas.setStrokeColor(colour)
        canvas.setLineWidth(0.45)  # fill and stroke the glyphs: the heavier strokes of seal type
        text = canvas.beginText()
        text.setTextRenderMode(2)
        text.setFont(FONT_NAME, geometry.name_size)
        text.setFillColor(colour)
        for char, matrix in geometry.name_glyphs:
            text.setTextTransform(*matrix)
            text.textOut(char)
        canvas.drawText(text)
        self.centred(
            geometry.centre_x,
            geometry.caption_y,
            style.caption,
            geometry.caption_size,
            self.layout.colours.seal,
            mode=2,
        )
        canvas.restoreState()


def render_licence_pdf(
    data: LicenceRenderData, *, signature: signing.SignatureSlot | None = None
) -> bytes:
    """The licence's one-page PDF. With ``signature`` an empty PAdES signature is laid out for
    :func:`roadcredit.elicences.signing.fill_signature_slot`."""
    layout = layout_for(data.layout)
    check_glyphs(cjk_font(), all_texts(data, layout))
    face = layout.face
    with binary_streams():
        canvas, buffer = new_canvas(face.width_mm * MM, face.height_mm * MM, data)
        canvas.addLiteral(frame_ops(layout.key))
        painter = _FacePainter(canvas, layout)
        painter.heading(data)
        painter.fields(data)
        painter.footer(data)
        painter.issuer(data)
        painter.qr(data.qr_text)
        painter.seal(data.seal_text)
        if signature is not None:
            signature.install(canvas)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def render_sealed_licence_pdf(
    data: LicenceRenderData,
    *,
    seal: signing.Seal | None = None,
    signed_at: dt.datetime | None = None,
) -> bytes:
    """The licence's PDF with the bureau's PAdES seal (the active seal unless one is given)."""
    seal = seal or signing.active_seal()
    slot = signing.SignatureSlot(signed_at=timezone.localtime(signed_at or clock.now()))
    return signing.fill_signature_slot(render_licence_pdf(data, signature=slot), seal=seal)
