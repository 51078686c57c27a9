"""Licence PDFs drawn with ReportLab: the electronic face and the paper-stock print.

* :func:`render_licence_pdf` — one A4 landscape page per licence in its type family's layout
  (``layouts/*.toml``): border, title, fields table, QR code (vector), the authority's red seal
  drawn by code over the issuer and date line. Optionally with an empty signature laid out
  (:class:`roadcredit.elicences.signing.SignatureSlot`).
* :func:`render_sealed_licence_pdf` — the above, sealed (PAdES B-B) in one pass.
* :func:`render_print_layout` — only the values, at the positions of the pre-printed stock.

Modules: ``document`` (the input data, canvas set-up, render lock), ``fonts`` (the CJK font),
``graphics`` (frame and seal drawing, computed once), ``qrcode`` (the QR symbol, with its
payload-independent part computed once per version), ``face`` and
``stock`` (the two page kinds).

Chinese text uses one TrueType CJK font (``ROADCREDIT_CJK_FONT``, else a WenQuanYi font from the
Debian package ``fonts-wqy-microhei``) registered once per process; ReportLab embeds the subset
of glyphs each document uses, with a ToUnicode map so the text can be searched and copied.
See docs/decisions/009-licence-seal-and-pdf.md.
"""

from .document import LicenceRenderData
from .face import render_licence_pdf, render_sealed_licence_pdf
from .fonts import FONT_NAME, FONT_PACKAGE, CjkFontMissing, RenderError, cjk_font, cjk_font_path
from .qrcode import QR_ERROR, QR_MASK, qr_matrix, qr_runs, qr_segments
from .stock import render_print_layout

__all__ = [
    "FONT_NAME",
    "FONT_PACKAGE",
    "QR_ERROR",
    "QR_MASK",
    "CjkFontMissing",
    "LicenceRenderData",
    "RenderError",
    "cjk_font",
    "cjk_font_path",
    "qr_matrix",
    "qr_runs",
    "qr_segments",
    "render_licence_pdf",
    "render_print_layout",
    "render_sealed_licence_pdf",
]
