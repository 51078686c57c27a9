"""The licence QR code, encoded with everything that does not depend on the payload done once.

segno's general encoder redoes per symbol what is the same for every licence: the function
patterns, the format and version information, the order in which data modules are placed, the
mask, the Reed-Solomon generator and the block layout. Here that is a :class:`_Template` per QR
version (error correction M, mask 0), built once per process from segno's own tables and checked
module for module against segno's output for the first payload of that version. Per licence only
the bit stream, the Reed-Solomon remainders (one XOR per codeword, with precomputed generator
multiples) and one permutation of the bits (``operator.itemgetter``) remain.

The payload is split into at most two segments: a byte-mode head and, when long enough, the
longest tail made only of QR alphanumeric characters (the base45 token of the verification URL
with its percent escapes is one: 5.5 instead of 8 bits per character, so a smaller symbol). Any
reader decodes mixed segments (ISO/IEC 18004 §7.4). Text this fast path does not handle (a
non-ASCII head, more than version 40 holds) goes to segno.
"""

from __future__ import annotations

import functools
import logging
import operator
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import segno
from segno import consts as segno_consts

logger = logging.getLogger(__name__)

QR_MASK = 0  # any of the eight masks is valid; choosing the "best" one costs more than the page
QR_ERROR = "m"  # tolerates 15 % damage
MIN_ALPHANUMERIC_TAIL = 12  # a shorter tail saves fewer bits than its segment header costs

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHANUMERIC_VALUE = {char: value for value, char in enumerate(_ALPHANUMERIC)}
_ALPHANUMERIC_TAIL = re.compile(r"[0-9A-Z $%*+\-./:]*\Z")
_RUN = re.compile("1+")
_PAD = ("11101100", "00010001")

Segments = tuple[tuple[str, str], ...]  # (text, segno mode name)


# --- GF(256) and Reed-Solomon ---------------------------------------------------------------
def _gf_tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@functools.cache
def _generator_multiples(ec_length: int) -> tuple[int, ...]:
    """For each lead byte f, f × g(x) without its leading term, as one big-endian integer."""
    generator = [1]
    for power in range(ec_length):
        root = _EXP[power]
        product = [0] * (len(generator) + 1)
        for index, coefficient in enumerate(generator):
            product[index] ^= coefficient
            product[index + 1] ^= _gf_mul(coefficient, root)
        generator = product
    tail = generator[1:]
    return tuple(
        int.from_bytes(bytes(_gf_mul(factor, c) for c in tail), "big") for factor in range(256)
    )


