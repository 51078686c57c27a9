"""One home for the limits and content checks of files that come from outside.

Imports (registry, credit records, paper licence ledger) read tables through
``roadcredit.exchange.tabular``, which applies the spreadsheet limits below; uploads (application
materials, inspectors' photos) are checked here by their content, never by their name. Exports
write text cells through :func:`formula_safe`.

Limits (each can be changed in the settings named; see docs/operations.md):

======================================  ============  ==========================================
limit                                   default       setting
======================================  ============  ==========================================
registry / ledger file size             50 MB         ``IMPORT_MAX_BYTES``
registry / ledger data rows             1,000,000     ``IMPORT_MAX_ROWS``
credit record file (command, page)      512 MB /      ``credit.services.intake.MAX_FILE_BYTES``
                                        2,000,000     / ``MAX_FILE_ROWS``
one cell                                32,767 chars  Excel's own limit, ``MAX_CELL_CHARS``
.xlsx uncompressed, all members         20 x size     ``tabular.UNCOMPRESSED_FACTOR``
.xlsx compression ratio of a member     200 : 1       ``tabular.MAX_COMPRESSION_RATIO``
.xlsx shared strings (held in memory)   64 MB         ``IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES``
image pixels (photo, material)          40 MP         ``UPLOAD_MAX_IMAGE_PIXELS``
======================================  ============  ==========================================

A file over a limit is refused before its rows are read, with a Chinese message naming the limit.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from typing import IO, Any

# Excel cannot hold more in one cell; a longer cell is not a spreadsheet a clerk made.
MAX_CELL_CHARS = 32_767
SHARED_STRINGS_MAX_BYTES = 64 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 x 6000; 40 MP is plenty


def _setting(name: str, default: int) -> int:
    """A limit from the Django settings when they are configured (this module imports no Django
    itself: the pure upload checks of the apps use it)."""
    try:
        from django.conf import settings

        return int(getattr(settings, name, default))
    except Exception:  # Django not configured
        return default


def shared_strings_max_bytes() -> int:
    return _setting("IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES", SHARED_STRINGS_MAX_BYTES)


def max_image_pixels() -> int:
    return _setting("UPLOAD_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS)


class UploadContentRefused(ValueError):
    """The content is not what it claims, or is dangerous; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- export: formula injection -------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """Text that a spreadsheet would read as a formula (also after a round trip through CSV)
    gets a leading apostrophe; any other text is returned unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def formula_safe_cells(values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` or ``csv.writer``: text neutralised, numbers and dates kept."""
    return [formula_safe(value) if isinstance(value, str) else value for value in values]


# --- images --------------------------------------------------------------------------------


def check_image(stream: IO[bytes], *, content_type: str, what: str = "图片") -> tuple[int, int]:
    """Open the image with Pillow as the type its magic number announced: refuse a file that is
    not a complete image of that type, or whose pixel count could exhaust memory when it is
    decoded (a decompression bomb). Returns (width, height). Reads the header and verifies the
    structure; the pixels are not decoded."""
    from PIL import Image, UnidentifiedImageError

    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    limit = max_image_pixels()
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=[expected])
            width, height = image.size
            if width * height > limit:
                raise UploadContentRefused(
                    f"{what}尺寸 {width} × {height} 像素超过上限 {limit // 1_000_000} 百万像素，"
                    "请缩小后重新上传"
                )
            image.verify()
    except UploadContentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadContentRefused(
            f"{what}声明的尺寸过大（超过 {limit // 1_000_000} 百万像素），疑似压缩炸弹，拒绝接收"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadContentRefused(
            f"{what}文件已损坏或不是有效的 {expected.replace('JPEG', 'JPG')} 图片"
            f"（{exc.__class__.__name__}），请重新拍照或另存后上传"
        ) from None
    finally:
        stream.seek(0)
    return width, height


# --- PDFs ----------------------------------------------------------------------------------

# Names whose presence makes a PDF run something, submit something or carry another file.
_ACTIVE_NAMES = {
    b"JavaScript": "JavaScript 脚本",
    b"JS": "JavaScript 脚本",
    b"OpenAction": "打开时自动执行的动作（OpenAction）",
    b"AA": "自动执行的动作（AA）",
    b"Launch": "启动外部程序的动作（Launch）",
    b"EmbeddedFile": "嵌入的文件",
    b"EmbeddedFiles": "嵌入的文件",
    b"RichMedia": "嵌入的多媒体（RichMedia）",
    b"XFA": "XFA 动态表单",
    b"SubmitForm": "提交表单的动作（SubmitForm）",
    b"ImportData": "导入数据的动作（ImportData）",
    b"GoToR": "打开其他文件的动作（GoToR）",
    b"GoToE": "打开嵌入文件的动作（GoToE）",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]{1,64})")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SCAN_CHUNK = 1 << 20


