"""The upload check of a licence PDF: every bad input gets its own reason, none crashes it."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.sign.fields import SigSeedSubFilter
from reportlab.pdfgen.canvas import Canvas

from roadcredit.elicences import signing
from roadcredit.elicences.pdfcheck import MESSAGES, check_pdf
from roadcredit.elicences.rendering import render_licence_pdf, render_sealed_licence_pdf
from roadcredit.elicences.signing import pades
from roadcredit.elicences.tests.rendering.samples import IDENTIFIER, sample_licence
from roadcredit.elicences.tests.signing.support import (
    append_annotation,
    append_text,
    contents_range,
    impostor_signer,
    replace_identifier,
    sign_with,
)

pytestmark = pytest.mark.usefixtures("fresh_keystore")
REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def sealed() -> bytes:
    return render_sealed_licence_pdf(sample_licence())


def _check(pdf: bytes, **kwargs: object) -> str:
    return check_pdf(pdf, trust_roots=signing.trust_roots(), **kwargs).reason_code  # type: ignore[arg-type]


def test_it_accepts_a_licence_sealed_by_the_fast_path_and_names_its_identifier(
    sealed: bytes,
) -> None:
    result = check_pdf(sealed, trust_roots=signing.trust_roots())

    assert result.ok
    assert result.reason_code == "ok"
    assert result.identifier == IDENTIFIER
    assert result.kid == signing.active_seal().kid
    assert result.signed_at is not None
    assert "签章有效" in result.message_zh


def test_it_accepts_a_licence_sealed_by_the_general_path() -> None:
    pdf = signing.seal_pdf(render_licence_pdf(sample_licence()))

    result = check_pdf(pdf, trust_roots=signing.trust_roots())

    assert result.ok and result.identifier == IDENTIFIER


def test_licences_sealed_before_a_rotation_still_verify_with_their_old_kid(sealed: bytes) -> None:
    old_kid = signing.active_seal().kid
    signing.seal_rotate()
    issued_after = render_sealed_licence_pdf(sample_licence())

    before = check_pdf(sealed, trust_roots=signing.trust_roots())
    after = check_pdf(issued_after, trust_roots=signing.trust_roots())

    assert before.ok and before.kid == old_kid
    assert after.ok and after.kid == signing.active_seal().kid != old_kid


def test_a_licence_sealed_while_its_certificate_was_valid_verifies_after_it_expired() -> None:
    now = dt.datetime.now(dt.UTC)
    old = signing.seal_keys_init(at=now - dt.timedelta(days=4 * 365))
    assert old.not_after < now
    sealed_back_then = render_sealed_licence_pdf(
        sample_licence(), seal=old, signed_at=now - dt.timedelta(days=3 * 365)
    )
    claimed_after_expiry = render_sealed_licence_pdf(
        sample_licence(), seal=old, signed_at=old.not_after + dt.timedelta(days=30)
    )

    assert _check(sealed_back_then) == "ok"
    assert _check(claimed_after_expiry) == "untrusted"


def test_it_rejects_a_file_signed_by_another_ca_under_the_same_names() -> None:
    impostor = impostor_signer(signing.active_seal())
    forged = sign_with(render_licence_pdf(sample_licence()), impostor)

    assert _check(forged) == "untrusted"


@pytest.mark.parametrize("where", ["identifier", "page content", "font program", "document title"])
def test_it_rejects_a_byte_changed_in_the_signed_range(sealed: bytes, where: str) -> None:
    if where == "identifier":
        offset = sealed.index(IDENTIFIER.encode()) + 20
    elif where == "page content":
        offset = sealed.index(b"stream", sealed.index(b"/Length")) + 40
    elif where == "font program":
        offset = sealed.index(b"stream", sealed.index(b"/Length1")) + 200
    else:
        offset = sealed.index(b"/Title") + 12
    tampered = bytearray(sealed)
    tampered[offset] ^= 0x01

    result = check_pdf(bytes(tampered), trust_roots=signing.trust_roots())

    assert result.reason_code == "tampered"
    assert result.message_zh == MESSAGES["tampered"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(min_value=0, max_value=1, exclude_max=True), bit=st.integers(0, 7))
def test_no_single_bit_flip_in_the_signed_range_passes_or_crashes(
    sealed: bytes, position: float, bit: int
) -> None:
    opening, closing = contents_range(sealed)
    signed = [*range(0, opening), *range(closing, len(sealed))]
    offset = signed[int(position * len(signed))]
    tampered = bytearray(sealed)
    tampered[offset] ^= 1 << bit

    result = check_pdf(bytes(tampered), trust_roots=signing.trust_roots())

    assert not result.ok
    assert result.reason_code in MESSAGES


@pytest.mark.parametrize(
    "update",
    [append_annotation, append_text, lambda pdf: replace_identifier(pdf, "1.2.156.3005.2.X")],
)
def test_it_rejects_anything_added_after_the_signature(sealed: bytes, update: object) -> None:
    changed = update(sealed)  # type: ignore[operator]

    assert changed.startswith(sealed)
    assert _check(changed) == "modified_after_signing"


def test_it_rejects_a_second_signature(sealed: bytes) -> None:
    twice = sign_with(sealed, pades._signer_for(signing.active_seal()), field_name="Again")

    assert _check(twice) == "multiple_signatures"


def test_it_rejects_a_signature_that_is_not_pades() -> None:
    pdf = sign_with(
        render_licence_pdf(sample_licence()),
        pades._signer_for(signing.active_seal()),
        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
    )

    assert _check(pdf) == "unsupported_signature"


def test_it_rejects_a_sealed_pdf_that_names_no_licence() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setSubject("")
    canvas.drawString(100, 700, "no identifier here")
    canvas.save()

    assert _check(signing.seal_pdf(buffer.getvalue())) == "no_identifier"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda sealed: b"", "empty"),
        (lambda sealed: os.urandom(4096).replace(b"%PDF-", b"%PDF_"), "not_pdf"),
        (lambda sealed: b"\x89PNG\r\n\x1a\n" + os.urandom(500), "not_pdf"),
        (lambda sealed: b'{"licence": "1.2.156.3005.2"}', "not_pdf"),
        (lambda sealed: b"%PDF-1.7\n" + os.urandom(4096), "damaged"),
        (lambda sealed: sealed[: len(sealed) // 2], "damaged"),
        (lambda sealed: sealed[:-40], "damaged"),
        (lambda sealed: render_licence_pdf(sample_licence()), "unsigned"),
    ],
    ids=[
        "empty",
        "random",
        "png",
        "json",
        "pdf-header-then-noise",
        "half",
        "cut-trailer",
        "unsigned",
    ],
)
def test_it_names_what_is_wrong_with_garbage(sealed: bytes, make: object, reason: str) -> None:
    result = check_pdf(make(sealed), trust_roots=signing.trust_roots())  # type: ignore[operator]

    assert result.reason_code == reason
    assert not result.ok
    assert result.message_zh == MESSAGES[reason]


def test_it_refuses_files_larger_than_the_limit(sealed: bytes) -> None:
    assert _check(sealed, max_bytes=1000) == "too_large"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_it_never_raises_on_arbitrary_bytes_after_a_pdf_header(noise: bytes) -> None:
    result = check_pdf(b"%PDF-1.7\n" + noise + b"\n%%EOF\n", trust_roots=[])

    assert not result.ok
    assert result.reason_code in MESSAGES


def test_every_reason_has_a_chinese_message() -> None:
    assert all(any("\u4e00" <= char <= "\u9fff" for char in text) for text in MESSAGES.values())


def test_the_check_imports_no_django() -> None:
    script = (
        "import sys\nimport roadcredit.elicences.pdfcheck\n"
        "print(','.join(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == ""
