"""Uploading materials: checked by content and size, stored under a random name, refused cleanly."""

from __future__ import annotations

import pytest
from django.conf import settings

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import Conflict, PermissionDenied, ValidationFailed
from roadcredit.licensing.models import Material
from roadcredit.licensing.services import application_create, material_remove, material_upload
from roadcredit.licensing.tests.factories import PDF, PNG, grade_operator, single_data, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas):
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    return application_create(
        actor=personas[Role.OPERATOR], data=single_data("freight_business_new")
    )


def test_a_png_is_stored_under_a_random_name_in_the_application_folder(personas, draft):
    material = material_upload(
        actor=personas[Role.OPERATOR],
        application=draft,
        item_position=1,
        material_key="identity",
        file=upload("法定代表人身份证.png", PNG),
    )
    assert material.content_type == "image/png" and material.original_name == "法定代表人身份证.png"
    stored = str(material.file.name)
    assert stored.startswith(f"materials/{draft.public_id}/")
    assert "身份证" not in stored and len(stored.rsplit("/", 1)[1]) == 32
    assert (settings.MEDIA_ROOT / stored).read_bytes() == PNG


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "营业执照.pdf", "只接受 PDF、JPG、PNG 格式的文件"),
        (b"PK\x03\x04word", "安全生产管理制度.docx", "只接受"),
        (b"", "空文件.pdf", "文件为空"),
        (PDF + b"0" * (10 * 1024 * 1024), "太大的扫描件.pdf", "超过上限 10.0 MB"),
    ],
)
def test_it_refuses_the_wrong_type_or_size_and_keeps_nothing(
    personas, draft, content, name, fragment
):
    with pytest.raises(ValidationFailed) as caught:
        material_upload(
            actor=personas[Role.OPERATOR],
            application=draft,
            item_position=1,
            material_key="identity",
            file=upload(name, content),
        )
    assert fragment in caught.value.message
    assert caught.value.extra["fields"]["file"] == [caught.value.message]
    assert not Material.objects.exists()


def test_it_refuses_a_material_the_item_does_not_ask_for(personas, draft):
    with pytest.raises(ValidationFailed) as caught:
        material_upload(
            actor=personas[Role.OPERATOR],
            application=draft,
            item_position=1,
            material_key="health",
            file=upload(),
        )
    assert "material_key" in caught.value.extra["fields"]
    with pytest.raises(ValidationFailed):
        material_upload(
            actor=personas[Role.OPERATOR],
            application=draft,
            item_position=9,
            material_key="identity",
            file=upload(),
        )


def test_only_the_applicant_or_a_clerk_uploads(personas, draft):
    with pytest.raises(PermissionDenied):
        material_upload(
            actor=personas[Role.PRACTITIONER],
            application=draft,
            item_position=1,
            material_key="identity",
            file=upload(),
        )


def test_a_wrong_upload_can_be_taken_back_before_acceptance(personas, draft):
    material = material_upload(
        actor=personas[Role.OPERATOR],
        application=draft,
        item_position=1,
        material_key="identity",
        file=upload(),
    )
    material_remove(actor=personas[Role.OPERATOR], material=material)
    assert Material.objects.get(pk=material.pk).removed_at is not None
    draft.status = "closed"
    draft.save(update_fields=["status"])
    with pytest.raises(Conflict):
        material_remove(actor=personas[Role.OPERATOR], material=material)
