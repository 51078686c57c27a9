"""``python manage.py verify_licence FILE.pdf`` or ``--qr TEXT``: an offline check.

Offline: no database. A PDF is checked for an intact PAdES seal that chains to our trust
anchors with nothing added after it; a QR text for a valid signature by a key of the trust list,
its claims, and (with ``--status-list``) the licence's status. The trust anchors come from a
downloaded trust list (``--trust-list FILE``, the JSON of /licences/trust-list) or, on a bureau
machine, from the local key store. Exit status 0 when valid, 1 with the reason (in Chinese)
otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.elicences import signing
from roadcredit.elicences.pdfcheck import MAX_BYTES, check_pdf
from roadcredit.elicences.statuslist import (
    StatusListRejected,
    apply_status,
    verify_status_list,
)
from roadcredit.elicences.tokens import verify_token
from roadcredit.elicences.trustlist import TrustListError, TrustStore


class Command(BaseCommand):
    help = "Verify a licence PDF or a scanned QR text offline; exit 0 when valid, 1 otherwise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the licence PDF to check")
        parser.add_argument("--qr", help="the scanned QR text (verification URL or RC1: token)")
        parser.add_argument("--trust-list", help="a downloaded trust list (JSON) to trust")
        parser.add_argument("--status-list", help="a downloaded status list (COSE) to apply")

    def handle(self, *args: Any, **options: Any) -> None:
        file, qr = options.get("file"), options.get("qr")
        if bool(file) == bool(qr):
            raise CommandError(_("Give either a PDF file or --qr TEXT."))
        store = self._trust(options.get("trust_list"))
        now = dt.datetime.now(dt.UTC)
        if file:
            ok, lines = self._pdf(Path(file), store, now)
        else:
            ok, lines = self._qr(str(qr), store, options.get("status_list"), now)
        for line in lines:
            self.stdout.write(line)
        if not ok:
            raise SystemExit(1)

    def _trust(self, path: str | None) -> TrustStore | None:
        if not path:
            return None
        try:
            return TrustStore.from_document(Path(path).read_bytes())
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s.") % {"path": path}) from exc
        except TrustListError as exc:
            raise CommandError(str(exc)) from exc

    def _pdf(
        self, path: Path, store: TrustStore | None, now: dt.datetime
    ) -> tuple[bool, list[str]]:
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s.") % {"path": path}) from exc
        if store is not None:
            anchors = [key.certificate_der for key in store if key.status != "revoked"]
        else:
            anchors = signing.trust_roots()
        result = check_pdf(content, trust_roots=anchors, now=now)
        lines = [f"{_('Result')}：{_('valid') if result.ok else _('invalid')}", result.message_zh]
        if result.identifier:
            lines.append(f"{_('E-licence identifier')}：{result.identifier}")
        if result.ok:
            lines.append(_("The current status is checked online at the verification page."))
        return result.ok, lines

    def _qr(
        self, text: str, store: TrustStore | None, status_path: str | None, now: dt.datetime
    ) -> tuple[bool, list[str]]:
        if store is None:
            from roadcredit.elicences.verification import trust_store

            store = trust_store()
        result = verify_token(text, trust=store, now=now)
        if status_path and result.ok:
            try:
                signed = verify_status_list(Path(status_path).read_bytes(), trust=store)
            except OSError as exc:
                raise CommandError(_("Cannot read %(path)s.") % {"path": status_path}) from exc
            except StatusListRejected as exc:
                raise CommandError(exc.message) from exc
            result = apply_status(result, {signed.list_id: signed})
        lines = [f"{_('Result')}：{_('valid') if result.ok else _('invalid')}", result.message]
        claims = result.claims
        if claims is not None:
            kind = _("Live presentation code") if claims.kind == "P" else _("Licence QR code")
            until = claims.valid_until.isoformat() if claims.valid_until else _("open-ended")
            lines += [
                f"{_('Code read')}：{kind}",
                f"{_('E-licence identifier')}：{claims.identifier}",
                f"{_('Licence number')}：{claims.number}",
                f"{_('Holder')}：{claims.holder}",
                f"{_('Validity')}：{claims.valid_from.isoformat()} {_('to')} {until}",
            ]
        return result.ok, lines
