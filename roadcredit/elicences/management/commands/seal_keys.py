"""``python manage.py seal_keys init|rotate|status``: the bureau's seal keys.

* ``init`` creates the root CA and the first seal certificate in the key store if they are
  missing (``--force``: a new root and seal even if they exist; the old ones stay trusted).
* ``rotate`` issues a new seal key and certificate under the current root; new licences use it,
  licences sealed earlier keep verifying.
* ``status`` lists the roots and seals (kid, validity, state) and the expiry warnings.

Nothing here prints key material. ``init`` and ``rotate`` call the services in
``elicences.services.seal_keys`` (the same ones the security administrator's page calls), which
write the audit entry.
"""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError
from roadcredit.core.keystore import KeyStoreError, get_keystore
from roadcredit.elicences import signing
from roadcredit.elicences.services.seal_keys import seal_key_rotate, seal_keys_set_up
from roadcredit.elicences.signing.keys import ROOT_NAME


class Command(BaseCommand):
    help = "Manage the e-licence seal keys: init, rotate or status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "rotate", "status"])
        parser.add_argument(
            "--force",
            action="store_true",
            help="init: make a new root CA and seal even if they exist (old ones stay trusted).",
        )
        parser.add_argument(
            "--reason",
            default="",
            help="rotate: why the seal is rotated (recorded in the audit trail).",
        )
        parser.add_argument(
            "--within-days",
            type=int,
            default=60,
            help="status: warn about certificates that expire within this many days.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                seal = seal_keys_set_up(actor=None, force=options["force"])
                self.stdout.write(
                    _("Seal keys ready: active seal %(kid)s, valid until %(date)s.")
                    % {"kid": seal.kid.hex(), "date": seal.not_after.date().isoformat()}
                )
            elif options["action"] == "rotate":
                rotated = seal_key_rotate(
                    actor=None,
                    reason=options["reason"]
                    or _("Rotated with python manage.py seal_keys rotate."),
                )
                self.stdout.write(
                    _(
                        "New seal %(kid)s, valid until %(date)s. Restart the web and worker processes."
                    )
                    % {"kid": rotated.kid.hex(), "date": rotated.not_after.date().isoformat()}
                )
            else:
                self._status(options["within_days"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except (signing.SealKeyError, KeyStoreError) as exc:
            raise CommandError(str(exc)) from None

    def _status(self, within_days: int) -> None:
        store = get_keystore()
        versions = store.versions(ROOT_NAME)
        if not versions:
            raise CommandError(_("No seal keys yet: run python manage.py seal_keys init."))
        self.stdout.write(_("Root certificates:"))
        for version in versions:
            metadata = store.metadata(ROOT_NAME, version)
            kid = signing.kid_for_certificate(base64.b64decode(metadata["certificate"]))
            self.stdout.write(
                f"  #{version}  kid {kid.hex()}  {metadata['not_before'][:10]} – "
                f"{metadata['not_after'][:10]}"
            )
        self.stdout.write(_("Seal certificates:"))
        now = clock.now()
        seals = signing.all_seals()
        for seal in seals:
            if seal.not_after <= now:
                label = _("expired seal")
            elif seal is seals[-1]:
                label = _("active seal")
            else:
                label = _("retired seal, still verifies")
            self.stdout.write(
                f"  #{seal.version}  kid {seal.kid.hex()}  "
                f"{seal.not_before:%Y-%m-%d} – {seal.not_after:%Y-%m-%d}  "
                f"{label}  (root #{seal.root_version})"
            )
        warnings = signing.expiry_warnings(today=clock.today(), within_days=within_days)
        for warning in warnings:
            self.stdout.write(self.style.WARNING(warning))
        if not warnings:
            self.stdout.write(
                _("No certificate expires within %(days)d days.") % {"days": within_days}
            )
