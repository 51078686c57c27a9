"""Evidence photos are judged by their first bytes and their size."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from roadcredit.portal.uploads import (
    PHOTO_MAX_BYTES,
    PhotoRejected,
    check_photo_size,
    photo_content_type,
)


@pytest.mark.parametrize(("kind", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_it_recognises_jpg_and_png_by_their_content(kind, content_type):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, kind)
    assert photo_content_type(buffer.getvalue()) == content_type


@pytest.mark.parametrize(
    "content",
    [b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64],
)
def test_magic_bytes_alone_are_not_a_photo(content):
    with pytest.raises(PhotoRejected) as caught:
        photo_content_type(content)
    assert "已损坏或不是有效的" in caught.value.message


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
