"""Checking an evidence photo before it is stored (pure Python, no Django).

The type is decided by the file's first bytes (its magic number), never by the name or the
content type the phone sends: a renamed PDF or script is refused; then Pillow must open it as a
complete image of that type within the pixel limit (``roadcredit.core.uploads``).
"""

from __future__ import annotations

import io

from roadcredit.core.uploads import UploadContentRefused, check_image

PHOTO_MAX_BYTES = 10 * 1024 * 1024
_MAGIC: dict[str, bytes] = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


class PhotoRejected(ValueError):
    """The photo cannot be accepted; ``message`` is Chinese and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_photo_size(size: int, *, max_bytes: int = PHOTO_MAX_BYTES) -> None:
    """``PhotoRejected`` for an empty or oversized photo (checked before reading it)."""
    if size <= 0:
        raise PhotoRejected("照片文件为空，请重新拍照或选择照片")
    if size > max_bytes:
        raise PhotoRejected(
            f"照片超过 {max_bytes // (1024 * 1024)} MB（当前 {size / (1024 * 1024):.1f} MB），"
            "请压缩后重新上传"
        )


def photo_content_type(content: bytes, *, max_bytes: int = PHOTO_MAX_BYTES) -> str:
    """The content type of a JPG or PNG photo judged by its magic bytes; ``PhotoRejected`` for
    an empty, oversized or other file."""
    check_photo_size(len(content), max_bytes=max_bytes)
    for content_type, magic in _MAGIC.items():
        if content.startswith(magic):
            try:
                check_image(io.BytesIO(content), content_type=content_type, what="照片")
            except UploadContentRefused as exc:
                raise PhotoRejected(exc.message) from None
            return content_type
    raise PhotoRejected("只接受 JPG 或 PNG 格式的照片（按文件内容识别）")
