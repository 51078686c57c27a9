"""Credit commitments (信用承诺 / 告知承诺制): signing, post-verification, and what a false one
brings.

A commitment found false (``commitment_verify(truthful=False)``):

1. writes a serious credit record of the commitment breach (behaviour code and, for drivers,
   points from the tier policy; marked for the serious-dishonesty list) through the credit
   service, which regrades the subject in the same transaction;
2. opens a revocation proceeding for every licence the application produced: the licence is
   suspended at once (``licence_suspend``, the reason naming the record) so it no longer verifies
   as valid, and an approver then decides — ``revocation_decide`` revokes it
   (``licence_revoke`` with the credit record) or drops the proceeding (``licence_resume``).
   Suspension first rather than an immediate revocation because revocation is a final adverse
   decision that needs its own reasons and decision maker (see
   docs/decisions/014-credit-tiered-licensing.md);
3. bars the subject from commitments for the policy's ``bar_months`` (``CommitmentBan``; the
   tier policy then rates it "doubtful").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, PermissionDenied, ValidationFailed
from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.services.records import credit_record_create
from roadcredit.elicences.models import LicenceStatus
from roadcredit.elicences.services import licence_resume, licence_revoke, licence_suspend

from ..catalogue import default_catalogue
from ..deadlines import date_zh
from ..models import (
    Application,
    Commitment,
    CommitmentBan,
    CommitmentKind,
    ProceedingStatus,
    RevocationProceeding,
    VerificationOutcome,
)
from ..selectors import application_items, application_tier_now, item_label, materials_status
from ..tiers import default_policy
from ..workflow import Actor, State
from .common import actor_kind, local_date, next_number, reason_text

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

SIGN_STATES = frozenset({State.DRAFT, State.RETURNED})
VERIFIERS = frozenset({Role.CREDIT_OFFICER, Role.INSPECTOR})


def _ineligible(message: str) -> ValidationFailed:
    return ValidationFailed.for_fields(message, {"commitment": [message]})


def commitment_sign(
    *, actor: User, application: Application, confirmed: bool, at: dt.datetime | None = None
) -> Commitment:
    """The applicant's electronic commitment (the clerk records a signed paper one at the
    window): replaces the materials the items let a commitment replace that are not uploaded.
    Only for tiers that admit commitments, and never for a subject barred after a false one."""
    at = at or clock.now()
    if not confirmed:
        raise _ineligible(_("Read the commitment and confirm it to sign."))
    catalogue = default_catalogue()
    with transaction.atomic():
        # Lock the application: signing racing a submission must not slip in after it.
        locked = Application.objects.select_for_update().get(pk=application.pk)
        kind = actor_kind(actor, locked)
        if kind not in (Actor.APPLICANT, Actor.CLERK):
            raise PermissionDenied(_("Only the applicant (or a clerk for them) may sign."))
        if locked.state not in SIGN_STATES:
            raise Conflict(_("A commitment can only be signed before submission."))
        if locked.commitments.filter(
            kind=CommitmentKind.NOTIFY_COMMIT, voided_at__isnull=True
        ).exists():
            raise Conflict(_("A commitment is already signed for this application."))
        decision = application_tier_now(locked)
        if not decision.privileges.commitment:
            reasons = "；".join(decision.reasons_zh[:-1])
            raise _ineligible(
                f"信用承诺仅适用于信用分级为“守信优良”“守信良好”的申请人；"
                f"本申请的信用分级为“{decision.name_zh}”（{reasons}），请提交全部证明材料"
            )
        replaced = [
            {"item": row.item.position, "key": key, "name": name, "label": item_label(row.item)}
            for row in materials_status(locked, enhanced=False)
            for key, name, _key, _rq, commitment_ok in row.required
            if commitment_ok and key not in row.uploaded
        ]
        if not replaced:
            raise _ineligible(_("No material of these items can be replaced by a commitment."))
        commitment = Commitment.objects.create(
            application=locked,
            kind=CommitmentKind.NOTIFY_COMMIT,
            text=catalogue.notify_commit_text_zh,
            replaced_materials=replaced,
            signed_at=at,
            signed_by=actor,
            on_behalf=kind == Actor.CLERK,
        )
        audit_record(
            actor=actor,
            action="licensing.commitment_sign",
            target=locked,
            after={
                "commitment": commitment.public_id,
                "replaced": [entry["key"] for entry in replaced],
                "tier": decision.tier,
                "on_behalf": commitment.on_behalf,
            },
            at=at,
        )
        return commitment


def commitment_verify(
    *,
    actor: User,
    commitment: Commitment,
    truthful: bool,
    finding: str,
    at: dt.datetime | None = None,
) -> Commitment:
    """Record the post-verification outcome. True: closed. False: breach record + regrade,
    revocation proceedings, loss of commitment eligibility (see the module docstring)."""
    at = at or clock.now()
    text = reason_text(finding, field="finding")
    if user_role(actor) not in VERIFIERS:
        raise PermissionDenied(_("Only credit officers and inspectors verify commitments."))
    policy = default_policy()
    with transaction.atomic():
        # Lock the commitment: two officers recording outcomes at once must not both act.
        locked = (
            Commitment.objects.select_for_update()
            .select_related("application")
            .get(pk=commitment.pk)
        )
        if (
            locked.kind != CommitmentKind.NOTIFY_COMMIT
            or locked.outcome != VerificationOutcome.PENDING
        ):
            raise Conflict(_("This commitment is not awaiting verification."))
        application = locked.application
        locked.outcome = VerificationOutcome.TRUE if truthful else VerificationOutcome.FALSE
        locked.verified_at = at
        locked.verified_by = actor
        locked.finding = text
        if truthful:
            locked.save()
            audit_record(
                actor=actor,
                action="licensing.commitment_verified_true",
                target=locked,
                after={"application": application.number},
                at=at,
            )
            return locked
        subject = application.applicant
        today = local_date(at)
        decision_number = (
            f"{default_catalogue().notice_number_prefix}核字〔{today.year}〕"
            f"第{next_number(f'verification:{today.year}'):05d}号"
        )
        scheme = "enterprise" if application.operator_id else "driver"
        points = policy.breach_points.get(scheme)
        record = credit_record_create(
            actor=actor,
            subject=subject,  # type: ignore[arg-type]
            data={
                **({"points": points} if points else {}),
                "behaviour_code": policy.breach_behaviour_code,
                "occurred_on": local_date(locked.signed_at),
                "decided_on": today,
                "decision_number": decision_number,
                "on_serious_list": policy.breach_on_serious_list,
                "description": (
                    f"申请（{application.number}）中以信用承诺替代的材料经核查不实：{text}"
                )[:2000],
            },
            at=at,
        )
        locked.breach_record_ref = record.public_id
        locked.save()
        audit_record(
            actor=actor,
            action="licensing.commitment_verified_false",
            target=locked,
            after={"application": application.number, "credit_record": record.public_id},
            at=at,
        )
        _open_proceedings(locked, application, record_ref=record.public_id, actor=actor, at=at)
        ends = add_months(today, policy.breach_bar_months)
        CommitmentBan.objects.create(
            operator=application.operator,
            practitioner=application.practitioner,
            commitment=locked,
            reason=f"信用承诺不实（{application.number}），至{date_zh(ends)}不适用告知承诺制",
            starts_on=today,
            ends_on=ends,
            credit_record_ref=record.public_id,
        )
        audit_record(
            actor=actor,
            action="licensing.commitment_ban",
            target=locked,
            after={"until": ends, "subject": getattr(subject, "public_id", "")},
            at=at,
        )
        return locked


def _open_proceedings(
    commitment: Commitment,
    application: Application,
    *,
    record_ref: str,
    actor: User,
    at: dt.datetime,
) -> None:
    for item in application_items(application):
        licence = item.result_licence
        if licence is None:
            continue
        licence.refresh_from_db()
        if licence.status == LicenceStatus.VALID:
            licence_suspend(
                actor=actor,
                licence=licence,
                reason=f"信用承诺不实（信用记录 {record_ref}），撤销程序进行中",
                at=at,
            )
        elif licence.status != LicenceStatus.SUSPENDED:
            continue  # already revoked, cancelled or expired: nothing left to revoke
        proceeding = RevocationProceeding.objects.create(
            commitment=commitment, licence=licence, credit_record_ref=record_ref, opened_at=at
        )
        audit_record(
            actor=actor,
            action="licensing.revocation_opened",
            target=proceeding,
            after={"licence": licence.public_id, "item": item_label(item), "record": record_ref},
            at=at,
        )


def revocation_decide(
    *,
    actor: User,
    proceeding: RevocationProceeding,
    revoke: bool,
    reason: str,
    at: dt.datetime | None = None,
) -> RevocationProceeding:
    """The approver's decision: revoke the licence (with the breach record as its basis) or drop
    the proceeding and resume the licence."""
    at = at or clock.now()
    text = reason_text(reason)
    if user_role(actor) != Role.APPROVER:
        raise PermissionDenied(_("Only approvers decide revocation proceedings."))
    with transaction.atomic():
        # Lock the proceeding: two approvers deciding at once must not both act on the licence.
        locked = RevocationProceeding.objects.select_for_update().get(pk=proceeding.pk)
        if locked.status != ProceedingStatus.OPEN:
            raise Conflict(_("This proceeding has already been decided."))
        if revoke:
            locked.licence = licence_revoke(
                actor=actor,
                licence=locked.licence,
                reason=text[:300],
                credit_record_ref=locked.credit_record_ref,
                at=at,
            )
            locked.status = ProceedingStatus.REVOKED
        else:
            locked.licence = licence_resume(
                actor=actor, licence=locked.licence, reason=text[:300], at=at
            )
            locked.status = ProceedingStatus.DROPPED
        locked.decided_at = at
        locked.decided_by = actor
        locked.reason = text
        locked.save()
        audit_record(
            actor=actor,
            action="licensing.revocation_decided",
            target=locked,
            after={"status": locked.status, "licence": locked.licence.public_id},
            at=at,
        )
        return locked
