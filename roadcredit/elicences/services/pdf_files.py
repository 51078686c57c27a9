"""The licence's PDFs: the sealed electronic licence (made on first need, then kept) and the
print layout for the pre-numbered paper stock.

The sealed PDF is the holder's document: it carries the full licence number (for a
practitioner certificate, the ID number, as the paper certificate does), so it is served only
to staff and to the holder's own account.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict
from roadcredit.core.files import store_under_own_name
from roadcredit.elicences.models import Licence
from roadcredit.elicences.rendering import (
    LicenceRenderData,
    render_print_layout,
    render_sealed_licence_pdf,
)
from roadcredit.elicences.selectors import (
    LAYOUT_BY_HOLDER,
    NOT_IN_FIELD_TABLE,
    full_licence_number,
    licence_catalogue,
)


def licence_render_data(licence: Licence) -> LicenceRenderData:
    """What the PDF shows: the face as issued, with the full licence number."""
    licence_type = licence_catalogue()[licence.type_key]
    holder_key = next(
        (field.key for field in licence_type.face if field.source == "holder.name"), None
    )
    fields = tuple(
        (field.label_zh, str(licence.face.get(field.key, "")))
        for field in licence_type.face
        if field.key not in NOT_IN_FIELD_TABLE
        and field.key != holder_key
        and licence.face.get(field.key)
    )
    holder_name = str(licence.face.get(holder_key, "")) if holder_key else ""
    issuer = licence_catalogue().issuer.name
    return LicenceRenderData(
        type_name_zh=licence_type.name_zh,
        layout=LAYOUT_BY_HOLDER[licence.holder_kind],  # type: ignore[index]
        identifier=licence.identifier or "",
        holder_name=holder_name or str(licence.holder),
        fields=fields,
        issuer_name=issuer,
        issue_date=licence.issued_on,
        valid_from=licence.valid_from,
        valid_to=licence.valid_until,
        qr_text=licence.qr_text,
        seal_text=issuer,
        licence_number=full_licence_number(licence),
    )


def _read(licence: Licence) -> bytes | None:
    if not licence.pdf_file or not licence.pdf_sha256:
        return None
    try:
        with licence.pdf_file.open("rb") as handle:
            content: bytes = handle.read()
    except OSError:
        return None  # the file went missing: make it again
    if hashlib.sha256(content).hexdigest() != licence.pdf_sha256:
        return None
    return content


def store_licence_pdf(licence: Licence, pdf: bytes) -> None:
    """Write the licence's file under its own name, ``licences/<year>/<public id>.pdf``,
    replacing a leftover of a run that never committed (``core.files``). The caller holds the
    row lock and found no good sealed PDF on record (a missing or tampered file is replaced
    too); every writer writes only under that lock."""
    store_under_own_name(licence.pdf_file, f"{licence.public_id}.pdf", pdf)


def licence_pdf(*, licence: Licence) -> bytes:
    """The sealed PDF of ``licence``: rendered and sealed on first need, then kept."""
    kept = _read(licence)
    if kept is not None:
        return kept
    if not licence.has_electronic:
        raise Conflict(_("This paper licence has no e-licence yet; convert it first."))
    with transaction.atomic():
        # Lock the row: two first downloads at once would both render, and the second would
        # replace the file the first one already handed out.
        locked = (
            Licence.objects.select_for_update(of=("self",))
            .select_related("operator", "vehicle__operator", "practitioner")
            .get(pk=licence.pk)
        )
        kept = _read(locked)
        if kept is None:
            kept = render_sealed_licence_pdf(licence_render_data(locked))
            digest = hashlib.sha256(kept).hexdigest()
            store_licence_pdf(locked, kept)
            locked.pdf_sha256 = digest
            locked.save(update_fields=["pdf_file", "pdf_sha256", "updated_at"])
            audit_record(
                actor=None,
                action="elicences.pdf_sealed",
                target=locked,
                after={"identifier": locked.identifier, "sha256": digest},
                at=clock.now(),
            )
    licence.pdf_file = locked.pdf_file
    licence.pdf_sha256 = locked.pdf_sha256
    return kept


def licence_print_layout(*, licence: Licence) -> bytes:
    """The values only, placed for the type's pre-printed paper stock (not kept)."""
    return render_print_layout(licence_render_data(licence))
