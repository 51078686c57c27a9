"""Uploaded materials: the type comes from the content, the size is capped."""

from __future__ import annotations

import pytest

from roadcredit.licensing.files import UploadRefused, check_upload, sniff_content_type

ALLOWED = ("application/pdf", "image/jpeg", "image/png")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (PDF, "application/pdf"),
        (JPG, "image/jpeg"),
        (PNG, "image/png"),
        (b"MZ\x90\x00", None),
        (b"PK\x03\x04", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_it_sniffs_the_type_from_the_first_bytes(head, content_type):
    assert sniff_content_type(head) == content_type


def test_it_accepts_a_png_whatever_it_is_called():
    checked = check_upload(
        name="营业执照.pdf", size=2048, head=PNG, max_bytes=10 << 20, allowed=ALLOWED
    )
    assert checked.content_type == "image/png"
    assert checked.name == "营业执照.pdf"


@pytest.mark.parametrize(
    ("name", "size", "head", "fragment"),
    [
        ("行驶证.pdf", 0, PDF, "文件为空"),
        ("行驶证.pdf", (10 << 20) + 1, PDF, "超过上限 10.0 MB"),
        ("行驶证.pdf", 4096, b"MZ\x90\x00", "只接受 PDF、JPG、PNG 格式的文件"),
        ("安全制度.docx", 4096, b"PK\x03\x04", "只接受"),
    ],
)
def test_it_refuses_empty_oversized_or_foreign_files(name, size, head, fragment):
    with pytest.raises(UploadRefused) as caught:
        check_upload(name=name, size=size, head=head, max_bytes=10 << 20, allowed=ALLOWED)
    assert fragment in caught.value.message


def test_it_refuses_a_type_the_catalogue_does_not_allow():
    with pytest.raises(UploadRefused) as caught:
        check_upload(name="a.png", size=10, head=PNG, max_bytes=100, allowed=("application/pdf",))
    assert "只接受 PDF 格式" in caught.value.message


def test_path_separators_are_dropped_from_the_shown_name():
    checked = check_upload(
        name="../../etc/passwd.pdf", size=10, head=PDF, max_bytes=100, allowed=ALLOWED
    )
    assert "/" not in checked.name
