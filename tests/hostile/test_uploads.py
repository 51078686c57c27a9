"""Hostile files against the uploads: application materials, inspectors' photos and the public
licence PDF check. Each is refused with a clear Chinese message and nothing is stored."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import ValidationFailed
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.licensing.models import Material
from roadcredit.licensing.services import application_create, material_upload
from roadcredit.licensing.tests.factories import grade_operator, single_data, upload
from roadcredit.portal.uploads import PHOTO_MAX_BYTES, PhotoRejected, photo_content_type

from . import corpus

pytestmark = pytest.mark.django_db
TRIED: list[tuple[str, str]] = []

HOSTILE_MATERIALS = [
    (
        "jpeg-magic-then-script",
        "身份证.jpg",
        corpus.jpeg_magic_then_script,
        "已损坏或不是有效的 JPG",
    ),
    ("png-header-bomb", "营业执照.png", corpus.png_header_bomb, "百万像素"),
    ("truncated-png", "营业执照.png", corpus.truncated_png, "已损坏或不是有效的 PNG"),
    ("pdf-javascript", "安全制度.pdf", corpus.pdf_with_javascript, "JavaScript 脚本"),
    ("pdf-hidden-javascript", "安全制度.pdf", corpus.pdf_with_hidden_javascript, "JavaScript"),
    ("pdf-embedded-file", "安全制度.pdf", corpus.pdf_with_embedded_file, "嵌入的文件"),
    ("pdf-launch", "安全制度.pdf", corpus.pdf_with_launch_action, "Launch"),
    ("pdf-js-object-stream", "安全制度.pdf", corpus.pdf_js_in_object_stream, "OpenAction"),
    ("garbage", "身份证.jpg", corpus.garbage, "只接受"),
    ("empty", "身份证.jpg", lambda: b"", "文件为空"),
    ("oversized-jpeg", "身份证.jpg", lambda: corpus.oversized_jpeg(10 * 1024 * 1024), "超过上限"),
]


@pytest.fixture
def draft(personas: Any) -> Any:
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    return application_create(
        actor=personas[Role.OPERATOR], data=single_data("freight_business_new")
    )


@pytest.mark.parametrize(
    ("hostile", "name", "make", "fragment"),
    HOSTILE_MATERIALS,
    ids=[h[0] for h in HOSTILE_MATERIALS],
)
def test_a_hostile_material_is_refused_and_nothing_is_stored(
    personas: Any, draft: Any, hostile: str, name: str, make: Any, fragment: str
) -> None:
    TRIED.append(("material", hostile))
    before = (Material.objects.count(), AuditEntry.objects.count())
    tracemalloc.start()
    try:
        with pytest.raises(ValidationFailed) as caught:
            material_upload(
                actor=personas[Role.OPERATOR],
                application=draft,
                item_position=1,
                material_key="identity",
                file=upload(name, make()),
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fragment in caught.value.message, caught.value.message
    assert (Material.objects.count(), AuditEntry.objects.count()) == before
    assert peak < 40 << 20


@pytest.mark.parametrize("make", [corpus.real_jpeg, corpus.real_png, corpus.plain_pdf])
def test_a_plain_material_is_still_taken(personas: Any, draft: Any, make: Any) -> None:
    name = {"real_jpeg": "身份证.jpg", "real_png": "身份证.png", "plain_pdf": "制度.pdf"}[
        make.__name__
    ]
    material = material_upload(
        actor=personas[Role.OPERATOR],
        application=draft,
        item_position=1,
        material_key="identity",
        file=upload(name, make()),
    )
    assert material.pk is not None


HOSTILE_PHOTOS = [
    ("jpeg-magic-then-script", corpus.jpeg_magic_then_script, "已损坏或不是有效的 JPG"),
    ("png-header-bomb", corpus.png_header_bomb, "百万像素"),
    ("truncated-png", corpus.truncated_png, "已损坏或不是有效的 PNG"),
    ("pdf-named-jpg", corpus.pdf_with_javascript, "只接受 JPG 或 PNG"),
    ("garbage", corpus.garbage, "只接受 JPG 或 PNG"),
    ("empty", lambda: b"", "照片文件为空"),
    ("oversized", lambda: corpus.oversized_jpeg(PHOTO_MAX_BYTES), "照片超过 10 MB"),
]


@pytest.mark.parametrize(
    ("hostile", "make", "fragment"), HOSTILE_PHOTOS, ids=[h[0] for h in HOSTILE_PHOTOS]
)
def test_a_hostile_inspector_photo_is_refused(hostile: str, make: Any, fragment: str) -> None:
    TRIED.append(("photo", hostile))
    with pytest.raises(PhotoRejected) as caught:
        photo_content_type(make())
    assert fragment in caught.value.message


HOSTILE_PDFS = [
    ("pdf-javascript", corpus.pdf_with_javascript),
    ("pdf-hidden-javascript", corpus.pdf_with_hidden_javascript),
    ("pdf-embedded-file", corpus.pdf_with_embedded_file),
    ("pdf-launch", corpus.pdf_with_launch_action),
    ("pdf-js-object-stream", corpus.pdf_js_in_object_stream),
    ("garbage", corpus.garbage),
    ("truncated", lambda: corpus.pdf_with_javascript()[:200]),
]


@pytest.mark.parametrize(("hostile", "make"), HOSTILE_PDFS, ids=[h[0] for h in HOSTILE_PDFS])
def test_the_verify_page_reports_a_hostile_pdf_as_not_a_valid_licence(
    hostile: str, make: Any
) -> None:
    TRIED.append(("verify-pdf", hostile))
    result = check_pdf(make(), trust_roots=[])
    assert not result.ok
    assert result.reason_code in {"unsigned", "damaged", "not_pdf"}
    assert result.message_zh


@pytest.fixture(scope="module", autouse=True)
def _report_count() -> Any:
    yield
    print(f"\n[hostile] uploads x hostile files tried: {len(TRIED)}")
