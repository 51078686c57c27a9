"""The credit notice (信用告知) a holder finds in its portal when a licence is issued or renewed."""

from __future__ import annotations

import pytest

from roadcredit.credit.models import Notice, NoticeKind
from roadcredit.credit.services.grading import subject_regrade
from roadcredit.credit.tests.factories import backdate
from roadcredit.elicences.services import licence_renew
from roadcredit.portal.tests.support import business_licence, fleet, qualification

pytestmark = pytest.mark.django_db


def test_issuing_a_licence_leaves_the_holder_the_credit_notice(xinda):
    business_licence(xinda)
    notice = Notice.objects.get(operator=xinda)
    assert notice.kind == NoticeKind.GUIDANCE
    assert notice.title == "信用告知：您的道路运输经营许可证已签发"
    assert "已于" in notice.body and "签发" in notice.body
    assert "信用优秀可享受" in notice.body
    assert "失信将受到以下惩戒" in notice.body
    assert "信用修复" in notice.body and "异议" in notice.body
    assert notice.read_at is None


def test_the_notice_names_the_holders_current_tier_and_its_benefits(xinda):
    backdate(xinda)
    subject_regrade(subject=xinda, reason="测试：评级")
    business_licence(xinda)
    body = Notice.objects.get(operator=xinda).body
    assert "您当前的信用服务分级为" in body
    assert "您目前可享受" in body


def test_a_vehicle_certificate_tells_the_owning_operator_once_a_day(xinda):
    fleet(xinda, 3)
    assert Notice.objects.filter(operator=xinda, kind=NoticeKind.GUIDANCE).count() == 1


def test_a_driver_is_told_on_his_own_certificate(zhang_wei):
    qualification(zhang_wei)
    notice = Notice.objects.get(practitioner=zhang_wei)
    assert "道路运输从业人员从业资格证" in notice.title
    assert "370612198503150018" not in notice.body  # the number is shown masked


def test_renewing_a_licence_leaves_a_renewal_notice(xinda, personas):
    from roadcredit.accounts.roles import Role

    licence = business_licence(xinda)
    Notice.objects.all().delete()
    licence_renew(actor=personas[Role.APPROVER], licence=licence, reason="有效期届满延续")
    notice = Notice.objects.get(operator=xinda)
    assert notice.title == "信用告知：您的道路运输经营许可证已延续"
    assert "延续（换证）" in notice.body


def test_the_holder_reads_the_notice_in_the_portal(operator_client, xinda):
    business_licence(xinda)
    notice = Notice.objects.get(operator=xinda)
    body = operator_client.get(f"/m/notices/{notice.public_id}/").content.decode()
    assert "信用优秀可享受" in body
