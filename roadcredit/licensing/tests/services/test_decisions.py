"""Review and decision: refusal with remedies, lifecycle items, forwarding, closing, stale copies."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import Conflict
from roadcredit.credit.models import PublicityItem
from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_issue
from roadcredit.licensing.models import Notice
from roadcredit.licensing.services import (
    application_accept,
    application_approve,
    application_close,
    application_issue,
    application_record_visit,
    application_refuse,
    application_start_review,
    application_withdraw,
    applications_escalate_overdue,
    notice_pdf,
)
from roadcredit.licensing.services.common import STALE_MESSAGE
from roadcredit.licensing.tests.factories import grade_operator, single_data, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(personas):
    grade_operator(personas[Role.OPERATOR].operator, "A")
    return personas[Role.OPERATOR]


def reviewed(personas, application):
    application = application_accept(actor=personas[Role.CLERK], application=application)
    return application_start_review(actor=personas[Role.APPROVER], application=application)


def test_a_refusal_states_reasons_and_remedies_and_is_published(owner, personas):
    application = reviewed(personas, submitted(owner, single_data("freight_business_new")))
    refused = application_refuse(
        actor=personas[Role.APPROVER], application=application, reason="拟投入车辆未经检测合格"
    )
    closed = application_close(actor=personas[Role.CLERK], application=refused, delivery="mail")
    assert closed.status == "closed" and closed.trips == 0
    notice = Notice.objects.get(application=closed, kind="refusal")
    assert notice.adverse and notice.reasons == "拟投入车辆未经检测合格"
    assert "六个月内向烟台市牟平区人民法院提起行政诉讼" in notice.remedies
    item = PublicityItem.objects.get(decision_number=notice.number)
    assert item.content.startswith("不予行政许可") and item.subject_name == "烟台鑫达物流有限公司"


def test_the_sealed_decision_pdf_reads_in_chinese(owner, personas):
    application = reviewed(personas, submitted(owner, single_data("freight_business_new")))
    application_refuse(
        actor=personas[Role.APPROVER], application=application, reason="安全生产管理制度不健全"
    )
    notice = Notice.objects.get(application=application, kind="refusal")
    pdf = notice_pdf(notice=notice)
    assert pdf == notice_pdf(notice=Notice.objects.get(pk=notice.pk))  # made once, then kept
    reader = PdfReader(__import__("io").BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "不予行政许可决定书" in text and "烟台市牟平区交通运输局" in text
    fields = reader.get_fields() or {}
    assert any(f.get("/FT") == "/Sig" for f in fields.values())


def test_a_notice_pdf_left_by_a_rolled_back_download_is_replaced_not_orphaned(owner, personas):
    from pathlib import Path

    from django.conf import settings
    from django.db import transaction

    application = reviewed(personas, submitted(owner, single_data("freight_business_new")))
    application_refuse(
        actor=personas[Role.APPROVER], application=application, reason="停车场地不符合要求"
    )
    notice = Notice.objects.get(application=application, kind="refusal")
    folder = Path(settings.MEDIA_ROOT) / "licensing" / "notices"

    def files() -> set[Path]:
        return set(folder.rglob("*.pdf")) if folder.exists() else set()

    before = files()
    with pytest.raises(RuntimeError), transaction.atomic():
        notice_pdf(notice=Notice.objects.get(pk=notice.pk))
        raise RuntimeError("the request failed after the file was written")
    assert len(files() - before) == 1 and not Notice.objects.get(pk=notice.pk).pdf_file

    pdf = notice_pdf(notice=Notice.objects.get(pk=notice.pk))

    stored = Notice.objects.get(pk=notice.pk)
    assert str(stored.pdf_file.name).endswith(f"/{stored.public_id}.pdf")
    assert files() - before == {Path(stored.pdf_file.path)}
    assert Path(stored.pdf_file.path).read_bytes() == pdf


def test_change_renewal_and_forwarding_go_through_the_licence_lifecycle(owner, personas):
    operator = owner.operator
    old = licence_issue(actor=None, type_key="business_licence", holder=operator)
    application = reviewed(personas, submitted(owner, single_data("business_licence_renew")))
    application = application_approve(actor=personas[Role.APPROVER], application=application)
    application = application_issue(actor=personas[Role.APPROVER], application=application)
    renewed = application.items.get().result_licence
    assert renewed is not None
    assert renewed.version == 2 and renewed.paper_number == old.paper_number
    assert Licence.objects.get(pk=old.pk).status == "changed"

    forward = reviewed(personas, submitted(owner, single_data("dangerous_goods_permit_new")))
    forward = application_issue(
        actor=personas[Role.CLERK],
        application=application_approve(actor=personas[Role.APPROVER], application=forward),
    )
    item = forward.items.get()
    assert item.result_licence is None and item.result_note == "已受理并转报市级许可机关"


def test_a_stale_copy_is_told_someone_else_moved_the_case(owner, personas):
    application = submitted(owner, single_data("freight_business_new"))
    application_accept(actor=personas[Role.CLERK], application=application)
    with pytest.raises(Conflict) as caught:
        application_accept(actor=personas[Role.CLERK], application=application)  # the old copy
    assert caught.value.message == STALE_MESSAGE == "该申请已被他人处理，请刷新后重试"


def test_a_step_from_the_wrong_state_is_refused_and_nothing_changes(owner, personas):
    application = submitted(owner, single_data("freight_business_new"))
    with pytest.raises(Conflict) as caught:
        application_approve(actor=personas[Role.APPROVER], application=application)
    assert caught.value.message == "申请当前状态为“已提交”，不能执行“准予许可”"
    application.refresh_from_db()
    assert application.status == "submitted" and application.version == 2


def test_withdrawal_before_acceptance_and_visits_at_the_window(owner, personas):
    application = submitted(owner, single_data("freight_business_new"))
    visited = application_record_visit(
        actor=personas[Role.CLERK], application=application, purpose="咨询材料要求"
    )
    assert visited.trips == 1 and visited.version == application.version
    withdrawn = application_withdraw(actor=owner, application=visited, reason="暂缓开业")
    assert withdrawn.status == "withdrawn" and withdrawn.closed_at


def test_open_applications_past_their_promised_date_are_escalated_once(owner, personas):
    import datetime as dt

    application = submitted(owner, single_data("freight_business_new"))
    application = application_accept(actor=personas[Role.CLERK], application=application)
    assert application.due_on is not None
    later = dt.datetime.combine(
        application.due_on + dt.timedelta(days=7), dt.time(10), tzinfo=dt.UTC
    )
    assert applications_escalate_overdue(at=later) == [application.number]
    assert applications_escalate_overdue(at=later) == []
