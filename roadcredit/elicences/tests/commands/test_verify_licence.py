"""``verify_licence``: offline checks of a PDF or a QR text; exit 0 valid, 1 with the reason."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roadcredit.elicences.services import licence_pdf, licence_revoke, status_list_published
from roadcredit.elicences.tests.services.support import issue_business_licence, issue_qualification
from roadcredit.elicences.verification import trust_list_document

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_licence", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_sealed_pdf_passes_with_exit_0(tmp_path: Path):
    licence = issue_business_licence()
    file = tmp_path / "licence.pdf"
    file.write_bytes(licence_pdf(licence=licence))
    code, output = _run(str(file))
    assert code == 0
    assert "结果：有效" in output
    assert str(licence.identifier) in output


def test_a_tampered_pdf_fails_with_exit_1_and_the_reason(tmp_path: Path):
    pdf = bytearray(licence_pdf(licence=issue_business_licence()))
    pdf[pdf.index(b"/Subject") + 12] ^= 1
    file = tmp_path / "forged.pdf"
    file.write_bytes(bytes(pdf))
    code, output = _run(str(file))
    assert code == 1
    assert "结果：无效" in output
    assert "签章后文件内容被改动" in output


def test_a_pdf_checks_against_a_downloaded_trust_list(tmp_path: Path):
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(licence_pdf(licence=issue_business_licence()))
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(trust_list_document()), encoding="utf-8")
    assert _run(str(pdf), "--trust-list", str(trust))[0] == 0


def test_a_valid_qr_text_passes(tmp_path: Path):
    licence = issue_qualification()
    code, output = _run("--qr", licence.qr_text)
    assert code == 0
    assert "证照二维码" in output
    assert licence.paper_number in output


def test_garbage_qr_text_fails_with_exit_1():
    code, output = _run("--qr", "not a licence")
    assert code == 1
    assert "不是本平台签发的电子证照二维码" in output


def test_a_revoked_licence_fails_offline_with_the_status_list(tmp_path: Path):
    licence = issue_business_licence()
    licence_revoke(actor=None, licence=licence, reason="吊销")
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(trust_list_document()), encoding="utf-8")
    status = tmp_path / "status.cose"
    status.write_bytes(status_list_published(licence.status_list).signed)
    assert _run("--qr", licence.qr_text, "--trust-list", str(trust))[0] == 0
    code, output = _run(
        "--qr", licence.qr_text, "--trust-list", str(trust), "--status-list", str(status)
    )
    assert code == 1
    assert "吊销" in output


def test_it_needs_exactly_one_of_a_file_or_a_qr_text():
    with pytest.raises(CommandError):
        call_command("verify_licence", stdout=io.StringIO())


def test_a_broken_trust_list_is_refused(tmp_path: Path):
    broken = tmp_path / "trust.json"
    broken.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="信任列表"):
        call_command(
            "verify_licence", "--qr", "x", "--trust-list", str(broken), stdout=io.StringIO()
        )
