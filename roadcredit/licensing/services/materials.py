"""Uploading application materials: checked by content, stored under a random name, supplementing
a 容缺 notice when it is one of the listed materials."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed

from ..catalogue import default_catalogue
from ..files import SNIFF_BYTES, UploadRefused, check_content, check_upload
from ..models import Application, Material, MissingMaterialNotice
from ..workflow import Actor, State
from .common import actor_kind

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

# Before acceptance the applicant completes the file; after acceptance only what a 容缺 notice
# still asks for may be supplemented.
UPLOAD_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.RETURNED})
SUPPLEMENT_STATES = frozenset({State.ACCEPTED, State.UNDER_REVIEW})


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.for_fields(message, {field: [message]})


def material_upload(
    *,
    actor: User,
    application: Application,
    item_position: int,
    material_key: str,
    file: File,  # type: ignore[type-arg]
    at: dt.datetime | None = None,
) -> Material:
    """Store one material of an item (PDF, JPG or PNG by its content; at most the catalogue's
    size). After acceptance only a material listed in the open 容缺 notice is taken, and the
    notice is marked supplemented once every listed material is in."""
    at = at or clock.now()
    catalogue = default_catalogue()
    size = int(getattr(file, "size", 0) or 0)
    file.seek(0)
    head = file.read(SNIFF_BYTES) or b""
    file.seek(0)
    try:
        checked = check_upload(
            name=str(getattr(file, "name", "") or ""),
            size=size,
            head=head if isinstance(head, bytes) else head.encode(),
            max_bytes=catalogue.max_upload_bytes,
            allowed=catalogue.upload_content_types,
        )
        check_content(file, content_type=checked.content_type)
    except UploadRefused as exc:
        raise _refuse("file", exc.message) from None
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        # Lock the application: an upload racing the clerk's acceptance (or a second upload
        # completing the same 容缺 notice) must see one consistent set of materials.
        locked = Application.objects.select_for_update().get(pk=application.pk)
        kind = actor_kind(actor, locked)
        if kind not in (Actor.APPLICANT, Actor.CLERK):
            raise Conflict(_("Only the applicant or a window clerk may upload materials."))
        item = locked.items.filter(position=item_position).first()
        if item is None:
            raise _refuse("item", _("This application has no such item."))
        spec = catalogue.item(item.item_key).material(material_key)
        if spec is None:
            raise _refuse("material_key", _("This item does not ask for such a material."))
        notice = MissingMaterialNotice.objects.filter(application=locked).first()
        supplement = False
        if locked.state in SUPPLEMENT_STATES:
            listed = (
                notice is not None
                and notice.is_open
                and any(
                    entry["item"] == item.position and entry["key"] == material_key
                    for entry in notice.items
                )
            )
            if not listed:
                raise Conflict(
                    _(
                        "The application has been accepted; only materials listed in the notice of acceptance with missing materials can still be uploaded."
                    )
                )
            supplement = True
        elif locked.state not in UPLOAD_STATES:
            raise Conflict(_("Materials can no longer be uploaded in the current state."))
        material = Material(
            application=locked,
            item=item,
            material_key=material_key,
            original_name=checked.name,
            content_type=checked.content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            supplement=supplement,
        )
        material.file.save("material", file, save=False)
        material.save()
        audit_record(
            actor=actor,
            action="licensing.material_upload",
            target=locked,
            after={
                "item": item.position,
                "material": material_key,
                "sha256": material.sha256,
                "size": size,
                "content_type": checked.content_type,
                "supplement": supplement,
            },
            at=at,
        )
        if supplement and notice is not None:
            _maybe_supplemented(locked, notice, actor=actor, at=at)
        return material


def _maybe_supplemented(
    locked: Application, notice: MissingMaterialNotice, *, actor: User, at: dt.datetime
) -> None:
    present = {
        (m.item.position, m.material_key)
        for m in locked.materials.filter(removed_at__isnull=True).select_related("item")
    }
    if all((entry["item"], entry["key"]) in present for entry in notice.items):
        notice.supplemented_at = at
        notice.save(update_fields=["supplemented_at", "updated_at"])
        audit_record(
            actor=actor,
            action="licensing.missing_supplemented",
            target=locked,
            after={"deadline": notice.deadline},
            at=at,
        )


def material_remove(*, actor: User, material: Material, at: dt.datetime | None = None) -> None:
    """Take back a wrong upload before acceptance (the file stays for the record)."""
    at = at or clock.now()
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=material.application_id)
        if actor_kind(actor, locked) not in (Actor.APPLICANT, Actor.CLERK):
            raise Conflict(_("Only the applicant or a window clerk may remove materials."))
        if locked.state not in UPLOAD_STATES:
            raise Conflict(_("Materials can no longer be removed in the current state."))
        updated = Material.objects.filter(pk=material.pk, removed_at__isnull=True).update(
            removed_at=at
        )
        if updated:
            audit_record(
                actor=actor,
                action="licensing.material_remove",
                target=locked,
                after={"material": material.material_key, "sha256": material.sha256},
                at=at,
            )
