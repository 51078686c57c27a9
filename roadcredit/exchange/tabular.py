"""Reading tabular files (.csv, .xlsx) row by row, without trusting them (pure, no Django).

* CSV: UTF-8 (with or without BOM) is tried first, then GB18030 (a superset of GBK, which bureau
  exports often use). If neither decodes the whole file, the error names the first bad line.
* XLSX: streamed with openpyxl's read-only reader; the zip's declared uncompressed size is
  checked before anything is parsed (zip-bomb guard). Cells holding formulas are passed on as
  ``columns.FormulaCell`` (the importer rejects them); merged cells are listed by range.
  Each member's uncompressed size and compression ratio are checked, and ``sharedStrings.xml``
  (which openpyxl holds in memory whole) has its own cap; a member whose real size differs from
  the declared one fails its CRC check while it is read and is reported as damaged.
* Both: the data rows are counted before any is handed out, so a file over ``max_rows`` is
  refused at once; a file with only its header is refused; a cell longer than Excel's own limit
  (32,767 characters) is refused naming its row and column.

Row numbers are the spreadsheet's own: the header is row 1, the first data row is row 2.
Completely blank rows are skipped and counted. The file is read again on every call of
``Table.rows()`` so a large file never has to sit in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from .columns import FormulaCell, is_blank

# Excel's own limit on one cell (``roadcredit.core.uploads.MAX_CELL_CHARS``).
MAX_CELL_CHARS = 32_767

SUFFIXES = (".csv", ".xlsx")
# Spreadsheet XML compresses well, but not this well: a member inflating more than this is a
# zip bomb, not a registry export.
MAX_COMPRESSION_RATIO = 200
# Uncompressed size allowed per byte of the limit on the file itself.
UNCOMPRESSED_FACTOR = 20
_CHUNK = 1 << 20


class TabularError(ValueError):
    """The file cannot be read as a table. ``message`` is Chinese; ``row`` is the file's own row
    (or line) number when the problem is in one place, else None."""

    def __init__(self, message: str, *, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class Row:
    number: int  # the spreadsheet's own row number (header = 1)
    values: tuple[object, ...]


@dataclass(frozen=True)
class MergedRange:
    ref: str  # "A3:B4"
    first_row: int
    first_column: int  # 1-based


@dataclass
class Table:
    path: Path
    format: str  # "csv" or "xlsx"
    headers: tuple[object, ...]
    max_rows: int
    encoding: str = ""  # CSV only: "utf-8-sig" or "gb18030"
    delimiter: str = ","
    merged: tuple[MergedRange, ...] = ()
    estimated_rows: int = 0
    blank_rows: int = field(default=0, init=False)  # blank rows met by the last rows() pass

    def rows(self) -> Iterator[Row]:
        """The data rows (after the header), blank ones skipped and counted in ``blank_rows``.
        Blank rows after the last data row are not counted (spreadsheets often carry them)."""
        self.blank_rows = 0
        pending_blank = 0
        source = _csv_rows(self) if self.format == "csv" else _xlsx_rows(self)
        for number, values in source:
            if number == 1:
                continue
            if all(is_blank(value) for value in values):
                pending_blank += 1
                continue
            if number > self.max_rows + 1:
                raise TabularError(
                    f"文件超过 {self.max_rows} 行的上限，请拆分成多个文件分批导入", row=number
                )
            self.blank_rows += pending_blank
            pending_blank = 0
            for position, value in enumerate(values):
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise TabularError(
                        f"第 {number} 行{_column_name(self.headers, position)}的内容有 "
                        f"{len(value)} 个字符，超过单元格 {MAX_CELL_CHARS} 个字符的上限",
                        row=number,
                    )
            yield Row(number, values)


def _column_name(headers: tuple[object, ...], position: int) -> str:
    label = str(headers[position]).strip().rstrip("*") if position < len(headers) else ""
    return f"第 {position + 1} 列（{label}）" if label else f"第 {position + 1} 列"


def _refuse_counted(table: Table, data_rows: int) -> None:
    """Refuse a file over the row limit, or with no data, before any row is handed out."""
    if data_rows > table.max_rows:
        raise TabularError(
            f"文件有 {data_rows:,} 行数据，超过 {table.max_rows:,} 行的上限，"
            "请拆分成多个文件分批导入"
        )
    if data_rows == 0:
        raise TabularError("文件只有表头，没有数据行")


def open_table(path: Path, *, file_name: str, max_bytes: int, max_rows: int) -> Table:
    """Check the file (size, type, encoding, zip sizes) and read its header row."""
    suffix = Path(file_name).suffix.lower()
    size = path.stat().st_size
    if size > max_bytes:
        raise TabularError(
            f"文件大小 {size / 1048576:.1f} MB 超过上限 {max_bytes / 1048576:.0f} MB，请拆分后分批导入"
        )
    if size == 0:
        raise TabularError("文件是空的")
    if suffix == ".csv":
        return _open_csv(path, max_rows=max_rows)
    if suffix == ".xlsx":
        return _open_xlsx(path, max_bytes=max_bytes, max_rows=max_rows)
    if suffix in (".xls", ".et", ".wps"):
        raise TabularError(
            "不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV 后导入"
        )
    raise TabularError("只接受 .xlsx 或 .csv 文件")


def _first_row(rows: Iterator[tuple[int, tuple[object, ...]]]) -> tuple[object, ...]:
    """Row 1 (the header) of a reading, closing the file straight after."""
    try:
        first = next(rows, None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return first[1] if first is not None and first[0] == 1 else ()


# --- CSV ------------------------------------------------------------------------------------


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """None if the whole file decodes, else the 1-based line number of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                return lines_before + exc.object[: max(exc.start, 0)].count(b"\n") + 1
            if final:
                return None
            lines_before += chunk.count(b"\n")


