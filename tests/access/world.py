"""The fixture world of the access matrix: two operators and two drivers with accounts, their
vehicles, issued e-licences, credit records, cases, notices, applications, an on-road finding and
the staff-side objects (jobs, an intake batch, a link-queue item), all made through the real
services.

Holder A is the persona pair (烟台鑫达物流有限公司 and its driver 张伟); holder B is
牟平区宏达运输有限公司 and its driver 李秀英. The matrix has each holder reach for the other's
objects and asserts that B's names and numbers never show on A's screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona, make_user
from roadcredit.core import clock
from roadcredit.core.jobs.services import job_submit
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    LinkQueueItem,
    ListEntry,
    Notice,
    Objection,
    RepairApplication,
    RuleSetVersion,
)
from roadcredit.credit.services.intake import intake_submit
from roadcredit.credit.services.lists import listing_notify, lists_refresh
from roadcredit.credit.services.notices import notice_send
from roadcredit.credit.services.objections import objection_submit
from roadcredit.credit.services.repair import repair_apply
from roadcredit.credit.tests.factories import make_record, make_source
from roadcredit.elicences.models import Licence, StatusListState
from roadcredit.licensing.models import Application, Commitment
from roadcredit.licensing.models import Notice as LicensingNotice
from roadcredit.licensing.services import (
    application_accept,
    application_approve,
    application_create,
    application_start_review,
    application_submit,
    commitment_sign,
)
from roadcredit.licensing.tests.factories import grade_operator, single_data, upload_all
from roadcredit.portal.models import Finding, ScanEvent
from roadcredit.portal.services import finding_record, scan_record
from roadcredit.portal.tests.support import JPEG, business_licence, qualification
from roadcredit.portal.tests.support import transport_certificate as transport_licence
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import (
    ensure_scopes,
    make_operator,
    make_practitioner,
    make_vehicle,
    valid_id_number,
    valid_uscc,
)


@dataclass
class Holder:
    """One side of the world: an operator, its vehicle and driver, their accounts and objects."""

    label: str
    operator: Operator
    vehicle: Vehicle
    practitioner: Practitioner
    operator_account: User
    driver_account: User
    business_licence: Licence
    vehicle_licence: Licence
    qualification: Licence
    repair_record: CreditRecord
    serious_record: CreditRecord
    driver_record: CreditRecord
    repair: RepairApplication
    objection: Objection
    list_entry: ListEntry
    operator_notice: Notice
    driver_notice: Notice
    application: Application
    material_id: str
    licensing_notice: LicensingNotice
    commitment: Commitment | None = None

    def secrets(self) -> list[str]:
        """What must never show on another holder's screen: names and numbers of this side."""
        values = [
            self.operator.name,
            self.operator.uscc,
            self.practitioner.name,
            self.vehicle.plate,
            self.business_licence.paper_number,
            self.qualification.paper_number,
            self.application.number,
        ]
        return [v for v in values if v]


@dataclass
class World:
    staff: dict[Role, User]
    a: Holder
    b: Holder
    scan: ScanEvent
    finding: Finding
    import_job_id: str
    conversion_job_id: str
    intake_batch: IntakeBatch
    link_item: LinkQueueItem
    ruleset: RuleSetVersion
    status_list_id: str
    extra: dict[str, Any] = field(default_factory=dict)

    def holder_of(self, role: Role) -> Holder:
        return self.a

    def account(self, persona: str) -> User | None:
        """``persona``: a role value, ``"anonymous"``, or ``"operator_b"`` / ``"practitioner_b"``."""
        if persona == "anonymous":
            return None
        if persona == "operator_b":
            return self.b.operator_account
        if persona == "practitioner_b":
            return self.b.driver_account
        return self.staff[Role(persona)]


def _days_ago(days: int) -> dt.date:
    return clock.today() - dt.timedelta(days=days)


def _holder(
    label: str,
    *,
    operator: Operator,
    practitioner: Practitioner,
    operator_account: User,
    driver_account: User,
    staff: dict[Role, User],
) -> Holder:
    vehicle = make_vehicle(operator)
    grade_operator(operator, "AA")
    # An application filed by the operator itself, accepted by the clerk (acceptance notice).
    application = application_create(
        actor=operator_account, data=single_data("freight_business_new")
    )
    commitment = commitment_sign(actor=operator_account, application=application, confirmed=True)
    upload_all(operator_account, application)
    application = application_submit(actor=operator_account, application=application)
    application = application_accept(actor=staff[Role.CLERK], application=application)
    licences = (
        business_licence(operator),
        transport_licence(vehicle),
        qualification(practitioner),
    )
    repair_record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=_days_ago(210), decided_on=_days_ago(200)
    )
    serious_record = make_record(
        operator, behaviour_code="RT-N-001", occurred_on=_days_ago(60), decided_on=_days_ago(45)
    )
    driver_record = make_record(
        practitioner,
        behaviour_code="RT-N-024",
        points=3,
        occurred_on=_days_ago(30),
        decided_on=_days_ago(20),
    )
    repair = repair_apply(
        actor=operator_account,
        record=repair_record,
        obligations_fulfilled=True,
        obligations_evidence="罚款已缴清，缴款书编号 3706122026000123",
        commitment_accepted=True,
    )
    objection = objection_submit(
        actor=driver_account, record=driver_record, grounds="当日本人在家休息，车辆由他人驾驶"
    )
    driver_notice = notice_send(
        subject=practitioner,
        kind="guidance",
        title="信用告知",
        body=f"{practitioner.name}：守信激励与失信惩戒告知。",
        actor=None,
    )
    return Holder(
        label=label,
        operator=operator,
        vehicle=vehicle,
        practitioner=practitioner,
        operator_account=operator_account,
        driver_account=driver_account,
        business_licence=licences[0],
        vehicle_licence=licences[1],
        qualification=licences[2],
        repair_record=repair_record,
        serious_record=serious_record,
        driver_record=driver_record,
        repair=repair,
        objection=objection,
        list_entry=None,  # type: ignore[arg-type]  # set once the lists are refreshed
        operator_notice=None,  # type: ignore[arg-type]
        driver_notice=driver_notice,
        application=application,
        material_id=application.materials.order_by("pk").first().public_id,  # type: ignore[union-attr]
        licensing_notice=LicensingNotice.objects.filter(application=application)
        .order_by("pk")
        .first(),  # type: ignore[arg-type]
        commitment=commitment,
    )


