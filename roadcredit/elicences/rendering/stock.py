"""The paper track: only the values, at the positions of the type's pre-printed stock."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics

from roadcredit.elicences.layouts import MM

from .document import (
    LicenceRenderData,
    all_texts,
    binary_streams,
    layout_for,
    new_canvas,
    validity_text,
)
from .fonts import FONT_NAME, check_glyphs, cjk_font


def render_print_layout(data: LicenceRenderData) -> bytes:
    """Only the values, placed for the type's pre-printed paper stock (no border, QR or seal)."""
    layout = layout_for(data.layout)
    check_glyphs(cjk_font(), all_texts(data, layout))
    stock = layout.stock
    with binary_streams():
        canvas, buffer = new_canvas(stock.width_mm * MM, stock.height_mm * MM, data)
        canvas.setFillColor(HexColor(layout.colours.text))

        def put(text: str, x_mm: float, y_mm: float, width_mm: float) -> None:
            size = stock.font_size
            while size > 5 and pdfmetrics.stringWidth(text, FONT_NAME, size) > width_mm * MM:
                size -= 0.5
            canvas.setFont(FONT_NAME, size)
            canvas.drawString(x_mm * MM, y_mm * MM, text)

        if data.licence_number:
            put(data.licence_number, stock.number.x_mm, stock.number.y_mm, stock.number.width_mm)
        put(data.holder_name, stock.holder.x_mm, stock.holder.y_mm, stock.holder.width_mm)
        flow_y = stock.flow.y_mm
        for label, value in data.fields:
            position = stock.fields.get(label)
            if position is not None:
                put(value, position.x_mm, position.y_mm, position.width_mm)
            else:  # a field the stock has no box for: listed, labelled, in the free area
                put(f"{label}：{value}", stock.flow.x_mm, flow_y, stock.flow.width_mm)
                flow_y -= stock.flow_step_mm
        put(
            validity_text(data, layout),
            stock.validity.x_mm,
            stock.validity.y_mm,
            stock.validity.width_mm,
        )
        for value, position in (
            (str(data.issue_date.year), stock.issue_year),
            (f"{data.issue_date.month:02d}", stock.issue_month),
            (f"{data.issue_date.day:02d}", stock.issue_day),
        ):
            put(value, position.x_mm, position.y_mm, position.width_mm)
        if data.paper_number:
            put(
                data.paper_number,
                stock.paper_number.x_mm,
                stock.paper_number.y_mm,
                stock.paper_number.width_mm,
            )
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