def rs_remainder(data: bytes, ec_length: int) -> bytes:
    """The Reed-Solomon error correction codewords of ``data`` (QR generator, GF(2^8)/0x11D)."""
    multiples = _generator_multiples(ec_length)
    shift = 8 * (ec_length - 1)
    keep = (1 << (8 * ec_length)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ multiples[(remainder >> shift) ^ byte]
    return remainder.to_bytes(ec_length, "big")


# --- segments and versions ------------------------------------------------------------------
def segments_of(text: str) -> Segments | None:
    """The segments this encoder writes for ``text``, or None when segno must do it."""
    if not text.isascii():
        return None
    tail_at = _ALPHANUMERIC_TAIL.search(text)
    start = tail_at.start() if tail_at is not None else len(text)
    if len(text) - start < MIN_ALPHANUMERIC_TAIL:
        start = len(text)
    parts = []
    if start:
        parts.append((text[:start], "byte"))
    if start < len(text):
        parts.append((text[start:], "alphanumeric"))
    return tuple(parts)


def _count_bits(mode: str, version: int) -> int:
    band = 0 if version < 10 else 1 if version < 27 else 2
    return {"byte": (8, 16, 16), "alphanumeric": (9, 11, 13)}[mode][band]


def _payload_bits(segments: Segments, version: int) -> int:
    bits = 0
    for text, mode in segments:
        if mode == "byte":
            bits += 4 + _count_bits(mode, version) + 8 * len(text)
        else:
            bits += 4 + _count_bits(mode, version) + 11 * (len(text) // 2) + 6 * (len(text) % 2)
    return bits


@functools.cache
def _blocks(version: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error correction codewords) per block, in symbol order."""
    blocks: list[tuple[int, int]] = []
    table: Any = segno_consts.ECC  # ISO/IEC 18004 table 9, as segno carries it
    for group in table[version][segno_consts.ERROR_LEVEL_M]:
        blocks.extend([(group.num_data, group.num_total - group.num_data)] * group.num_blocks)
    return tuple(blocks)


def _capacity(version: int) -> int:
    return 8 * sum(data for data, _ec in _blocks(version))


def version_for(segments: Segments) -> int | None:
    """The smallest QR version (error correction M) that holds ``segments``."""
    for version in range(1, 41):
        if _payload_bits(segments, version) <= _capacity(version):
            return version
    return None


def _bit_stream(segments: Segments, version: int) -> str:
    parts: list[str] = []
    for text, mode in segments:
        count = _count_bits(mode, version)
        if mode == "byte":
            parts.append(f"0100{len(text):0{count}b}")
            parts.append("".join([f"{byte:08b}" for byte in text.encode("ascii")]))
        else:
            values = [_ALPHANUMERIC_VALUE[char] for char in text]
            parts.append(f"0010{len(text):0{count}b}")
            pairs = zip(values[0::2], values[1::2], strict=False)
            parts.append("".join([f"{45 * a + b:011b}" for a, b in pairs]))
            if len(values) % 2:
                parts.append(f"{values[-1]:06b}")
    bits = "".join(parts)
    capacity = _capacity(version)
    bits += "0" * min(4, capacity - len(bits))
    # Up to the codeword boundary, as segno does it: a whole zero codeword when the terminator
    # already ends on one. Readers stop at the terminator; it keeps every module as segno's.
    if len(bits) < capacity:
        bits += "0" * (8 - len(bits) % 8)
    missing = (capacity - len(bits)) // 8
    return bits + "".join(_PAD[index % 2] for index in range(missing))


# --- the template per version ---------------------------------------------------------------
def _function_modules(version: int, size: int) -> list[bytearray]:
    marked = [bytearray(size) for _ in range(size)]

    def mark(rows: range, columns: range) -> None:
        for row in rows:
            for column in columns:
                if 0 <= row < size and 0 <= column < size:
                    marked[row][column] = 1

    mark(range(0, 9), range(0, 9))  # finder, separator, format information
    mark(range(0, 9), range(size - 8, size))
    mark(range(size - 8, size), range(0, 9))  # with the dark module
    mark(range(6, 7), range(size))  # timing patterns
    mark(range(size), range(6, 7))
    if version >= 2:
        centres = segno_consts.ALIGNMENT_POS[version - 2]
        first, last = centres[0], centres[-1]
        for row in centres:
            for column in centres:
                if (row, column) in ((first, first), (first, last), (last, first)):
                    continue
                mark(range(row - 2, row + 3), range(column - 2, column + 3))
    if version >= 7:  # version information
        mark(range(0, 6), range(size - 11, size - 8))
        mark(range(size - 11, size - 8), range(0, 6))
    return marked


def _data_positions(marked: Sequence[bytearray], size: int) -> list[tuple[int, int]]:
    """The data modules in placement order (two-column zigzag from the bottom right)."""
    positions: list[tuple[int, int]] = []
    column, upward = size - 1, True
    while column > 0:
        if column == 6:
            column -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for row in rows:
            for col in (column, column - 1):
                if not marked[row][col]:
                    positions.append((row, col))
        upward = not upward
        column -= 2
    return positions


@dataclass(frozen=True)
class _Template:
    version: int
    size: int
    blocks: tuple[tuple[int, int], ...]
    data_modules: int
    mask: int  # mask 0 over the data modules, in placement order
    gather: Callable[[str], tuple[str, ...]]  # data bits + "01" → modules, row by row

    def matrix(self, segments: Segments) -> str:
        """The symbol's modules row by row as one string of "0"/"1"."""
        stream = _bit_stream(segments, self.version)
        data = int(stream, 2).to_bytes(len(stream) // 8, "big")
        data_blocks: list[bytes] = []
        ec_blocks: list[bytes] = []
        at = 0
        for data_length, ec_length in self.blocks:
            block = data[at : at + data_length]
            at += data_length
            data_blocks.append(block)
            ec_blocks.append(rs_remainder(block, ec_length))
        message = bytearray()
        for group in (data_blocks, ec_blocks):
            for index in range(max(len(block) for block in group)):
                message.extend(block[index] for block in group if index < len(block))
        value = int.from_bytes(message, "big") << (self.data_modules - 8 * len(message))
        bits = f"{value ^ self.mask:0{self.data_modules}b}"
        return "".join(self.gather(bits + "01"))


def _build_template(version: int, sample: Segments) -> _Template:
    size = 17 + 4 * version
    marked = _function_modules(version, size)
    positions = _data_positions(marked, size)
    order = {position: index for index, position in enumerate(positions)}
    mask = int("".join("1" if (r + c) % 2 == 0 else "0" for r, c in positions), 2)
    reference = _segno_matrix(sample, version)
    fixed = len(positions)
    indexes = [
        order[(row, column)] if (row, column) in order else fixed + reference[row][column]
        for row in range(size)
        for column in range(size)
    ]
    template = _Template(
        version=version,
        size=size,
        blocks=_blocks(version),
        data_modules=fixed,
        mask=mask,
        gather=operator.itemgetter(*indexes),
    )
    expected = "".join("1" if bit else "0" for row in reference for bit in row)
    if template.matrix(sample) != expected:  # pragma: no cover - a bug here, caught by tests
        raise RuntimeError(f"QR template for version {version} differs from segno")
    return template


_SEGNO_MODES = {"byte": segno_consts.MODE_BYTE, "alphanumeric": segno_consts.MODE_ALPHANUMERIC}


def _segno_segments(segments: Segments) -> list[tuple[str, int]]:
    return [(text, _SEGNO_MODES[mode]) for text, mode in segments]


def _segno_matrix(segments: Segments, version: int) -> Any:
    content: Any = _segno_segments(segments)  # segno takes a list of segments (not in its stubs)
    return segno.make(
        content,
        error=QR_ERROR,
        version=version,
        mask=QR_MASK,
        micro=False,
        boost_error=False,
    ).matrix


_templates: dict[int, _Template] = {}
_templates_lock = threading.Lock()


def _template(version: int, sample: Segments) -> _Template | None:
    template = _templates.get(version)
    if template is None:
        with _templates_lock:
            template = _templates.get(version)
            if template is None:
                try:
                    template = _templates[version] = _build_template(version, sample)
                except RuntimeError:  # pragma: no cover - never seen; segno stays correct
                    logger.exception("QR fast path disabled for version %s", version)
                    return None
    return template


# --- the public functions -------------------------------------------------------------------
def qr_segments(text: str) -> Any:  # segno's content argument: segments or text
    """What segno needs to draw the same symbol as the licence (for tests): the segments, or the
    text itself where segno draws it (see :func:`qr_matrix`)."""
    segments = segments_of(text)
    if segments is None or version_for(segments) is None:
        return text
    return _segno_segments(segments)


def qr_matrix(text: str) -> tuple[int, str]:
    """(modules per side, the modules row by row as "0"/"1"), error correction M, mask 0."""
    segments = segments_of(text)
    version = version_for(segments) if segments is not None else None
    template = _template(version, segments) if segments and version else None
    if template is None or segments is None:
        symbol = segno.make(text, error=QR_ERROR, mask=QR_MASK, micro=False, boost_error=False)
        matrix = symbol.matrix
        return len(matrix), "".join("1" if bit else "0" for row in matrix for bit in row)
    return template.size, template.matrix(segments)


def qr_runs(text: str) -> tuple[int, str]:
    """The QR symbol of ``text`` as PDF rectangles in module units: (modules per side, path).

    Each row's runs of dark modules are one ``re`` each, with y counted from the bottom."""
    size, modules = qr_matrix(text)
    parts: list[str] = []
    for row in range(size):
        start = row * size
        y = size - 1 - row
        parts.extend(
            [
                f"{run.start() - start} {y} {run.end() - run.start()} 1 re"
                for run in _RUN.finditer(modules, start, start + size)
            ]
        )
    return size, " ".join(parts)
