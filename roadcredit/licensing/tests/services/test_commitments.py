"""Credit commitments: who may sign, what they replace, post-verification and its consequences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.tests.factories import make_record
from roadcredit.elicences.models import Licence
from roadcredit.licensing.models import CommitmentBan, RevocationProceeding
from roadcredit.licensing.services import (
    application_accept,
    application_approve,
    application_close,
    application_create,
    application_issue,
    application_start_review,
    application_submit,
    commitment_sign,
    commitment_verify,
    revocation_decide,
)
from roadcredit.licensing.tests.factories import grade_operator, single_data, upload_all

pytestmark = pytest.mark.django_db


def grade_of(subject: Any) -> str:
    snapshot = grade_current(subject)
    assert snapshot is not None
    return snapshot.grade


def draft(owner, item="freight_business_new"):
    return application_create(actor=owner, data=single_data(item))


@pytest.mark.parametrize("grade", ["AA", "A"])
def test_excellent_and_good_enterprises_may_replace_proofs_with_a_commitment(personas, grade):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, grade)
    commitment = commitment_sign(actor=owner, application=draft(owner), confirmed=True)
    assert [m["key"] for m in commitment.replaced_materials] == ["driver_certificates", "premises"]
    assert "承诺不实" in commitment.text and not commitment.on_behalf


@pytest.mark.parametrize("grade", ["B", "C"])
def test_normal_and_doubtful_enterprises_may_not(personas, grade):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, grade)
    application = draft(owner)
    with pytest.raises(ValidationFailed) as caught:
        commitment_sign(actor=owner, application=application, confirmed=True)
    assert "信用承诺仅适用于信用分级为“守信优良”“守信良好”的申请人" in caught.value.message
    assert not application.commitments.exists()


def test_signing_needs_the_confirmation_and_happens_once_before_submission(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application = draft(owner)
    with pytest.raises(ValidationFailed):
        commitment_sign(actor=owner, application=application, confirmed=False)
    commitment_sign(actor=owner, application=application, confirmed=True)
    with pytest.raises(Conflict):
        commitment_sign(actor=owner, application=application, confirmed=True)
    upload_all(owner, application)
    application = application_submit(actor=owner, application=application)
    assert application.status == "submitted"


def test_a_commitment_the_tier_no_longer_allows_stops_the_submission(personas):
    owner = personas[Role.OPERATOR]
    operator = grade_operator(owner.operator, "AA")
    application = draft(owner)
    commitment_sign(actor=owner, application=application, confirmed=True)
    upload_all(owner, application)
    today = timezone.localdate()
    make_record(
        operator,
        behaviour_code="RT-N-001",
        occurred_on=today - dt.timedelta(days=3),
        decided_on=today - dt.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as caught:
        application_submit(actor=owner, application=application)
    assert "当前信用分级不适用信用承诺" in caught.value.message
    application.refresh_from_db()
    assert application.status == "draft"


def _approved_with_commitment(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application = draft(owner)
    commitment = commitment_sign(actor=owner, application=application, confirmed=True)
    upload_all(owner, application)
    application = application_submit(actor=owner, application=application)
    application = application_accept(actor=personas[Role.CLERK], application=application)
    application = application_start_review(actor=personas[Role.APPROVER], application=application)
    application = application_approve(actor=personas[Role.APPROVER], application=application)
    application = application_issue(actor=personas[Role.APPROVER], application=application)
    application = application_close(actor=personas[Role.CLERK], application=application)
    commitment.refresh_from_db()
    return application, commitment


def test_approval_assigns_the_post_verification_to_a_credit_officer(personas):
    application, commitment = _approved_with_commitment(personas)
    assert commitment.officer == personas[Role.CREDIT_OFFICER]
    assert (
        commitment.outcome == "pending"
        and commitment.verification_due_on > application.decided_at.date()
    )


def test_a_true_commitment_closes_the_task_and_changes_nothing_else(personas):
    _application, commitment = _approved_with_commitment(personas)
    verified = commitment_verify(
        actor=personas[Role.INSPECTOR],
        commitment=commitment,
        truthful=True,
        finding="现场核查停车场地属实",
    )
    assert verified.outcome == "true" and verified.verified_by == personas[Role.INSPECTOR]
    assert not RevocationProceeding.objects.exists() and not CommitmentBan.objects.exists()
    with pytest.raises(Conflict):
        commitment_verify(
            actor=personas[Role.INSPECTOR],
            commitment=commitment,
            truthful=False,
            finding="再次核查",
        )


def test_a_false_enterprise_commitment_drops_it_to_d_and_suspends_the_licence(personas):
    application, commitment = _approved_with_commitment(personas)
    operator = application.operator
    assert grade_of(operator) == "AA"
    verified = commitment_verify(
        actor=personas[Role.CREDIT_OFFICER],
        commitment=commitment,
        truthful=False,
        finding="承诺的停车场地不存在",
    )
    assert grade_of(operator) == "D"
    licence = Licence.objects.get(pk=application.items.get().result_licence_id)
    assert licence.status == "suspended" and verified.breach_record_ref in licence.status_reason
    proceeding = RevocationProceeding.objects.get(licence=licence)
    dropped = revocation_decide(
        actor=personas[Role.APPROVER],
        proceeding=proceeding,
        revoke=False,
        reason="听证后查明场地系租赁，已补正",
    )
    assert dropped.status == "dropped" and dropped.licence.status == "valid"
    with pytest.raises(Conflict):
        revocation_decide(
            actor=personas[Role.APPROVER], proceeding=proceeding, revoke=True, reason="再次决定"
        )


def test_only_officers_verify_and_only_approvers_decide_revocation(personas):
    _application, commitment = _approved_with_commitment(personas)
    with pytest.raises(PermissionDenied):
        commitment_verify(
            actor=personas[Role.CLERK], commitment=commitment, truthful=False, finding="不实"
        )
    commitment_verify(
        actor=personas[Role.CREDIT_OFFICER], commitment=commitment, truthful=False, finding="不实"
    )
    proceeding = RevocationProceeding.objects.get()
    with pytest.raises(PermissionDenied):
        revocation_decide(
            actor=personas[Role.CLERK], proceeding=proceeding, revoke=True, reason="吊销"
        )


def test_a_verification_past_its_due_date_is_flagged_once(personas):
    from roadcredit.licensing.services import verifications_flag_overdue

    application, commitment = _approved_with_commitment(personas)
    assert commitment.verification_due_on is not None
    later = dt.datetime.combine(
        commitment.verification_due_on + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC
    )
    assert verifications_flag_overdue(at=later) == [application.number]
    assert verifications_flag_overdue(at=later) == []
