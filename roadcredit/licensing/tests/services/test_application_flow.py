"""The whole path of an application through the services, from draft to closed."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.credit.models import PublicityItem
from roadcredit.elicences.verification import verify_scanned
from roadcredit.licensing.models import Notice, NoticeKind, Transition
from roadcredit.licensing.services import (
    application_accept,
    application_approve,
    application_close,
    application_create,
    application_issue,
    application_start_review,
    application_submit,
    commitment_sign,
)
from roadcredit.licensing.tests.factories import bundle_data, fleet, grade_operator, upload_all

pytestmark = pytest.mark.django_db


def test_an_excellent_enterprise_gets_its_bundle_done_in_one_go(personas):
    owner = personas[Role.OPERATOR]
    clerk, approver = personas[Role.CLERK], personas[Role.APPROVER]
    operator = grade_operator(owner.operator, "AA")
    vehicles = fleet(operator, 3)

    application = application_create(actor=owner, data=bundle_data(vehicles))
    assert application.status == "draft" and application.trips == 0
    assert application.items.count() == 4
    commitment = commitment_sign(actor=owner, application=application, confirmed=True)
    assert {m["key"] for m in commitment.replaced_materials} == {
        "driver_certificates",
        "premises",
        "vehicle_technical",
    }
    upload_all(owner, application)
    application = application_submit(actor=owner, application=application)
    assert application.tier == "excellent" and application.priority == 1
    assert "当前信用等级为AA级（优良）" in application.tier_reason

    application = application_accept(actor=clerk, application=application)
    application = application_start_review(actor=approver, application=application)
    application = application_approve(actor=approver, application=application)
    commitment.refresh_from_db()
    assert commitment.outcome == "pending" and commitment.verification_due_on is not None
    application = application_issue(actor=approver, application=application)
    application = application_close(actor=clerk, application=application)

    assert application.status == "closed"
    assert application.trips == 0
    assert application.processing_working_days == 0
    licences = [
        item.result_licence
        for item in application.items.order_by("position")
        if item.result_licence is not None
    ]
    assert len(licences) == 4
    assert [lic.type_key for lic in licences] == ["business_licence"] + [
        "transport_certificate"
    ] * 3
    assert licences[1].face["business_licence_number"] == licences[0].paper_number
    for licence in licences:
        assert verify_scanned(text=licence.qr_text).verdict == "valid"
    kinds = list(Notice.objects.filter(application=application).values_list("kind", flat=True))
    assert kinds == [NoticeKind.ACCEPTANCE, NoticeKind.APPROVAL]
    assert PublicityItem.objects.filter(decision_number__contains="准字").count() == 1
    assert [t.to_status for t in Transition.objects.filter(application=application)] == [
        "submitted",
        "accepted",
        "under_review",
        "approved",
        "issued",
        "closed",
    ]
    actions = set(
        AuditEntry.objects.filter(target_id=application.public_id).values_list("action", flat=True)
    )
    assert {
        "licensing.application_create",
        "licensing.application_approve",
        "licensing.commitment_sign",
    } <= actions
