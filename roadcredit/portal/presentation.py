"""The live 亮证 code: a short-lived presentation token, signed by the active seal, drawn as a QR
code. Made afresh for every showing (and every refresh), so a screenshot of it expires within a
minute and then verifies as "live code expired", never as "shown live". The printed licence's
own QR code (``Licence.qr_text``) keeps proving the licence itself; the verifier says which of
the two it read.

Nothing is stored: the token carries its own expiry and a random nonce, and the verification
service checks it against the trust list and the licence record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import segno
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.errors import Conflict
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence, LicenceStatus
from roadcredit.elicences.selectors import holder_public_name, licence_get_for
from roadcredit.elicences.services.issuance import verify_base_url
from roadcredit.elicences.tokens import (
    PRESENTATION_LIFETIME,
    LicenceClaims,
    encode_presentation_token,
    verification_url,
)

# The page fetches a fresh code this often; a code lives PRESENTATION_LIFETIME (60 s), so the
# one on screen is always valid for at least the other half.
REFRESH_SECONDS = 30
PRESENTABLE_STATUSES = (LicenceStatus.VALID, LicenceStatus.SUSPENDED)


@dataclass(frozen=True)
class PresentationCode:
    url: str  # the verification URL the QR code carries
    image: str  # the QR code as an SVG data URI (the CSP allows data: images)
    issued_at: dt.datetime
    expires_at: dt.datetime
    refresh_seconds: int = REFRESH_SECONDS

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "image": self.image,
            "issued_at": self.issued_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "refresh_seconds": self.refresh_seconds,
        }


def presentation_claims(licence: Licence, *, now: dt.datetime) -> LicenceClaims:
    """The public claims of ``licence`` as its own QR token states them (masked number and
    holder), to be re-signed as a presentation token."""
    if not licence.has_electronic or licence.identifier is None or licence.status_index is None:
        raise Conflict(_("This paper licence has no e-licence yet; it cannot be shown live."))
    return LicenceClaims(
        identifier=licence.identifier,
        type_key=licence.type_key,
        number=licence.paper_number,
        holder=holder_public_name(licence),
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        status_list=licence.status_list,
        status_index=licence.status_index,
        issued_at=now,
    )


def qr_data_uri(text: str) -> str:
    # A fixed mask: choosing the best of the eight masks costs ~45 ms of pure-Python work per code,
    # on every 30-second refresh of every phone showing a licence; any mask scans reliably.
    return str(segno.make(text, error="m", mask=2).svg_data_uri(scale=6, border=2))


def presentation_code(
    *,
    licence: Licence,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = PRESENTATION_LIFETIME,
) -> PresentationCode:
    """A fresh live code for ``licence`` (the caller has checked the viewer holds it)."""
    moment = now or clock.now()
    if licence.status not in PRESENTABLE_STATUSES:
        raise Conflict(_("Only a valid licence can be shown."))
    token = encode_presentation_token(
        presentation_claims(licence, now=moment),
        signing.active_signer(),
        now=moment,
        lifetime=lifetime,
    )
    url = verification_url(verify_base_url(), token)
    return PresentationCode(
        url=url, image=qr_data_uri(url), issued_at=moment, expires_at=moment + lifetime
    )


def presentation_code_for(
    *, viewer: Any, public_id: str, now: dt.datetime | None = None
) -> tuple[Licence, PresentationCode]:
    """The viewer's own licence and a fresh live code for it (``NotFound`` for anyone else's)."""
    licence = licence_get_for(viewer=viewer, public_id=public_id)
    return licence, presentation_code(licence=licence, now=now)
