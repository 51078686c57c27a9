"""The application workflow: create, submit, accept (with or without missing materials), return
for correction, resubmit, review, approve or refuse, issue the licences, close, withdraw.

Each service runs in one transaction that locks the application row (``common.lock``), gathers
the facts the workflow's guards need, moves the state through the pure ``workflow`` (which also
checks who may act), writes the transition log, the audit entry and the written notice together.
A refusal leaves everything as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from roadcredit.core.masking import mask_phone
from roadcredit.credit.services.publicity import publicity_record_licensing_decision
from roadcredit.elicences.models import Licence, LicenceStatus
from roadcredit.elicences.selectors import licence_type_name
from roadcredit.elicences.services import (
    licence_cancel,
    licence_change,
    licence_issue,
    licence_renew,
    licence_replace,
)
from roadcredit.subjects.identifiers import (
    IdentifierError,
    validate_id_number,
    validate_mobile,
    validate_plate,
)
from roadcredit.subjects.models import (
    BusinessScope,
    Operator,
    Practitioner,
    SubjectStatus,
    Vehicle,
)

from ..catalogue import ServiceCatalogue, ServiceItem, default_catalogue
from ..deadlines import (
    check_supplement_deadline,
    correction_deadline,
    correction_window_closed,
    date_zh,
    default_supplement_deadline,
    due_after,
    working_days_taken,
)
from ..models import (
    ApplicantKind,
    Application,
    ApplicationItem,
    Channel,
    Commitment,
    CommitmentKind,
    CorrectionNotice,
    Delivery,
    MissingMaterialNotice,
    NoticeKind,
    VerificationOutcome,
)
from ..selectors import (
    active_commitment,
    application_items,
    application_tier_now,
    item_label,
    materials_status,
    tier_decision,
)
from ..tiers import TierDecision, default_policy
from ..workflow import OPEN_STATES, Action, Actor, Facts, State
from .common import (
    actor_kind,
    calendar,
    calendar_errors,
    local_date,
    lock,
    move,
    next_number,
    reason_text,
)
from .notices import notice_issue

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

Target = Operator | Vehicle | Practitioner
LIVE = (LicenceStatus.VALID, LicenceStatus.SUSPENDED)
CONTACT_NAME_MAX = 50
# Issue order: the business licence first (vehicle certificates print its number).
_TARGET_ORDER = {"operator": 0, "practitioner": 1, "vehicle": 2}


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed.for_fields(
        _("The licence application has errors; see the fields."), fields
    )


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()


# --- Creating ---------------------------------------------------------------------------------


def _resolve_applicant(
    actor: User, data: Mapping[str, object], errors: dict[str, list[str]]
) -> tuple[Operator | Practitioner | None, str]:
    role = user_role(actor)
    if role == Role.OPERATOR:
        return actor.operator, Channel.ONLINE
    if role == Role.PRACTITIONER:
        return actor.practitioner, Channel.ONLINE
    if role != Role.CLERK:
        raise PermissionDenied(_("Only applicants and window clerks may create applications."))
    uscc = _text(data, "applicant_uscc").upper()
    id_number = _text(data, "applicant_id_number")
    if bool(uscc) == bool(id_number):
        errors.setdefault("applicant_uscc", []).append(
            "窗口代办须填写申请人的统一社会信用代码或身份证号码之一"
        )
        return None, Channel.WINDOW
    if uscc:
        operator = Operator.objects.filter(uscc=uscc).first()
        if operator is None:
            errors.setdefault("applicant_uscc", []).append(
                f"统一社会信用代码 {uscc} 未在主体登记中，请先办理业户登记"
            )
        return operator, Channel.WINDOW
    try:
        number = validate_id_number(id_number).number
    except IdentifierError as exc:
        errors.setdefault("applicant_id_number", []).append(exc.message)
        return None, Channel.WINDOW
    practitioner = Practitioner.objects.filter(
        id_number_index=pii.blind_index(number, purpose="id_number")
    ).first()
    if practitioner is None:
        errors.setdefault("applicant_id_number", []).append("该身份证号码未在从业人员登记中")
    return practitioner, Channel.WINDOW


def _holder_filter(target: Target) -> dict[str, Target]:
    if isinstance(target, Operator):
        return {"operator": target}
    if isinstance(target, Vehicle):
        return {"vehicle": target}
    return {"practitioner": target}


def live_licence(licence_type: str, target: Target) -> Licence | None:
    return (
        Licence.objects.filter(type_key=licence_type, status__in=LIVE, **_holder_filter(target))
        .order_by("-version", "-pk")
        .first()
    )


def _resolve_target(
    spec: ServiceItem,
    raw: Mapping[str, object],
    applicant: Operator | Practitioner,
    field: str,
    errors: dict[str, list[str]],
) -> Target | None:
    if spec.target == "vehicle":
        assert isinstance(applicant, Operator)
        plate, colour = _text(raw, "plate"), _text(raw, "plate_colour")
        if not plate or not colour:
            errors.setdefault(f"{field}.plate", []).append("须填写车牌号码和车牌颜色")
            return None
        try:
            normalised = validate_plate(plate, colour)
        except IdentifierError as exc:
            errors.setdefault(f"{field}.plate", []).append(exc.message)
            return None
        vehicle = Vehicle.objects.filter(plate=normalised, plate_colour=colour).first()
        if vehicle is None or vehicle.operator_id != applicant.pk:
            errors.setdefault(f"{field}.plate", []).append(
                f"车辆 {normalised} 未登记在申请人名下，请先办理车辆登记"
            )
            return None
        return vehicle
    return applicant


def _check_licence_state(
    spec: ServiceItem, target: Target, field: str, errors: dict[str, list[str]]
) -> None:
    if spec.action == "forward":
        return
    live = live_licence(spec.licence_type, target)
    name = licence_type_name(spec.licence_type)
    if spec.action == "issue":
        if live is not None:
            errors.setdefault(field, []).append(
                f"已持有有效的{name}（{live.paper_number}），请办理变更、延续或补发"
            )
        elif target.status != SubjectStatus.ACTIVE:
            errors.setdefault(field, []).append("主体不在正常经营状态，不能申请核发")
    elif live is None:
        errors.setdefault(field, []).append(f"没有有效的{name}，不能办理{spec.action_label_zh}")


def _open_duplicate(spec: ServiceItem, target: Target) -> Application | None:
    states = [State.DRAFT.value, *(s.value for s in OPEN_STATES)]
    found = (
        ApplicationItem.objects.filter(
            item_key=spec.key, application__status__in=states, **_holder_filter(target)
        )
        .select_related("application")
        .first()
    )
    return None if found is None else found.application


def _check_bundle(
    catalogue: ServiceCatalogue,
    bundle_key: str,
    keys: list[str],
    errors: dict[str, list[str]],
) -> None:
    try:
        bundle = catalogue.bundle(bundle_key)
    except KeyError:
        errors.setdefault("bundle", []).append("没有这个“一件事”套餐")
        return
    for key in keys:
        if key not in bundle.items:
            errors.setdefault("items", []).append(
                f"事项“{catalogue.item(key).name_zh}”不属于“{bundle.name_zh}”"
            )
    for key in bundle.items:
        count = keys.count(key)
        name = catalogue.item(key).name_zh
        if count == 0:
            errors.setdefault("items", []).append(f"“{bundle.name_zh}”须包含事项“{name}”")
        elif key in bundle.repeatable and count > bundle.max_repeat:
            errors.setdefault("items", []).append(f"事项“{name}”最多 {bundle.max_repeat} 项")
        elif key not in bundle.repeatable and count > 1:
            errors.setdefault("items", []).append(f"事项“{name}”只能申请一次")


def _scope_names(codes: Sequence[object], errors: dict[str, list[str]]) -> str:
    wanted = [str(code).strip() for code in codes if str(code).strip()]
    found = {s.code: s.name for s in BusinessScope.objects.filter(code__in=wanted, active=True)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors.setdefault("business_scope_codes", []).append(
            f"经营范围代码不存在：{'、'.join(unknown)}"
        )
    return "；".join(found[code] for code in wanted if code in found)


def application_create(
    *, actor: User, data: Mapping[str, object], at: dt.datetime | None = None
) -> Application:
    """A draft application (one form): the applicant (the actor's own subject, or for a clerk
    at the window the one named by ``applicant_uscc`` / ``applicant_id_number``), the items
    (``items``: ``[{"item": key, "plate": …, "plate_colour": …, "dimensions": …}]``, optionally
    a ``bundle``) and the shared fields entered once (``contact_name``, ``contact_phone``,
    ``business_scope_codes``). Every problem is reported at once, by field."""
    at = at or clock.now()
    catalogue = default_catalogue()
    errors: dict[str, list[str]] = {}
    applicant, channel = _resolve_applicant(actor, data, errors)
    contact_name = _text(data, "contact_name")[: CONTACT_NAME_MAX + 1]
    if not contact_name:
        errors.setdefault("contact_name", []).append("必填")
    elif len(contact_name) > CONTACT_NAME_MAX:
        errors.setdefault("contact_name", []).append(f"不能超过 {CONTACT_NAME_MAX} 个字")
    phone = ""
    try:
        phone = validate_mobile(_text(data, "contact_phone"))
    except IdentifierError as exc:
        errors.setdefault("contact_phone", []).append(exc.message)
    scope_codes = data.get("business_scope_codes") or []
    if not isinstance(scope_codes, list | tuple):
        errors.setdefault("business_scope_codes", []).append("应为经营范围代码列表")
        scope_codes = []
    scope_names = _scope_names(scope_codes, errors)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        errors.setdefault("items", []).append("请至少选择一个办理事项")
        raw_items = []
    resolved: list[tuple[ServiceItem, Target, dict[str, str]]] = []
    seen: set[tuple[str, str, int]] = set()
    for index, raw in enumerate(raw_items):
        field = f"items.{index}"
        if not isinstance(raw, Mapping):
            errors.setdefault(field, []).append("格式不正确")
            continue
        key = _text(raw, "item")
        try:
            spec = catalogue.item(key)
        except KeyError:
            errors.setdefault(f"{field}.item", []).append(f"没有这个办理事项：{key or '（空）'}")
            continue
        if applicant is None:
            continue
        applicant_kind = "operator" if isinstance(applicant, Operator) else "practitioner"
        if spec.applicant != applicant_kind:
            errors.setdefault(f"{field}.item", []).append(
                f"“{spec.name_zh}”须由{'经营业户' if spec.applicant == 'operator' else '从业人员本人'}申请"
            )
            continue
        target = _resolve_target(spec, raw, applicant, field, errors)
        if target is None:
            continue
        marker = (spec.key, type(target).__name__, target.pk)
        if marker in seen:
            errors.setdefault(field, []).append(f"“{spec.name_zh}”重复选择了同一对象")
            continue
        seen.add(marker)
        _check_licence_state(spec, target, field, errors)
        duplicate = _open_duplicate(spec, target)
        if duplicate is not None:
            errors.setdefault(field, []).append(
                f"“{spec.name_zh}”已有办理中的申请（{duplicate.number}），不能重复申请"
            )
        extra: dict[str, str] = {}
        dimensions = _text(raw, "dimensions")
        if dimensions:
            extra["dimensions"] = dimensions[:60]
        if scope_names and spec.licence_type in ("business_licence", "transport_certificate"):
            extra["business_scope"] = scope_names
        resolved.append((spec, target, extra))
    bundle_key = _text(data, "bundle")
    if bundle_key:
        _check_bundle(
            catalogue,
            bundle_key,
            [_text(r, "item") for r in raw_items if isinstance(r, Mapping)],
            errors,
        )
    if errors:
        raise _invalid(errors)
    assert applicant is not None
    if bundle_key or len(resolved) > 1:
        decision = tier_decision(applicant, [target for _s, target, _e in resolved])
        if not decision.privileges.one_form:
            message = (
                f"一张表单同时办理多个事项（“一件事”一次办）仅适用于信用分级为“守信优良”的申请人；"
                f"本申请的信用分级为“{decision.name_zh}”，请逐项分别申请"
            )
            raise _invalid({"items": [message]})
    with transaction.atomic():
        day = local_date(at)
        seq = next_number(f"application:{day:%Y%m%d}")
        application = Application.objects.create(
            number=f"{catalogue.application_number_prefix}{day:%Y%m%d}{seq:05d}",
            bundle_key=bundle_key,
            applicant_kind=(
                ApplicantKind.OPERATOR
                if isinstance(applicant, Operator)
                else ApplicantKind.PRACTITIONER
            ),
            operator=applicant if isinstance(applicant, Operator) else None,
            practitioner=applicant if isinstance(applicant, Practitioner) else None,
            applicant_name=applicant.name,
            channel=channel,
            created_by=actor,
            contact_name=contact_name,
            contact_phone_encrypted=pii.encrypt(phone, purpose="phone"),
            contact_phone_masked=mask_phone(phone),
            form={
                "business_scope_codes": [str(c) for c in scope_codes],
                "business_scope": scope_names,
            },
            # The applicant came to the window in person: that is one trip already.
            trips=1 if channel == Channel.WINDOW else 0,
        )
        for position, (spec, target, extra) in enumerate(resolved, start=1):
            ApplicationItem.objects.create(
                application=application,
                position=position,
                item_key=spec.key,
                item_code=spec.code,
                name_zh=spec.name_zh,
                licence_type=spec.licence_type,
                action=spec.action,
                data=extra,
                **_holder_filter(target),
            )
        audit_record(
            actor=actor,
            action="licensing.application_create",
            target=application,
            after={
                "number": application.number,
                "applicant": applicant.public_id,
                "channel": channel,
                "bundle": bundle_key,
                "items": [spec.key for spec, _t, _e in resolved],
            },
            at=at,
        )
    return application


# --- Submission --------------------------------------------------------------------------------


def _snapshot_tier(locked: Application, decision: TierDecision) -> None:
    locked.tier = decision.tier
    locked.tier_reason = decision.explanation_zh
    locked.tier_detail = decision.as_json()
    locked.priority = decision.privileges.priority
    locked.enhanced = decision.privileges.enhanced


def _submission_facts(locked: Application, decision: TierDecision) -> Facts:
    missing = []
    if not locked.contact_name:
        missing.append("联系人")
    if not locked.contact_phone_masked:
        missing.append("联系电话")
    return Facts(
        has_items=locked.items.exists(),
        missing_fields=tuple(missing),
        commitment_voided=active_commitment(locked) is not None
        and not decision.privileges.commitment,
    )


def _submit(
    actor: User | None,
    application: Application,
    action: Action,
    at: dt.datetime,
    expected_version: int | None,
) -> Application:
    with transaction.atomic(), calendar_errors():
        locked = lock(application, expected_version=expected_version)
        kind = actor_kind(actor, locked)
        # The tier is decided now, from the current grades (a snapshot kept with the case).
        decision = application_tier_now(locked)
        move(
            locked,
            action,
            actor=actor,
            kind=kind,
            facts=_submission_facts(locked, decision),
            at=at,
            audit_extra={"tier": decision.tier},
        )
        _snapshot_tier(locked, decision)
        day = local_date(at)
        locked.submitted_at = at
        locked.first_submitted_at = locked.first_submitted_at or at
        locked.correction_due_on = correction_deadline(
            calendar(), day, default_catalogue().procedure.correction_working_days
        )
        if action == Action.RESUBMIT:
            locked.corrections.filter(corrected_at__isnull=True).update(corrected_at=at)
        locked.save()
        return locked


def application_submit(
    *,
    actor: User,
    application: Application,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """Submit a draft. The credit tier is decided now and kept with the application (with the
    reasons); a commitment the tier no longer allows stops the submission."""
    return _submit(actor, application, Action.SUBMIT, at or clock.now(), expected_version)


def application_resubmit(
    *,
    actor: User,
    application: Application,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """Resubmit after a correction notice: a new submission (the 5 working days start again)."""
    return _submit(actor, application, Action.RESUBMIT, at or clock.now(), expected_version)


# --- Acceptance --------------------------------------------------------------------------------


def _labelled(rows: list[Any], attribute: str) -> tuple[str, ...]:
    names: list[str] = []
    for row in rows:
        for name in getattr(row, attribute):
            names.append(f"{item_label(row.item)}：{name}")
    return tuple(names)


def set_time_limits(locked: Application, accepted_on: dt.date) -> None:
    catalogue = default_catalogue()
    specs = [catalogue.item(item.item_key) for item in locked.items.all()]
    # A bundle finishes when its longest item does.
    locked.due_on = due_after(calendar(), accepted_on, max(s.promised_days for s in specs))
    locked.statutory_due_on = due_after(
        calendar(), accepted_on, max(s.statutory_days for s in specs)
    )


def acceptance_body(locked: Application, *, deemed: bool) -> str:
    items = "、".join(item_label(item) for item in application_items(locked))
    lines = [
        (
            f"你（单位）于{date_zh(local_date(locked.submitted_at or locked.created_at))}提出的"
            f"{items}申请（申请编号 {locked.number}），"
            + (
                "本机关未在法定期限内告知补正，依照《中华人民共和国行政许可法》第三十二条的规定，自收到申请材料之日起即为受理。"
                if deemed
                else "申请材料齐全、符合法定形式，本机关决定予以受理。"
            )
        ),
    ]
    if locked.due_on is not None:
        lines.append(f"本机关承诺于{date_zh(locked.due_on)}前办结。")
    return "\n".join(lines)


def application_accept(
    *,
    actor: User,
    application: Application,
    rongque: bool = False,
    rongque_deadline: dt.date | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """受理. With non-key materials missing the clerk may accept under 容缺 (``rongque=True``:
    the applicant has signed the 容缺受理承诺书) when the tier and the items allow it; the
    supplement deadline (default: the catalogue's working days, capped) must be a working day
    after today and not beyond the promised time limit. Writes the acceptance notice (or the
    容缺受理通知书 listing, once and in full, what to supplement by when)."""
    at = at or clock.now()
    catalogue = default_catalogue()
    with transaction.atomic(), calendar_errors():
        locked = lock(application, expected_version=expected_version)
        kind = actor_kind(actor, locked)
        rows = materials_status(locked)
        missing_rongque = _labelled(rows, "missing_rongque")
        privileges = default_policy().privileges(locked.tier or "normal")
        facts = Facts(
            missing_key=_labelled(rows, "missing_key"),
            missing_other=_labelled(rows, "missing_other"),
            missing_rongque=missing_rongque,
            rongque_allowed=privileges.rongque,
            rongque_requested=rongque,
        )
        accepted_on = local_date(at)
        set_time_limits(locked, accepted_on)
        deadline: dt.date | None = None
        if missing_rongque and rongque and privileges.rongque:
            assert locked.due_on is not None
            deadline = rongque_deadline or default_supplement_deadline(
                calendar(),
                today=accepted_on,
                working_days=catalogue.procedure.rongque_default_working_days,
                promised_due=locked.due_on,
            )
            check_supplement_deadline(
                calendar(), deadline=deadline, today=accepted_on, promised_due=locked.due_on
            )
        move(
            locked,
            Action.ACCEPT,
            actor=actor,
            kind=kind,
            facts=facts,
            at=at,
            audit_extra={"rongque": bool(deadline), "deadline": deadline},
        )
        locked.accepted_at = at
        locked.accepted_on = accepted_on
        if deadline is None:
            locked.save()
            notice_issue(
                application=locked,
                kind=NoticeKind.ACCEPTANCE,
                body=acceptance_body(locked, deemed=False),
                at=at,
            )
            return locked
        items = [
            {"item": row.item.position, "key": m[0], "name": m[1], "label": item_label(row.item)}
            for row in rows
            for m in row.required
            if m[1] in row.missing_rongque
        ]
        Commitment.objects.create(
            application=locked,
            kind=CommitmentKind.RONGQUE,
            text=catalogue.rongque_text_zh,
            replaced_materials=items,
            signed_at=at,
            signed_by=actor,
            on_behalf=kind != Actor.APPLICANT,
        )
        MissingMaterialNotice.objects.create(
            application=locked, items=items, deadline=deadline, issued_at=at
        )
        locked.save()
        listing = "；".join(f"{i['label']}：{i['name']}" for i in items)
        notice_issue(
            application=locked,
            kind=NoticeKind.MISSING,
            body="\n".join(
                [
                    acceptance_body(locked, deemed=False).replace(
                        "申请材料齐全、符合法定形式，本机关决定予以受理。",
                        "主要申请材料齐全，你（单位）已签署容缺受理承诺书，本机关决定予以容缺受理。",
                    ),
                    f"请于{date_zh(deadline)}前（含当日）以上传电子文件或到窗口提交的方式补齐以下材料：{listing}。",
                    "逾期未补齐的，本机关将终止办理，并将逾期未补正的情况记入信用记录。",
                ]
            ),
            at=at,
        )
        return locked


def application_not_accept(
    *,
    actor: User,
    application: Application,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """不予受理, with the reasons and the remedies in the written decision."""
    at = at or clock.now()
    text = reason_text(reason)
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.NOT_ACCEPT,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=Facts(reason_given=bool(text)),
            at=at,
            note=text,
        )
        locked.decision_reason = text
        locked.decided_at = at
        locked.decided_by = actor
        locked.save()
        notice_issue(
            application=locked,
            kind=NoticeKind.NON_ACCEPTANCE,
            body=f"你（单位）提出的申请（申请编号 {locked.number}），本机关决定不予受理。",
            reasons=text,
            at=at,
        )
        return locked


def application_return_for_correction(
    *,
    actor: User,
    application: Application,
    items: Sequence[Mapping[str, object]] | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """退回补正: one complete list of what to correct (by default every material still
    lacking), only within 5 working days of submission."""
    at = at or clock.now()
    text = reason_text(note, field="note", required=False)
    with transaction.atomic(), calendar_errors():
        locked = lock(application, expected_version=expected_version)
        kind = actor_kind(actor, locked)
        rows = materials_status(locked)
        by_position = {row.item.position: row for row in rows}
        listed: list[dict[str, object]] = []
        errors: dict[str, list[str]] = {}
        if items:
            for index, raw in enumerate(items):
                row = by_position.get(int(str(raw.get("item") or 0) or 0))
                key = str(raw.get("key") or "")
                spec_material = row.spec.material(key) if row is not None else None
                if row is None or spec_material is None:
                    errors.setdefault(f"items.{index}", []).append("不是本申请所需的材料")
                    continue
                listed.append(
                    {
                        "item": row.item.position,
                        "key": key,
                        "name": spec_material.name_zh,
                        "label": item_label(row.item),
                        "note": _text(raw, "note")[:200],
                    }
                )
            if errors:
                raise _invalid(errors)
        else:
            for row in rows:
                lacking = set(row.missing_key + row.missing_other + row.missing_rongque)
                listed.extend(
                    {
                        "item": row.item.position,
                        "key": m[0],
                        "name": m[1],
                        "label": item_label(row.item),
                        "note": "",
                    }
                    for m in row.required
                    if m[1] in lacking
                )
        submitted_on = local_date(locked.submitted_at or at)
        facts = Facts(
            correction_items=tuple(str(entry["name"]) for entry in listed),
            correction_window_closed=correction_window_closed(
                calendar(),
                submitted_on=submitted_on,
                today=local_date(at),
                working_days=default_catalogue().procedure.correction_working_days,
            ),
        )
        move(locked, Action.RETURN, actor=actor, kind=kind, facts=facts, at=at, note=text)
        locked.save()
        CorrectionNotice.objects.create(
            application=locked, items=listed, note=text, issued_at=at, issued_by=actor
        )
        listing = "；".join(
            f"{entry['label']}：{entry['name']}" + (f"（{entry['note']}）" if entry["note"] else "")
            for entry in listed
        )
        notice_issue(
            application=locked,
            kind=NoticeKind.CORRECTION,
            body="\n".join(
                filter(
                    None,
                    [
                        f"你（单位）提出的申请（申请编号 {locked.number}）材料不齐全或者不符合法定形式。"
                        f"依照《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容：{listing}。",
                        text,
                        "请补正后重新提交，本机关自收到全部补正材料之日起受理。",
                    ],
                )
            ),
            at=at,
        )
        return locked


# --- Review and decision ------------------------------------------------------------------------


def application_start_review(
    *,
    actor: User,
    application: Application,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    at = at or clock.now()
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.START_REVIEW,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=None,
            at=at,
        )
        locked.save()
        return locked


def application_first_review(
    *,
    actor: User,
    application: Application,
    opinion: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """The first reviewer's opinion (under enhanced verification a second approver decides)."""
    at = at or clock.now()
    text = reason_text(opinion, field="opinion")
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.FIRST_REVIEW,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=Facts(reason_given=bool(text)),
            at=at,
            note=text,
        )
        locked.first_reviewer = actor
        locked.first_review_opinion = text
        locked.first_reviewed_at = at
        locked.save()
        return locked


