"""The licence QR encoder: per-version templates, module for module what segno makes."""

from __future__ import annotations

import random

import pytest
import segno

from roadcredit.elicences.rendering import QR_MASK, qr_matrix, qr_segments, qrcode
from roadcredit.elicences.tests.rendering.samples import REAL_QR_TEXT

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _segno_modules(text: str) -> tuple[int, str]:
    symbol = segno.make(qr_segments(text), error="m", mask=QR_MASK, micro=False, boost_error=False)
    rows = symbol.matrix
    return len(rows), "".join("1" if bit else "0" for row in rows for bit in row)


def _payloads() -> list[str]:
    """Verification URLs with tokens of every length the licences produce and beyond, plain
    ASCII of many lengths (versions 1 to 20), and lengths where the terminator ends exactly on
    a codeword boundary."""
    rng = random.Random(36904)
    texts = [REAL_QR_TEXT, REAL_QR_TEXT.lower(), "https://dzzz.muping.gov.cn/v/?t=RC1:"]
    for length in (1, 2, 7, 30, 120, 300, 420, 480, 600):
        token = "".join(rng.choice(ALPHANUMERIC) for _ in range(length))
        texts.append("https://dzzz.muping.gov.cn/v/?t=" + token)
        texts.append(token)
    for length in (5, 13, 40, 90, 200, 350):
        texts.append("".join(chr(rng.randint(32, 126)) for _ in range(length)))
    return texts


@pytest.mark.parametrize("text", _payloads(), ids=lambda t: f"{len(t)}-{t[:12]}")
def test_every_module_is_the_one_segno_draws_for_the_same_segments(text: str) -> None:
    assert qr_matrix(text) == _segno_modules(text)


def test_the_verification_url_is_split_into_a_byte_head_and_an_alphanumeric_token() -> None:
    head, _, token = REAL_QR_TEXT.partition("?t=")

    assert qrcode.segments_of(REAL_QR_TEXT) == ((head + "?t=", "byte"), (token, "alphanumeric"))
    # 5.5 bits per token character instead of 8: a smaller symbol than segno's single segment
    size, _modules = qr_matrix(REAL_QR_TEXT)
    assert size < len(segno.make(REAL_QR_TEXT, error="m", micro=False, boost_error=False).matrix)


def test_text_the_fast_path_does_not_take_is_left_to_segno() -> None:
    text = "https://dzzz.muping.gov.cn/v/证照?t=ABC"

    size, modules = qr_matrix(text)

    symbol = segno.make(text, error="m", mask=QR_MASK, micro=False, boost_error=False)
    assert size == len(symbol.matrix)
    assert modules == "".join("1" if bit else "0" for row in symbol.matrix for bit in row)


def test_the_reed_solomon_remainder_matches_the_standard_example() -> None:
    # ISO/IEC 18004 Annex I: "01234567" as 1-M, data codewords and their 10 EC codewords
    data = bytes([32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17])

    assert list(qrcode.rs_remainder(data, 10)) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]
