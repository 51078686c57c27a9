"""The daily sweep of the licensing workflow (run by ``jobs.py`` and ``manage.py licensing_sweep``).

* deemed acceptance — a submission with no correction notice within 5 working days counts as
  accepted (acceptance notice saying so);
* 容缺 reminders — on the catalogue's working days before the supplement deadline;
* 容缺 overdue — a notice not supplemented by its deadline terminates the matter (termination
  notice with the remedies) and writes a credit record against the applicant;
* escalation — open applications past their promised completion date are flagged once;
* post-verification due — commitments whose verification is past its due date are flagged once
  (the officer's task list and the statistics show them).

Each case is handled in its own transaction with the application locked, so one failure does not
undo the others and a case moved by a clerk meanwhile is skipped, not overwritten.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError
from roadcredit.credit.services.records import credit_record_create

from ..catalogue import default_catalogue
from ..deadlines import correction_window_closed, date_zh, reminders_due
from ..models import (
    Application,
    Commitment,
    CommitmentKind,
    MissingMaterialNotice,
    NoticeKind,
    VerificationOutcome,
)
from ..selectors import application_items, item_label
from ..tiers import default_policy
from ..workflow import OPEN_STATES, Action, Actor, Facts, State
from .applications import acceptance_body, set_time_limits
from .common import calendar, calendar_errors, local_date, move
from .notices import notice_issue

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    deemed_accepted: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    verification_overdue: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {
            "deemed_accepted": self.deemed_accepted,
            "reminded": self.reminded,
            "terminated": self.terminated,
            "escalated": self.escalated,
            "verification_overdue": self.verification_overdue,
            "errors": self.errors,
        }


def applications_deem_accepted(*, at: dt.datetime | None = None) -> list[str]:
    """Accept, by operation of law, every submission whose correction window has closed."""
    at = at or clock.now()
    today = local_date(at)
    days = default_catalogue().procedure.correction_working_days
    done: list[str] = []
    candidates = Application.objects.filter(
        status=State.SUBMITTED.value, correction_due_on__lt=today
    ).values_list("pk", flat=True)
    for pk in candidates:
        with transaction.atomic(), calendar_errors():
            # Lock the case: a clerk returning it for correction at this moment wins or loses
            # cleanly against the deemed acceptance.
            locked = Application.objects.select_for_update().get(pk=pk)
            if locked.state != State.SUBMITTED or locked.submitted_at is None:
                continue
            closed = correction_window_closed(
                calendar(),
                submitted_on=local_date(locked.submitted_at),
                today=today,
                working_days=days,
            )
            if not closed:
                continue
            move(
                locked,
                Action.DEEM_ACCEPT,
                actor=None,
                kind=Actor.SYSTEM,
                facts=Facts(correction_window_closed=True),
                at=at,
                note="提交后5个工作日内未告知补正，依法视为受理",
            )
            # Accepted from the day the materials were received (《行政许可法》第三十二条).
            received = local_date(locked.submitted_at)
            locked.accepted_at = at
            locked.accepted_on = received
            locked.deemed_accepted = True
            set_time_limits(locked, received)
            locked.save()
            notice_issue(
                application=locked,
                kind=NoticeKind.ACCEPTANCE,
                body=acceptance_body(locked, deemed=True),
                at=at,
            )
            done.append(locked.number)
    return done


def missing_reminders_send(*, at: dt.datetime | None = None) -> list[str]:
    """Send the due reminders of open 容缺 notices (recorded; the message goes out through the
    applicant's page and the audit trail — SMS is not wired yet)."""
    at = at or clock.now()
    today = local_date(at)
    lead = default_catalogue().procedure.rongque_reminder_working_days
    done: list[str] = []
    notices = MissingMaterialNotice.objects.filter(
        supplemented_at__isnull=True,
        terminated_at__isnull=True,
        deadline__gte=today,
        application__status__in=[State.ACCEPTED.value, State.UNDER_REVIEW.value],
    ).values_list("pk", flat=True)
    for pk in notices:
        with transaction.atomic(), calendar_errors():
            notice = MissingMaterialNotice.objects.select_for_update().get(pk=pk)
            due = reminders_due(calendar(), today=today, deadline=notice.deadline, lead_days=lead)
            if not notice.is_open or due <= notice.reminders_sent:
                continue
            # One message, however many reminders became due since the last run.
            notice.reminders_sent = due
            notice.last_reminded_at = at
            notice.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
            audit_record(
                actor=None,
                action="licensing.missing_reminder",
                target=notice.application,
                after={
                    "reminder": notice.reminders_sent,
                    "deadline": notice.deadline,
                    "message": f"请于{date_zh(notice.deadline)}前补齐容缺受理材料，逾期将终止办理",
                },
                at=at,
            )
            done.append(notice.application.number)
    return done


def applications_terminate_overdue(
    *, at: dt.datetime | None = None, actor: User | None = None
) -> list[str]:
    """Terminate every matter whose 容缺 materials were not supplemented by the deadline, with a
    termination notice and a credit record against the applicant."""
    at = at or clock.now()
    today = local_date(at)
    policy = default_policy()
    done: list[str] = []
    notices = MissingMaterialNotice.objects.filter(
        supplemented_at__isnull=True,
        terminated_at__isnull=True,
        deadline__lt=today,
        application__status__in=[State.ACCEPTED.value, State.UNDER_REVIEW.value],
    ).values_list("pk", "application_id")
    for notice_pk, application_pk in notices:
        with transaction.atomic():
            # Lock the case, then the notice: an upload completing the notice at this moment
            # either lands first (no termination) or finds the case terminated.
            locked = Application.objects.select_for_update().get(pk=application_pk)
            notice = MissingMaterialNotice.objects.select_for_update().get(pk=notice_pk)
            if not notice.is_open or locked.state not in (State.ACCEPTED, State.UNDER_REVIEW):
                continue
            listing = "；".join(f"{e['label']}：{e['name']}" for e in notice.items)
            move(
                locked,
                Action.TERMINATE,
                actor=actor,
                kind=Actor.SYSTEM,
                facts=Facts(supplement_overdue=True),
                at=at,
                note=f"容缺受理材料未在{date_zh(notice.deadline)}前补齐",
            )
            locked.closed_at = at
            locked.save()
            termination = notice_issue(
                application=locked,
                kind=NoticeKind.TERMINATION,
                body=(
                    f"你（单位）的申请（申请编号 {locked.number}）经容缺受理，"
                    f"所列材料（{listing}）未在{date_zh(notice.deadline)}前补齐。"
                    "依照你（单位）签署的容缺受理承诺书，本机关决定终止办理，"
                    "逾期未补正的情况已记入信用记录。"
                ),
                reasons=f"容缺受理材料逾期未补正（补正期限{date_zh(notice.deadline)}）",
                at=at,
            )
            record = credit_record_create(
                actor=actor,
                subject=locked.applicant,  # type: ignore[arg-type]
                data={
                    "behaviour_code": policy.rongque_overdue_behaviour_code,
                    "occurred_on": notice.deadline + dt.timedelta(days=1),
                    "decided_on": today,
                    "decision_number": termination.number,
                    "description": f"申请（{locked.number}）容缺受理后未在{date_zh(notice.deadline)}前补齐材料：{listing}"[
                        :2000
                    ],
                },
                at=at,
            )
            notice.terminated_at = at
            notice.credit_record_ref = record.public_id
            notice.save(update_fields=["terminated_at", "credit_record_ref", "updated_at"])
            done.append(locked.number)
    return done


def applications_escalate_overdue(*, at: dt.datetime | None = None) -> list[str]:
    """Flag (once) the open applications past their promised completion date."""
    at = at or clock.now()
    today = local_date(at)
    done: list[str] = []
    overdue = Application.objects.filter(
        status__in=[s.value for s in OPEN_STATES], due_on__lt=today, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in overdue:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=pk)
            if locked.escalated_at is not None or locked.state not in OPEN_STATES:
                continue
            locked.escalated_at = at
            locked.save(update_fields=["escalated_at", "updated_at"])
            audit_record(
                actor=None,
                action="licensing.application_escalated",
                target=locked,
                after={
                    "due_on": locked.due_on,
                    "items": [item_label(i) for i in application_items(locked)],
                },
                at=at,
            )
            done.append(locked.number)
    return done


def verifications_flag_overdue(*, at: dt.datetime | None = None) -> list[str]:
    """Flag (once) the commitments still awaiting verification after their due date."""
    at = at or clock.now()
    today = local_date(at)
    done: list[str] = []
    due = Commitment.objects.filter(
        kind=CommitmentKind.NOTIFY_COMMIT,
        outcome=VerificationOutcome.PENDING,
        verification_due_on__lt=today,
        overdue_flagged_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            # Lock the commitment: an officer recording the outcome now must not be flagged late.
            locked = Commitment.objects.select_for_update().select_related("application").get(pk=pk)
            if locked.outcome != VerificationOutcome.PENDING or locked.overdue_flagged_at:
                continue
            locked.overdue_flagged_at = at
            locked.save(update_fields=["overdue_flagged_at", "updated_at"])
            audit_record(
                actor=None,
                action="licensing.verification_overdue",
                target=locked,
                after={
                    "application": locked.application.number,
                    "due_on": locked.verification_due_on,
                    "officer": locked.officer.username if locked.officer else None,
                },
                at=at,
            )
            done.append(locked.application.number)
    return done


def licensing_sweep(*, at: dt.datetime | None = None) -> SweepResult:
    """Run every step; a failing step is logged and reported, the others still run."""
    at = at or clock.now()
    result = SweepResult()
    steps = [
        ("deemed_accepted", applications_deem_accepted),
        ("reminded", missing_reminders_send),
        ("terminated", applications_terminate_overdue),
        ("escalated", applications_escalate_overdue),
        ("verification_overdue", verifications_flag_overdue),
    ]
    for name, step in steps:
        try:
            getattr(result, name).extend(step(at=at))
        except ApplicationError as exc:
            logger.exception("licensing sweep step %s failed", name)
            result.errors.append(f"{name}: {exc.message}")
    return result


__all__ = [
    "SweepResult",
    "applications_deem_accepted",
    "applications_escalate_overdue",
    "applications_terminate_overdue",
    "licensing_sweep",
    "missing_reminders_send",
    "verifications_flag_overdue",
]