def _outstanding_supplements(locked: Application) -> tuple[str, ...]:
    notice = MissingMaterialNotice.objects.filter(application=locked).first()
    if notice is None or not notice.is_open:
        return ()
    present = {
        (m.item.position, m.material_key)
        for m in locked.materials.filter(removed_at__isnull=True).select_related("item")
    }
    return tuple(
        f"{entry['label']}：{entry['name']}"
        for entry in notice.items
        if (entry["item"], entry["key"]) not in present
    )


def _least_busy_officer() -> User | None:
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    user_model = get_user_model()
    return (
        user_model.objects.filter(role=Role.CREDIT_OFFICER.value, is_active=True)
        .annotate(
            open_tasks=Count("verification_tasks", filter=Q(verification_tasks__outcome="pending"))
        )
        .order_by("open_tasks", "pk")
        .first()
    )


def _publish(
    locked: Application, notice_number: str, content: str, actor: User, at: dt.datetime
) -> None:
    """Feed the double-publicity (双公示) export of the credit app."""
    publicity_record_licensing_decision(
        decision_number=notice_number,
        decided_on=local_date(at),
        subject=locked.applicant,  # type: ignore[arg-type]
        content=content,
        actor=actor,
        at=at,
    )


def application_approve(
    *,
    actor: User,
    application: Application,
    reason: str = "",
    officer: User | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """准予许可. Needs every 容缺 material supplemented and, under enhanced verification, a first
    review by another approver. A signed commitment gets its post-verification task (officer,
    due date); the decision goes to the double-publicity feed."""
    at = at or clock.now()
    text = reason_text(reason, required=False)
    if officer is not None and user_role(officer) not in {Role.CREDIT_OFFICER, Role.INSPECTOR}:
        message = _("The verification officer must be a credit officer or an inspector.")
        raise ValidationFailed.for_fields(message, {"officer": [message]})
    with transaction.atomic(), calendar_errors():
        locked = lock(application, expected_version=expected_version)
        facts = Facts(
            outstanding_supplements=_outstanding_supplements(locked),
            second_review_required=locked.enhanced,
            first_reviewed_by_other=locked.first_reviewer_id is not None
            and locked.first_reviewer_id != actor.pk,
            actor_is_first_reviewer=locked.first_reviewer_id == actor.pk,
        )
        move(
            locked,
            Action.APPROVE,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=facts,
            at=at,
            note=text,
        )
        locked.decided_at = at
        locked.decided_by = actor
        locked.decision_reason = text or "符合法定条件、标准"
        locked.save()
        commitment = active_commitment(locked)
        if commitment is not None:
            commitment.officer = officer or _least_busy_officer()
            commitment.verification_due_on = due_after(
                calendar(),
                local_date(at),
                default_catalogue().procedure.post_verification_working_days,
            )
            commitment.outcome = VerificationOutcome.PENDING
            commitment.save(
                update_fields=["officer", "verification_due_on", "outcome", "updated_at"]
            )
            audit_record(
                actor=actor,
                action="licensing.verification_assigned",
                target=commitment,
                after={
                    "officer": commitment.officer.username if commitment.officer else None,
                    "due_on": commitment.verification_due_on,
                },
                at=at,
            )
        items = "、".join(item_label(item) for item in application_items(locked))
        notice = notice_issue(
            application=locked,
            kind=NoticeKind.APPROVAL,
            body="\n".join(
                [
                    f"你（单位）提出的{items}申请（申请编号 {locked.number}），经审查，"
                    f"符合法定条件、标准，依照《中华人民共和国行政许可法》第三十八条的规定，本机关决定准予行政许可。",
                    "纸质证件与电子证照同步发放，电子证照可在本平台查看、下载和核验。"
                    + (
                        "你（单位）以信用承诺替代了部分证明材料，本机关将在许可后进行核查。"
                        if commitment
                        else ""
                    ),
                ]
            ),
            reasons=locked.decision_reason if text else "",
            at=at,
        )
        _publish(locked, notice.number, f"准予行政许可：{items}", actor, at)
        return locked


def application_refuse(
    *,
    actor: User,
    application: Application,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """不予许可, with the reasons and the remedies; fed to the double-publicity export."""
    at = at or clock.now()
    text = reason_text(reason)
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.REFUSE,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=Facts(reason_given=bool(text)),
            at=at,
            note=text,
        )
        locked.decided_at = at
        locked.decided_by = actor
        locked.decision_reason = text
        locked.save()
        items = "、".join(item_label(item) for item in application_items(locked))
        notice = notice_issue(
            application=locked,
            kind=NoticeKind.REFUSAL,
            body=f"你（单位）提出的{items}申请（申请编号 {locked.number}），经审查，"
            "不符合法定条件、标准，依照《中华人民共和国行政许可法》第三十八条的规定，本机关决定不予行政许可。",
            reasons=text,
            at=at,
        )
        _publish(locked, notice.number, f"不予行政许可：{items}", actor, at)
        return locked


# --- Issuing, closing, withdrawing ----------------------------------------------------------------


def _issue_item(item: ApplicationItem, *, actor: User, number: str, at: dt.datetime) -> None:
    target = cast("Target", item.target)
    reason = f"依申请（{number}）办理"
    if item.action == "forward":
        item.result_note = "已受理并转报市级许可机关"
    elif item.action == "issue":
        item.result_licence = licence_issue(
            actor=actor,
            type_key=item.licence_type,
            holder=target,
            data=item.data,
            at=at,
        )
    else:
        live = live_licence(item.licence_type, target)
        if live is None:
            raise ApplicationError(
                f"{item_label(item)}：没有有效的{licence_type_name(item.licence_type)}，无法办理"
            )
        if item.action == "change":
            item.result_licence = licence_change(
                actor=actor, licence=live, data=item.data, reason=reason, at=at
            )
        elif item.action == "renew":
            item.result_licence = licence_renew(
                actor=actor, licence=live, data=item.data, reason=reason, at=at
            )
        elif item.action == "replace":
            item.result_licence = licence_replace(actor=actor, licence=live, reason=reason, at=at)
        else:
            item.result_licence = licence_cancel(actor=actor, licence=live, reason=reason, at=at)
    item.save(update_fields=["result_licence", "result_note"])


def application_issue(
    *,
    actor: User,
    application: Application,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """Issue (or change, renew, replace, cancel) the licences of an approved application through
    the e-licence service: paper number and e-licence at once, all items or none."""
    at = at or clock.now()
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(locked, Action.ISSUE, actor=actor, kind=actor_kind(actor, locked), facts=None, at=at)
        items = sorted(
            application_items(locked), key=lambda i: (_TARGET_ORDER[_target_kind(i)], i.position)
        )
        for item in items:
            _issue_item(item, actor=actor, number=locked.number, at=at)
        locked.issued_at = at
        locked.save()
        return locked


def _target_kind(item: ApplicationItem) -> str:
    if item.operator_id:
        return "operator"
    if item.vehicle_id:
        return "vehicle"
    return "practitioner"


def application_close(
    *,
    actor: User | None,
    application: Application,
    delivery: str = Delivery.ELECTRONIC,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """办结: the result is delivered (electronically: no trip; at the window: one more trip).
    Records the processing time in working days from the first submission."""
    at = at or clock.now()
    if delivery not in Delivery.values:
        message = _("Unknown way of delivery.")
        raise ValidationFailed.for_fields(message, {"delivery": [message]})
    with transaction.atomic(), calendar_errors():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.CLOSE,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=None,
            at=at,
            audit_extra={"delivery": delivery},
        )
        if delivery == Delivery.WINDOW:
            locked.trips += 1  # the applicant came in to collect the result
        locked.delivery = delivery
        locked.closed_at = at
        start = local_date(locked.first_submitted_at or locked.created_at)
        locked.processing_working_days = working_days_taken(calendar(), start, local_date(at))
        locked.save()
        return locked


def application_withdraw(
    *,
    actor: User,
    application: Application,
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Application:
    """撤回: the applicant (or the clerk for them) withdraws before acceptance."""
    at = at or clock.now()
    text = reason_text(reason, required=False)
    with transaction.atomic():
        locked = lock(application, expected_version=expected_version)
        move(
            locked,
            Action.WITHDRAW,
            actor=actor,
            kind=actor_kind(actor, locked),
            facts=None,
            at=at,
            note=text,
        )
        locked.closed_at = at
        locked.save()
        return locked


def application_record_visit(
    *, actor: User, application: Application, purpose: str, at: dt.datetime | None = None
) -> Application:
    """Record an in-person visit (a trip) the applicant had to make for this matter."""
    at = at or clock.now()
    text = reason_text(purpose, field="purpose")
    with transaction.atomic():
        # Lock the row: two visits recorded at once would otherwise both add to the old count.
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if actor_kind(actor, locked) != Actor.CLERK:
            raise PermissionDenied(_("Only window clerks record visits."))
        locked.trips += 1
        locked.save(update_fields=["trips", "updated_at"])
        audit_record(
            actor=actor,
            action="licensing.application_visit",
            target=locked,
            after={"trips": locked.trips, "purpose": text},
            at=at,
        )
        return locked