def build_world() -> World:
    ensure_scopes()
    staff = {role: make_persona(role) for role in Role}
    operator_a = staff[Role.OPERATOR].operator
    practitioner_a = staff[Role.PRACTITIONER].practitioner
    assert operator_a is not None and practitioner_a is not None
    operator_b = make_operator(name="牟平区宏达运输有限公司", legal_representative="孙丽娟")
    practitioner_b = make_practitioner(
        operator_b,
        name="李秀英",
        id_number=valid_id_number(dt.date(1990, 4, 12), sex="F"),
        phone="13805358866",
    )
    a = _holder(
        "A",
        operator=operator_a,
        practitioner=practitioner_a,
        operator_account=staff[Role.OPERATOR],
        driver_account=staff[Role.PRACTITIONER],
        staff=staff,
    )
    b = _holder(
        "B",
        operator=operator_b,
        practitioner=practitioner_b,
        operator_account=make_user(
            Role.OPERATOR, "hongda", operator=operator_b, last_name="宏达运输"
        ),
        driver_account=make_user(
            Role.PRACTITIONER, "lixiuying", practitioner=practitioner_b, last_name="李秀英"
        ),
        staff=staff,
    )
    officer = staff[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    for side in (a, b):
        side.list_entry = ListEntry.objects.filter(operator=side.operator).order_by("pk").first()  # type: ignore[assignment]
        assert side.list_entry is not None, side.label
        listing_notify(actor=officer, entry=side.list_entry)
        side.operator_notice = Notice.objects.filter(operator=side.operator).order_by("pk").first()  # type: ignore[assignment]
    # Holder A's application goes on to approval, so its commitment awaits verification.
    a.application = application_start_review(actor=staff[Role.APPROVER], application=a.application)
    a.application = application_approve(actor=staff[Role.APPROVER], application=a.application)
    # The inspector scans B's truck and records a finding.
    scan = scan_record(actor=staff[Role.INSPECTOR], text=b.vehicle_licence.qr_text).scan
    from roadcredit.portal.selectors import finding_behaviours

    finding = finding_record(
        actor=staff[Role.INSPECTOR],
        scan=scan,
        behaviour_code=finding_behaviours(scan.licence)[0].code,  # type: ignore[arg-type]
        occurred_on=clock.today(),
        place="G18荣乌高速牟平收费站",
        description="车辆未随车携带道路运输证",
        photo_name="现场照片.jpg",
        photo=JPEG,
    )
    import_job = job_submit(
        actor=staff[Role.CLERK],
        kind="exchange.import_subjects",
        params={"kind": "operator", "file_name": "经营业户.xlsx"},
        run="defer",
    )
    conversion_job = job_submit(
        actor=staff[Role.CLERK],
        kind="elicences.convert_paper_licences",
        params={"file_name": "纸质证照台账.xlsx"},
        run="defer",
    )
    batch = intake_submit(
        source=make_source(),
        records=[
            {
                "source_ref": "SD-MATRIX-1",
                "behaviour_code": "RT-N-008",
                "occurred_on": _days_ago(90).isoformat(),
                "decision_number": "鲁交执罚〔2026〕SD-MATRIX-1号",
                "decided_on": _days_ago(80).isoformat(),
                "description": "烟台市牟平区宁海街道正阳路检查站查获",
                "uscc": valid_uscc(),  # no operator on record: queued for linking
            }
        ],
        batch_key="SD-MATRIX",
    )
    link_item = LinkQueueItem.objects.order_by("pk").first()
    ruleset = RuleSetVersion.objects.order_by("pk").first()
    status_list = StatusListState.objects.order_by("pk").first()
    assert link_item is not None, batch.errors
    assert ruleset is not None
    return World(
        staff=staff,
        a=a,
        b=b,
        scan=scan,
        finding=finding,
        import_job_id=import_job.public_id,
        conversion_job_id=conversion_job.public_id,
        intake_batch=batch,
        link_item=link_item,
        ruleset=ruleset,
        status_list_id=getattr(status_list, "list_id", "") or "1",
    )