def _unescape(name: bytes) -> bytes:
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)


def pdf_active_content(stream: IO[bytes]) -> list[str]:
    """What a PDF carries that could run or hide something (scripts, automatic actions,
    embedded files), as Chinese labels; empty for a plain document.

    Two looks: the raw bytes (names may be spelt with ``#xx`` escapes), and the parsed
    catalogue, pages and annotations (which also sees what compressed object streams hide).
    A file the parser cannot walk keeps the byte scan's verdict. Nothing is executed."""
    found: dict[str, None] = {}
    stream.seek(0)
    tail = b""
    while chunk := stream.read(_SCAN_CHUNK):
        data = tail + chunk
        for match in _PDF_NAME.finditer(data):
            label = _ACTIVE_NAMES.get(_unescape(match.group(1)))
            if label:
                found[label] = None
        tail = data[-80:]
    stream.seek(0)
    try:
        for name in _parsed_active_names(stream):
            found[_ACTIVE_NAMES[name]] = None
    except Exception:  # noqa: S110 - a file the parser cannot walk keeps the byte scan's verdict
        pass
    finally:
        stream.seek(0)
    return list(found)


def _parsed_active_names(stream: IO[bytes]) -> list[bytes]:
    from pyhanko.pdf_utils.generic import DictionaryObject
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(stream.read()), strict=False)
    names: list[bytes] = []

    def look(obj: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        obj = obj.get_object() if hasattr(obj, "get_object") else obj
        if isinstance(obj, DictionaryObject):
            for key in list(obj.keys()):
                raw = str(key).lstrip("/").encode()
                if raw in _ACTIVE_NAMES:
                    names.append(raw)
                if raw in (b"S",):
                    value = str(obj[key]).lstrip("/").encode()
                    if value in _ACTIVE_NAMES:
                        names.append(value)
                if raw in (b"Names", b"AcroForm", b"A", b"OpenAction", b"AA", b"Annots"):
                    look(obj[key], depth + 1)
        elif isinstance(obj, list):
            for item in obj[:500]:
                look(item, depth + 1)

    look(reader.root)
    pages = reader.root.get("/Pages")
    stack = [pages] if pages is not None else []
    seen = 0
    while stack and seen < 2000:
        node = stack.pop().get_object()
        seen += 1
        kids = node.get("/Kids")
        if kids is not None:
            stack.extend(kids)
        else:
            look(node)
    return names


def check_pdf_upload(stream: IO[bytes], *, what: str = "PDF 文件") -> None:
    """Refuse a PDF that carries scripts, automatic actions or embedded files (it is refused,
    not cleaned: the applicant saves it again without them, e.g. by printing to PDF)."""
    found = pdf_active_content(stream)
    if found:
        raise UploadContentRefused(
            f"{what}含有{'、'.join(found)}，出于安全原因不予接收。"
            "请用“打印 → 另存为 PDF”重新生成不含脚本和附件的文件后上传"
        )