def detect_encoding(path: Path) -> str:
    """``"utf-8-sig"`` (BOM optional) or ``"gb18030"``; TabularError naming the first bad line."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TabularError(
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”后导入"
        )
    bad_utf8 = _first_bad_line(path, "utf-8-sig")
    if bad_utf8 is None:
        return "utf-8-sig"
    bad_gb = _first_bad_line(path, "gb18030")
    if bad_gb is None:
        return "gb18030"
    line = max(bad_utf8, bad_gb)
    raise TabularError(
        f"文件编码无法识别：第 {line} 行含有既不是 UTF-8 也不是 GBK/GB18030 编码的内容。"
        "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 CSV（GBK）后重新导入",
        row=line,
    )


_CSV_FORMULA = re.compile(r"=\S")


def _csv_reader(handle: io.TextIOWrapper, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(handle, delimiter=delimiter, strict=False)


def _open_csv(path: Path, *, max_rows: int) -> Table:
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        line_count = 0
        while chunk := raw.read(_CHUNK):
            line_count += chunk.count(b"\n")
    with path.open(encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    table = Table(
        path=path,
        format="csv",
        headers=(),
        max_rows=max_rows,
        encoding=encoding,
        delimiter=delimiter,
        estimated_rows=max(line_count - 1, 0),
    )
    table.headers = _first_row(_csv_rows(table))
    if not table.headers or all(is_blank(value) for value in table.headers):
        raise TabularError("第 1 行（表头）是空的：第 1 行应为列名", row=1)
    data_rows = 0
    for number, values in _csv_rows(table):
        if number > 1 and not all(is_blank(value) for value in values):
            data_rows += 1
    _refuse_counted(table, data_rows)
    return table


def _csv_rows(table: Table) -> Iterator[tuple[int, tuple[object, ...]]]:
    with table.path.open(encoding=table.encoding, newline="") as handle:
        reader = _csv_reader(handle, table.delimiter)
        number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise TabularError(
                        f"第 {number + 1} 行有单元格超过 {MAX_CELL_CHARS} 个字符的上限",
                        row=number + 1,
                    ) from None
                raise TabularError(
                    f"第 {number + 1} 条记录不是有效的 CSV（{exc}），请检查引号是否成对",
                    row=number + 1,
                ) from None
            number += 1
            yield (
                number,
                tuple(
                    FormulaCell(cell.strip()) if _CSV_FORMULA.match(cell.strip()) else cell
                    for cell in record
                ),
            )


# --- XLSX -----------------------------------------------------------------------------------

_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_OVERLAP = 256


def _check_zip(path: Path, *, max_bytes: int, max_shared_strings: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise TabularError(
            "文件不是有效的 .xlsx 工作簿（可能是旧版 .xls、已加密或已损坏），请在 Excel 中另存为 .xlsx 后导入"
        ) from None
    total = sum(member.file_size for member in members)
    limit = max_bytes * UNCOMPRESSED_FACTOR
    if total > limit:
        raise TabularError(
            f"工作簿解压后大小 {total / 1048576:.0f} MB 超过上限 {limit / 1048576:.0f} MB，"
            "请拆分后分批导入"
        )
    for member in members:
        if member.file_size > _CHUNK and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise TabularError(
                f"工作簿的压缩比异常（{member.filename} 压缩 {member.compress_size:,} 字节、"
                f"解压后 {member.file_size:,} 字节，超过 {MAX_COMPRESSION_RATIO} 倍），"
                "疑似压缩炸弹，拒绝读取"
            )
        if member.filename.lower().endswith("sharedstrings.xml"):
            cap = max_shared_strings
            if member.file_size > cap:
                raise TabularError(
                    f"工作簿的共享字符串表解压后 {member.file_size / 1048576:.0f} MB，超过上限 "
                    f"{cap / 1048576:.0f} MB，请拆分后分批导入，或另存为 CSV 后导入"
                )


def _shared_strings_cap() -> int:
    from roadcredit.core.uploads import shared_strings_max_bytes

    return shared_strings_max_bytes()


_DAMAGED = "工作簿已损坏（{detail}），无法读取：请在 Excel 中打开并另存为 .xlsx 后重新导入"
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_xlsx_rows(path: Path, worksheet_path: str) -> int:
    """Row elements in the sheet XML after the header (streaming; blank rows included)."""
    count = 0
    tail = b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(worksheet_path.lstrip("/")) as xml:
            while chunk := xml.read(_CHUNK):
                data = tail + chunk
                count += len(_ROW_TAG.findall(data)) - len(_ROW_TAG.findall(tail))
                tail = data[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise TabularError(_DAMAGED.format(detail=exc.__class__.__name__)) from None
    return max(count - 1, 0)


def _load(path: Path) -> Any:
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on malformed packages
        raise TabularError(_DAMAGED.format(detail=exc.__class__.__name__)) from None


def _merged_ranges(path: Path, worksheet_path: str) -> tuple[MergedRange, ...]:
    """Merged cells are declared after the sheet data; scan the sheet XML for them (streaming)."""
    found: list[MergedRange] = []
    seen: set[str] = set()
    with zipfile.ZipFile(path) as archive, archive.open(worksheet_path.lstrip("/")) as xml:
        tail = b""
        while True:
            chunk = xml.read(_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            for match in _MERGE_CELL.finditer(data):
                ref = match.group(1).decode("ascii")
                if ref in seen:
                    continue
                seen.add(ref)
                min_col, min_row, _, _ = range_boundaries(ref)
                found.append(MergedRange(ref, int(min_row or 1), int(min_col or 1)))
            tail = data[-_OVERLAP:]
    return tuple(sorted(found, key=lambda item: (item.first_row, item.first_column)))


def _merged_or_damaged(path: Path, worksheet_path: str) -> tuple[MergedRange, ...]:
    try:
        return _merged_ranges(path, worksheet_path)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise TabularError(_DAMAGED.format(detail=exc.__class__.__name__)) from None


def _open_xlsx(path: Path, *, max_bytes: int, max_rows: int) -> Table:
    _check_zip(path, max_bytes=max_bytes, max_shared_strings=_shared_strings_cap())
    workbook = _load(path)
    try:
        if not workbook.worksheets:
            raise TabularError("工作簿中没有工作表")
        sheet = workbook.worksheets[0]
        declared_rows = sheet.max_row or 0
        # openpyxl's private path of the sheet inside the package (stable since 2.4).
        worksheet_path = getattr(sheet, "_worksheet_path", "")
    finally:
        workbook.close()
    table = Table(
        path=path,
        format="xlsx",
        headers=(),
        max_rows=max_rows,
        merged=_merged_or_damaged(path, worksheet_path) if worksheet_path else (),
        estimated_rows=max(declared_rows - 1, 0),
    )
    table.headers = _first_row(_xlsx_rows(table))
    if not table.headers or all(is_blank(value) for value in table.headers):
        raise TabularError("第 1 行（表头）是空的：第 1 个工作表的第 1 行应为列名", row=1)
    if worksheet_path:
        counted = _count_xlsx_rows(path, worksheet_path)
        table.estimated_rows = counted
        _refuse_counted(table, counted)
    return table


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        return FormulaCell(value) if value.startswith("=") and len(value) > 1 else value
    if value is None or isinstance(value, int | float | bool):
        return value
    # datetime / date / time / timedelta pass through; ArrayFormula, DataTableFormula are formulas
    if value.__class__.__name__ in ("ArrayFormula", "DataTableFormula"):
        text = getattr(value, "text", None) or getattr(value, "ref", "")
        return FormulaCell(str(text))
    return value


def _xlsx_rows(table: Table) -> Iterator[tuple[int, tuple[object, ...]]]:
    workbook = _load(table.path)
    try:
        sheet = workbook.worksheets[0]
        # The declared <dimension> is often wrong (some exporters write A1); read what is there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a bad CRC, cut XML, a lying size: all mean damaged
                raise TabularError(
                    _DAMAGED.format(detail=f"第 {number + 1} 行附近：{exc.__class__.__name__}"),
                    row=number + 1,
                ) from None
            number += 1
            yield number, tuple(_xlsx_value(value) for value in values)
    finally:
        workbook.close()
