"""Written notices and decisions (文书): numbered in the transition's transaction, rendered as a
Chinese A4 PDF and sealed like the licences on first download, then kept.

The PDF uses the licence PDFs' CJK font (``elicences.rendering.fonts``) and is sealed with the
bureau's active seal (``elicences.signing.seal_pdf``, PAdES); there is no second font or
signing helper here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.db import transaction
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from roadcredit.core.files import store_under_own_name
from roadcredit.elicences import signing
from roadcredit.elicences.rendering.fonts import FONT_NAME, cjk_font, wrap
from roadcredit.elicences.selectors import licence_catalogue

from ..catalogue import default_catalogue
from ..deadlines import date_zh, remedies
from ..models import Application, Notice, NoticeKind
from .common import local_date, next_number

TITLES_ZH: dict[str, str] = {
    NoticeKind.ACCEPTANCE: "受理通知书",
    NoticeKind.NON_ACCEPTANCE: "不予受理决定书",
    NoticeKind.CORRECTION: "补正材料通知书",
    NoticeKind.MISSING: "容缺受理通知书",
    NoticeKind.APPROVAL: "准予行政许可决定书",
    NoticeKind.REFUSAL: "不予行政许可决定书",
    NoticeKind.TERMINATION: "终止办理通知书",
}
NUMBER_WORDS_ZH: dict[str, str] = {
    NoticeKind.ACCEPTANCE: "受",
    NoticeKind.NON_ACCEPTANCE: "不受",
    NoticeKind.CORRECTION: "补",
    NoticeKind.MISSING: "容",
    NoticeKind.APPROVAL: "准",
    NoticeKind.REFUSAL: "不准",
    NoticeKind.TERMINATION: "终",
}
ADVERSE = frozenset({NoticeKind.NON_ACCEPTANCE, NoticeKind.REFUSAL, NoticeKind.TERMINATION})
SEAL_REASON = "行政许可文书"


def authority_name() -> str:
    return licence_catalogue().issuer.name


def notice_issue(
    *,
    application: Application,
    kind: NoticeKind,
    body: str,
    reasons: str = "",
    at: dt.datetime,
) -> Notice:
    """Number and store a notice (inside the caller's transaction). Adverse ones state the
    rights to reconsideration and litigation."""
    catalogue = default_catalogue()
    day = local_date(at)
    seq = next_number(f"notice:{kind.value}:{day.year}")
    number = f"{catalogue.notice_number_prefix}{NUMBER_WORDS_ZH[kind]}字〔{day.year}〕第{seq:05d}号"
    statement = ""
    if kind in ADVERSE:
        r = catalogue.remedies
        statement = remedies(
            served_on=day,
            reconsideration_days=r.reconsideration_days,
            litigation_months=r.litigation_months,
            reconsideration_body_zh=r.reconsideration_body_zh,
            court_zh=r.court_zh,
        ).text_zh
    return Notice.objects.create(
        application=application,
        kind=kind,
        number=number,
        title=TITLES_ZH[kind],
        body=body,
        reasons=reasons,
        remedies=statement,
        adverse=kind in ADVERSE,
        issued_at=at,
    )


# --- The PDF ------------------------------------------------------------------------------------

MARGIN = 25 * mm
TITLE_SIZE = 20
BODY_SIZE = 12
LEADING = 20


def _paragraphs(notice: Notice) -> list[tuple[str, bool]]:
    """(text, indented) paragraphs of the document body."""
    application = notice.application
    parts: list[tuple[str, bool]] = [(f"{application.applicant_name}：", False)]
    parts.extend((line, True) for line in notice.body.splitlines() if line.strip())
    if notice.reasons:
        parts.append((f"理由：{notice.reasons}", True))
    if notice.remedies:
        parts.append((notice.remedies, True))
    return parts


def render_notice_pdf(notice: Notice) -> bytes:
    """The unsealed A4 PDF of a notice (Chinese text, one or more pages)."""
    font = cjk_font()
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{notice.title} {notice.number}")
    canvas.setAuthor(authority_name())
    canvas.setSubject(notice.application.number)
    canvas.setCreator("roadcredit")
    del font  # registered with ReportLab by cjk_font(); drawn by name below
    y = height - MARGIN - 10 * mm

    def new_page_if_needed(lines: int) -> None:
        nonlocal y
        if y - lines * LEADING < MARGIN + 40 * mm:
            canvas.showPage()
            y = height - MARGIN

    canvas.setFont(FONT_NAME, 14)
    canvas.drawCentredString(width / 2, y, authority_name())
    y -= 14 * mm
    canvas.setFont(FONT_NAME, TITLE_SIZE)
    canvas.drawCentredString(width / 2, y, notice.title)
    y -= 10 * mm
    canvas.setFont(FONT_NAME, BODY_SIZE)
    canvas.drawCentredString(width / 2, y, notice.number)
    y -= 14 * mm
    text_width = width - 2 * MARGIN
    for text, indented in _paragraphs(notice):
        lines = wrap(("\u3000\u3000" if indented else "") + text, text_width, BODY_SIZE)
        new_page_if_needed(len(lines))
        for line in lines:
            canvas.drawString(MARGIN, y, line)
            y -= LEADING
        y -= 4
    new_page_if_needed(4)
    y -= 16 * mm
    canvas.drawRightString(width - MARGIN, y, authority_name())
    y -= LEADING
    canvas.drawRightString(width - MARGIN, y, date_zh(local_date(notice.issued_at)))
    y -= 2 * LEADING
    canvas.setFont(FONT_NAME, 9)
    canvas.drawString(
        MARGIN,
        MARGIN,
        f"申请编号：{notice.application.number}　本文书加盖电子印章，可在本平台核验。",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def notice_pdf(*, notice: Notice) -> bytes:
    """The sealed PDF of a notice: made and kept on first need, then read from storage."""
    if notice.pdf_file:
        with notice.pdf_file.open("rb") as handle:
            return bytes(handle.read())
    sealed = signing.seal_pdf(render_notice_pdf(notice), reason=SEAL_REASON)
    with transaction.atomic():
        # Lock the notice: two downloads at once would otherwise both store a file.
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.pdf_file:
            with locked.pdf_file.open("rb") as handle:
                return bytes(handle.read())
        locked.pdf_sha256 = hashlib.sha256(sealed).hexdigest()
        # A file left by a download whose transaction rolled back is replaced, not orphaned.
        store_under_own_name(locked.pdf_file, f"{locked.public_id}.pdf", sealed)
        locked.save(update_fields=["pdf_file", "pdf_sha256", "updated_at"])
    notice.pdf_file = locked.pdf_file
    notice.pdf_sha256 = locked.pdf_sha256
    return sealed
