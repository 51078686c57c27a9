"""Evidence photos are judged by their first bytes and their size."""

from __future__ import annotations

import pytest

from roadcredit.portal.uploads import (
    PHOTO_MAX_BYTES,
    PhotoRejected,
    check_photo_size,
    photo_content_type,
)


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ],
)
def test_it_recognises_jpg_and_png_by_their_magic_bytes(head, content_type):
    assert photo_content_type(head + b"\x00" * 64) == content_type


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n",
        b"GIF89a\x01\x00",
        b"<script>alert(1)</script>",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"\x89PNX\r\n\x1a\n",
    ],
)
def test_it_refuses_anything_else_whatever_its_name(content):
    with pytest.raises(PhotoRejected) as caught:
        photo_content_type(content)
    assert "JPG 或 PNG" in caught.value.message


def test_it_refuses_an_empty_file():
    with pytest.raises(PhotoRejected) as caught:
        photo_content_type(b"")
    assert "为空" in caught.value.message


def test_it_accepts_exactly_ten_megabytes_and_refuses_one_byte_more():
    check_photo_size(PHOTO_MAX_BYTES)
    with pytest.raises(PhotoRejected) as caught:
        check_photo_size(PHOTO_MAX_BYTES + 1)
    assert caught.value.message.startswith("照片超过 10 MB")


def test_it_names_the_size_of_an_oversized_photo():
    with pytest.raises(PhotoRejected) as caught:
        check_photo_size(12 * 1024 * 1024)
    assert "当前 12.0 MB" in caught.value.message
