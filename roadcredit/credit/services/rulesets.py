"""Rule-set versions: load a rule-set file as a draft, activate it (credit officer, audited).

A loaded version freezes the rule-set text and the text of the behaviour catalogue it pins, so a
past grade can always be recomputed with exactly those rules, whatever happens to the files in
the repository later. One version per scheme is active; activating another retires it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.grading import (
    DEFAULT_DRIVER_RULESET,
    DEFAULT_ENTERPRISE_RULESET,
    RULES_DIR,
    RuleSet,
    RuleSetError,
)
from roadcredit.credit.models import RuleSetStatus, RuleSetVersion

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "DEFAULT_FILES",
    "ruleset_activate",
    "ruleset_activate_and_regrade",
    "ruleset_bootstrap",
    "ruleset_load",
]

DEFAULT_FILES = {"enterprise": DEFAULT_ENTERPRISE_RULESET, "driver": DEFAULT_DRIVER_RULESET}
MAX_RULESET_BYTES = 256 * 1024


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed.for_fields(_("The rule set file is invalid."), {"file": [message]})


def _catalogue_text(text: str, base_dir: Path) -> str:
    """The text of the catalogue file the rule set pins (its name was checked by the parser)."""
    meta = tomllib.loads(text).get("meta", {})
    filename = str(meta.get("catalogue", {}).get("file", ""))
    return (base_dir / filename).read_text(encoding="utf-8")


def ruleset_load(
    *,
    actor: User | None,
    text: str,
    source_name: str,
    base_dir: Path = RULES_DIR,
) -> RuleSetVersion:
    """Parse and validate a rule-set file and store it as a draft.

    Loading the same id and version again returns the stored version when the content is the
    same (same digest) and is refused when it differs: a changed rule set needs a new version.
    """
    if len(text.encode("utf-8")) > MAX_RULESET_BYTES:
        raise _invalid(_("The file is larger than 256 KB."))
    try:
        ruleset = RuleSet.from_toml_text(text, base_dir=base_dir, source=source_name)
        catalogue_text = _catalogue_text(text, base_dir)
    except RuleSetError as exc:
        raise _invalid(exc.message) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:  # pragma: no cover - parser checked both
        raise _invalid(str(exc)) from exc
    with transaction.atomic():
        existing = (
            RuleSetVersion.objects.select_for_update()
            .filter(ruleset_id=ruleset.id, version=ruleset.version)
            .first()
        )
        if existing is not None:
            if existing.digest != ruleset.digest:
                raise Conflict(
                    _("This rule set id and version is already loaded with other content."),
                    {"fields": {"file": [_("Give the changed rule set a new version.")]}},
                )
            return existing
        row = RuleSetVersion.objects.create(
            scheme=ruleset.scheme,
            ruleset_id=ruleset.id,
            version=ruleset.version,
            title=ruleset.title_zh[:200],
            digest=ruleset.digest,
            source_name=source_name[:200],
            toml_text=text,
            catalogue_text=catalogue_text,
            status=RuleSetStatus.DRAFT,
            loaded_by=actor,
        )
        audit_record(
            actor=actor,
            action="credit.ruleset_loaded",
            target=row,
            target_id=str(row),
            after={"scheme": row.scheme, "digest": row.digest, "file": row.source_name},
        )
        return row


def ruleset_activate(*, actor: User | None, version: RuleSetVersion) -> RuleSetVersion:
    """Make ``version`` the active rule set of its scheme; the previous one is retired.

    Grades are not recomputed here: the caller submits the batch regrade
    (``credit.jobs.regrade_submit``) so activation stays a short transaction.
    """
    now = clock.now()
    with transaction.atomic():
        # Lock every version of the scheme: two officers activating two drafts at once would
        # otherwise both retire the old one and trip over the one-active constraint.
        rows = list(
            RuleSetVersion.objects.select_for_update().filter(scheme=version.scheme).order_by("pk")
        )
        target = next(r for r in rows if r.pk == version.pk)
        if target.status == RuleSetStatus.ACTIVE:
            raise Conflict(_("This rule set version is already active."))
        previous = next((r for r in rows if r.status == RuleSetStatus.ACTIVE), None)
        if previous is not None:
            previous.status = RuleSetStatus.RETIRED
            previous.retired_at = now
            previous.save(update_fields=["status", "retired_at", "updated_at"])
        target.status = RuleSetStatus.ACTIVE
        target.activated_at = now
        target.activated_by = actor
        target.retired_at = None
        target.save(
            update_fields=["status", "activated_at", "activated_by", "retired_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="credit.ruleset_activated",
            target=target,
            target_id=str(target),
            before=None if previous is None else {"active": str(previous)},
            after={"active": str(target), "digest": target.digest},
            at=now,
        )
        return target


def ruleset_bootstrap(*, scheme: str) -> RuleSetVersion:
    """Activate the bundled default rule set of ``scheme`` when none was ever activated."""
    path = RULES_DIR / DEFAULT_FILES[scheme]
    try:
        with transaction.atomic():
            active = RuleSetVersion.objects.filter(scheme=scheme, status=RuleSetStatus.ACTIVE)
            found = active.first()
            if found is not None:
                return found
            row = ruleset_load(
                actor=None, text=path.read_text(encoding="utf-8"), source_name=path.name
            )
            if row.status == RuleSetStatus.ACTIVE:
                return row
            return ruleset_activate(actor=None, version=row)
    except (IntegrityError, Conflict):
        # Another process bootstrapped the same scheme at the same moment: use its version.
        return RuleSetVersion.objects.get(scheme=scheme, status=RuleSetStatus.ACTIVE)


def ruleset_activate_and_regrade(*, actor: User | None, version: RuleSetVersion) -> RuleSetVersion:
    """Activate ``version`` and submit the batch regrade under it (started after commit)."""
    from roadcredit.credit.jobs import regrade_submit

    with transaction.atomic():
        row = ruleset_activate(actor=actor, version=version)
        regrade_submit(actor=actor, reason=f"启用规则集 {row}")
    return row
