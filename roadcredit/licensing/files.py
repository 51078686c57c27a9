"""Checking an uploaded material before it is stored (pure Python, no Django).

The type is decided by the file's first bytes (magic numbers), never by its name or the
browser's Content-Type: a renamed executable is refused whatever it is called. Messages are in
Chinese because they go straight to the applicant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from roadcredit.core.uploads import UploadContentRefused, check_image, check_pdf_upload

# Magic numbers of the accepted types.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
TYPE_LABELS_ZH = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
SNIFF_BYTES = 16
NAME_MAX = 200


class UploadRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes announce, or None if not one we know."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _size_zh(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(1, size // 1024)} KB"


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    name: str  # cleaned original name, for display only


def check_upload(
    *, name: str, size: int, head: bytes, max_bytes: int, allowed: tuple[str, ...]
) -> CheckedUpload:
    """Refuse an empty, oversized or wrongly typed file with a Chinese message."""
    if size <= 0:
        raise UploadRefused("文件为空，请重新选择文件")
    if size > max_bytes:
        raise UploadRefused(
            f"文件大小为 {_size_zh(size)}，超过上限 {_size_zh(max_bytes)}，请压缩后重新上传"
        )
    content_type = sniff_content_type(head)
    labels = "、".join(TYPE_LABELS_ZH[t] for t in allowed)
    if content_type is None or content_type not in allowed:
        raise UploadRefused(f"只接受 {labels} 格式的文件，所选文件的内容不是这些格式")
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in "/\\").strip()
    return CheckedUpload(content_type=content_type, name=(cleaned or "材料")[-NAME_MAX:])


def check_content(stream: IO[bytes], *, content_type: str) -> None:
    """Look inside the file its magic number let through: an image must open as a complete
    image of that type within the pixel limit; a PDF must carry no script, automatic action or
    embedded file. ``UploadRefused`` with a Chinese message otherwise."""
    try:
        if content_type == "application/pdf":
            check_pdf_upload(stream)
        else:
            check_image(stream, content_type=content_type)
    except UploadContentRefused as exc:
        raise UploadRefused(exc.message) from None
