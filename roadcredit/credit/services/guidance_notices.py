"""The credit guidance notice (信用告知): what good credit earns and what dishonesty costs, left for
the subject in its portal when a licence is issued or renewed, with its current service tier.

The texts come from the guidance file (``rules/guidance.toml``, the same one the explanation
uses) and the deadlines from the case rules (``rules/cases.toml``); nothing is restated here.
One notice per subject and day: a bundle that issues a business licence and twenty vehicle
certificates at once leaves one notice, not twenty-one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.credit.explain import default_guidance
from roadcredit.credit.models import Notice, NoticeKind
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

from .notices import case_rules, case_subject_columns, notice_send

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = ["Occasion", "credit_guidance_notice_send", "repair_and_objection_paths"]

Occasion = Literal["issue", "renew"]


def repair_and_objection_paths() -> tuple[str, ...]:
    """The repair and objection paths, with the deadlines of the case rules in force."""
    rules = case_rules()
    return (
        _(
            "Credit repair: once the minimum publication period of a dishonesty record has "
            "passed, correct the conduct, fulfil every obligation of the penalty decision and "
            "sign the credit commitment, then apply online or at the window; the bureau decides "
            "within %(days)d working days."
        )
        % {"days": rules.repair_decision_working_days},
        _(
            "Objection: if a credit record is wrong, object online or at the window with your "
            "evidence; the bureau checks it and corrects, deletes or keeps the record within "
            "%(days)d working days."
        )
        % {"days": rules.objection_deadline_working_days},
        _(
            "Before a subject is put on the serious-dishonesty list it is notified and may state "
            "its case within %(days)d working days."
        )
        % {"days": rules.statement_working_days},
    )


def _bullets(lines: tuple[str, ...]) -> str:
    return "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))


def _body(
    subject: Operator | Practitioner,
    *,
    occasion: Occasion,
    licence_name: str,
    licence_number: str,
    day: dt.date,
) -> str:
    from .grading import grade_current

    guidance = default_guidance()
    values = {"licence": licence_name, "number": licence_number, "day": day.isoformat()}
    if occasion == "issue":
        opening = _("Your %(licence)s (number %(number)s) was issued on %(day)s.") % values
    else:
        opening = _("Your %(licence)s (number %(number)s) was renewed on %(day)s.") % values
    parts = [opening, _("The bureau tells you what good credit earns and what dishonesty costs:")]
    snapshot = grade_current(subject)
    tier = guidance.tiers.get(snapshot.tier) if snapshot is not None else None
    if tier is not None:
        parts.append(
            _("Your current credit service tier: %(tier)s. %(summary)s")
            % {"tier": tier.name_zh, "summary": tier.summary_zh}
        )
        if tier.benefits:
            parts.append(_("What you enjoy now:") + "\n" + _bullets(tier.benefits))
    else:
        parts.append(_("No credit grade has been computed for you yet."))
    parts.append(
        _("Good credit (the highest tier) earns:")
        + "\n"
        + _bullets(guidance.tiers["excellent"].benefits)
    )
    parts.append(
        _("Dishonesty costs:")
        + "\n"
        + _bullets((*guidance.doubtful_measures, *guidance.serious_list_measures))
    )
    parts.append(_("Repair and objection:") + "\n" + _bullets(repair_and_objection_paths()))
    parts.append(_("See “My credit” in the phone portal for your grade and how to improve it."))
    return "\n\n".join(parts)


def credit_guidance_notice_send(
    *,
    actor: User | None,
    subject: Operator | Vehicle | Practitioner,
    occasion: Occasion,
    licence_name: str,
    licence_number: str,
    at: dt.datetime | None = None,
) -> Notice | None:
    """Leave the credit guidance notice for the subject a licence was issued or renewed to (a
    vehicle's owning operator); at most one per subject and day. None when there is no one to
    tell (a vehicle without an owner). Audited (``notice_send``), in the caller's transaction."""
    at = at or clock.now()
    graded = subject.operator if isinstance(subject, Vehicle) else subject
    if graded is None:
        return None
    day = timezone.localdate(at)
    with transaction.atomic():
        sent_today = (
            Notice.objects.filter(
                kind=NoticeKind.GUIDANCE,
                created_at__date=day,
                **case_subject_columns(graded),
            )
            .order_by("-pk")
            .first()
        )
        if sent_today is not None:
            return sent_today
        values = {"licence": licence_name}
        title = (
            _("Credit notice on the issue of your %(licence)s") % values
            if occasion == "issue"
            else _("Credit notice on the renewal of your %(licence)s") % values
        )
        return notice_send(
            subject=graded,
            kind=NoticeKind.GUIDANCE,
            title=title,
            body=_body(
                graded,
                occasion=occasion,
                licence_name=licence_name,
                licence_number=licence_number,
                day=day,
            ),
            actor=actor,
            at=at,
        )
