"""Writing the demo district's credit history (``credit_plan``) through the credit services.

In order, each step skipping what is already there, so a second run writes nothing:

1. the operators' registration dates (``created_at``, the enterprise scheme's history anchor)
   are set to the plan's, so the registry looks years old and its operators can be rated;
2. the three sources are registered (``intake.source_create``) and the records arrive as intake
   batches of at most 5,000 (``intake.intake_submit``: validated, linked to their subjects,
   audited, the affected subjects regraded), with deterministic batch keys;
3. the showcase cases are opened through the case services on their (past) dates: a repair
   application, two objections, and a serious-dishonesty listing (proposed, notified, statement
   recorded, listed) — only when the persona accounts exist (a clerk and a credit officer act);
4. the records whose publication period is over are expired as of today, by the service of the
   daily ``credit_expire`` command (``publicity.publication_expire``: audited; the subjects are
   regraded by step 5), so old findings show as 已届满 and stop counting, as they would on a live system;
5. every operator and practitioner is graded as of today (``grading_batch.regrade_chunk``, the
   set-based batch path; only changed grades get a snapshot);
6. the showcase subjects and the subjects the plan commended (the red list needs a positive
   record) that meet the red-list criteria are put on the red list.

Records dated after today (a clock set before the plan's end) are left out, and the batch keys
then say so, so a later run with the full plan is a new batch rather than a conflict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    IntakeChannel,
    IntakeStatus,
    ListEntry,
    ListKind,
    Objection,
    RecordStatus,
    RepairApplication,
    Source,
)
from roadcredit.credit.selectors_cases import list_candidates
from roadcredit.credit.services import intake, lists, objections, publicity, repair
from roadcredit.credit.services.grading import active_ruleset
from roadcredit.credit.services.grading_batch import regrade_chunk
from roadcredit.demo.personas import PERSONA_USERNAMES
from roadcredit.subjects.models import Operator, Practitioner

from .credit_plan import PLAN_VERSION, SOURCES, CaseSpec, CreditPlan, PlannedRecord

if TYPE_CHECKING:
    from .generator import DemoDistrict

AUDIT_ACTION = "demo.load"
BATCH_RECORDS = intake.MAX_BATCH_RECORDS
REGRADE_CHUNK = 50_000
REGRADE_REASON = "演示数据初始评级"
CASE_HOUR = 10  # cases are filed at 10:00 in the bureau's time zone

Progress = Callable[[int, int], None]
GradedSubject = Operator | Practitioner


@dataclass
class CreditLoadResult:
    planned: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    to_link: int = 0
    pending: int = 0
    batches_created: int = 0
    registrations_set: int = 0
    cases_opened: int = 0
    expired: int = 0
    red_listed: int = 0
    grades_changed: int = 0
    distribution: Counter[str] = field(default_factory=Counter)  # "enterprise:AA" → subjects
    seconds: float = 0.0
    showcase: dict[str, str] = field(default_factory=dict)  # role → subject name


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(CASE_HOUR)))


def _set_registration_dates(plan: CreditPlan) -> int:
    """Move each operator's ``created_at`` to its planned registration day (09:00 local), where
    it differs. Returns how many moved."""
    changed = 0
    usccs = list(plan.registered_on)
    for start in range(0, len(usccs), 2_000):
        part = usccs[start : start + 2_000]
        moved: list[Operator] = []
        for operator in Operator.objects.filter(uscc__in=part).only("pk", "uscc", "created_at"):
            target = plan.registered_on[operator.uscc]
            if timezone.localdate(operator.created_at) != target:
                operator.created_at = timezone.make_aware(dt.datetime.combine(target, dt.time(9)))
                moved.append(operator)
        Operator.objects.bulk_update(moved, ["created_at"], batch_size=500)
        changed += len(moved)
    return changed


def _sources(actor: User | None) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for key, spec in SOURCES.items():
        source = Source.objects.filter(code=spec.code).first()
        if source is None:
            source = intake.source_create(
                actor=actor, code=spec.code, name=spec.name, kind=spec.kind
            )
        found[key] = source
    return found


def _batch_key(plan: CreditPlan, source: str, number: int, complete: bool) -> str:
    district = plan.district
    cut = "" if complete else f"-until{clock.today():%Y%m%d}"
    return f"demo-v{PLAN_VERSION}-{district.seed}-x{district.scale:g}-{source}-{number:03d}{cut}"


def _load_records(
    *,
    plan: CreditPlan,
    actor: User | None,
    result: CreditLoadResult,
    progress: Progress | None,
    now: dt.datetime,
) -> None:
    today = timezone.localdate(now)
    sources = _sources(actor)
    groups = plan.by_source()
    total = sum(len(rows) for rows in groups.values())
    done = 0
    if progress is not None:
        progress(0, total)
    for key, planned in groups.items():
        rows = [r for r in planned if r.occurred_on <= today]
        rows = [r if (r.decided_on or today) <= today else _undecided(r) for r in rows]
        complete = len(rows) == len(planned) and all(
            r.decided_on == p.decided_on for r, p in zip(rows, planned, strict=False)
        )
        for number, start in enumerate(range(0, len(rows), BATCH_RECORDS), start=1):
            part = rows[start : start + BATCH_RECORDS]
            batch_key = _batch_key(plan, key, number, complete)
            new = not IntakeBatch.objects.filter(source=sources[key], batch_key=batch_key).exists()
            batch = intake.intake_submit(
                source=sources[key],
                records=[r.as_input() for r in part],
                channel=IntakeChannel.COMMAND,
                batch_key=batch_key,
                actor=actor,
                file_name="load_demo",
                at=now,
            )
            if batch.status != IntakeStatus.ACCEPTED:
                raise intake.IntakeRejected.for_batch(batch)
            if new:
                result.batches_created += 1
                result.created += batch.created_count
                result.updated += batch.updated_count
                result.unchanged += batch.unchanged_count
                result.to_link += batch.to_link_count
            result.pending += sum(1 for r in part if r.decided_on is None)
            result.planned += len(part)
            done += len(part)
            if progress is not None:
                progress(done, total)


def _undecided(record: PlannedRecord) -> PlannedRecord:
    return dataclasses.replace(record, decided_on=None, decision_number="")


def _persona(role: Role) -> User | None:
    return User.objects.filter(username=PERSONA_USERNAMES[role][0], role=role.value).first()


def _subject(kind: str, key: str) -> GradedSubject | None:
    if kind == "operator":
        return Operator.objects.filter(uscc=key).first()
    return Practitioner.objects.filter(
        id_number_index=pii.blind_index(key, purpose="id_number")
    ).first()


def _records(plan: CreditPlan, spec: CaseSpec) -> list[CreditRecord]:
    sources = {r.source_ref: r.source for r in plan.records}
    found = []
    for ref in spec.source_refs:
        record = CreditRecord.objects.filter(
            source__code=SOURCES[sources[ref]].code, source_ref=ref
        ).first()
        if record is not None:
            found.append(record)
    return found


def _open_cases(*, plan: CreditPlan, today: dt.date) -> int:
    """The showcase cases, each once (skipped when it exists, its day has not come, or its
    records are no longer active). Returns how many were opened."""
    clerk = _persona(Role.CLERK)
    officer = _persona(Role.CREDIT_OFFICER)
    if clerk is None or officer is None:
        return 0
    opened = 0
    for spec in plan.cases:
        if spec.on > today:
            continue
        found = _records(plan, spec)
        if len(found) != len(spec.source_refs):
            continue
        if spec.kind == "objection":
            record = found[0]
            if (
                record.status != RecordStatus.ACTIVE
                or Objection.objects.filter(record=record).exists()
            ):
                continue
            objections.objection_submit(
                actor=clerk, record=record, grounds=spec.text, at=_moment(spec.on)
            )
        elif spec.kind == "repair":
            record = found[0]
            if (
                record.status != RecordStatus.ACTIVE
                or RepairApplication.objects.filter(record=record).exists()
            ):
                continue
            repair.repair_apply(
                actor=clerk,
                record=record,
                obligations_fulfilled=True,
                obligations_evidence=spec.text,
                commitment_accepted=True,
                at=_moment(spec.on),
            )
        elif not _list_serious(spec=spec, officer=officer):
            continue
        opened += 1
    return opened


def _list_serious(*, spec: CaseSpec, officer: User) -> bool:
    """Propose, notify, record the statement and list (on the case day, three and nine working
    days later)."""
    subject = _subject(spec.subject_kind, spec.subject_key)
    if subject is None or _entries(subject, ListKind.SERIOUS).exists():
        return False
    candidates = [c for c in list_candidates(as_of=spec.on, subjects=[subject]) if c.serious]
    if not candidates:
        return False
    notified = _moment(spec.on)
    with transaction.atomic():
        entry = lists._propose(candidates[0], actor=officer, at=notified)
        if entry is None:
            return False
        entry = lists.listing_notify(actor=officer, entry=entry, at=notified)
        entry = lists.listing_statement_record(
            actor=officer, entry=entry, text=spec.text, at=notified + dt.timedelta(days=2)
        )
        lists.listing_decide(
            actor=officer,
            entry=entry,
            listed=True,
            reason=(
                "经审查，当事人对违法事实无异议，所称从轻情节不影响列入条件的认定，"
                "依据评价规则决定列入严重失信主体名单。"
            ),
            at=notified + dt.timedelta(days=11),
        )
    return True


def _kind_of(subject: GradedSubject) -> str:
    return "operator" if isinstance(subject, Operator) else "practitioner"


def _entries(subject: GradedSubject, kind: str) -> Any:
    column = "operator" if isinstance(subject, Operator) else "practitioner"
    return ListEntry.objects.filter(list_kind=kind, **{column: subject})


def _subjects(keys: Sequence[tuple[str, str]]) -> list[GradedSubject]:
    """The operators (by USCC) and practitioners (by ID number) of ``keys``, in that order."""
    usccs = [key for kind, key in keys if kind == "operator"]
    indexes = {
        pii.blind_index(key, purpose="id_number"): key
        for kind, key in keys
        if kind == "practitioner"
    }
    found: dict[tuple[str, str], GradedSubject] = {}
    for start in range(0, len(usccs), 2_000):
        for operator in Operator.objects.filter(uscc__in=usccs[start : start + 2_000]):
            found[("operator", operator.uscc)] = operator
    blind = list(indexes)
    for start in range(0, len(blind), 2_000):
        part = blind[start : start + 2_000]
        for practitioner in Practitioner.objects.filter(id_number_index__in=part).prefetch_related(
            "qualifications"
        ):
            found[("practitioner", indexes[practitioner.id_number_index])] = practitioner
    return [found[key] for key in keys if key in found]


def _red_list(*, plan: CreditPlan, actor: User | None, now: dt.datetime) -> int:
    """The showcase and commended subjects meeting the red-list criteria, each listed once."""
    keys = list(dict.fromkeys([*plan.showcase.red_candidates, *plan.commended]))
    listed = {
        (entry.subject_kind, entry.operator_id or entry.practitioner_id)
        for entry in ListEntry.objects.filter(list_kind=ListKind.RED).only(
            "subject_kind", "operator_id", "practitioner_id"
        )
    }
    subjects = [
        subject for subject in _subjects(keys) if (_kind_of(subject), subject.pk) not in listed
    ]
    if not subjects:
        return 0
    added = 0
    for candidate in list_candidates(as_of=timezone.localdate(now), subjects=subjects):
        if candidate.red and not _entries(candidate.subject, ListKind.SERIOUS).exists():
            with transaction.atomic():
                lists._red_add(candidate, actor=actor, at=now)
            added += 1
    return added


def _regrade_everyone(*, actor: User | None, now: dt.datetime, result: CreditLoadResult) -> None:
    """Every operator and practitioner, as of today, through the set-based batch path."""
    today = timezone.localdate(now)
    for scheme in ("enterprise", "driver"):
        row, ruleset = active_ruleset(scheme)
        after = 0
        while True:
            outcome = regrade_chunk(
                scheme=scheme,
                row=row,
                ruleset=ruleset,
                as_of=today,
                after=after,
                limit=REGRADE_CHUNK,
                actor=actor,
                reason=REGRADE_REASON,
                at=now,
            )
            result.grades_changed += outcome.changed
            result.distribution.update(
                {f"{scheme}:{g}": n for g, n in outcome.distribution.items()}
            )
            if outcome.last_pk is None or outcome.subjects < REGRADE_CHUNK:
                break
            after = outcome.last_pk


def _showcase_names(plan: CreditPlan) -> dict[str, str]:
    shown = plan.showcase
    names: dict[str, str] = {}
    for role, kind, key in (
        ("good_operator", "operator", shown.good_operator),
        ("poor_operator", "operator", shown.poor_operator),
        ("serious_operator", "operator", shown.serious_operator),
        ("good_driver", "practitioner", shown.good_driver),
        ("poor_driver", "practitioner", shown.poor_driver),
    ):
        subject = _subject(kind, key) if key else None
        if subject is not None:
            names[role] = subject.name
    return names


def demo_credit_load(
    *,
    actor: User | None,
    district: DemoDistrict,
    progress: Progress | None = None,
    at: dt.datetime | None = None,
) -> CreditLoadResult:
    """Load the district's credit history, open the showcase cases and grade everyone (see the
    module docstring). Idempotent."""
    started = time.monotonic()
    now = at or clock.now()
    today = timezone.localdate(now)
    plan = CreditPlan(district)
    result = CreditLoadResult()
    with transaction.atomic():
        result.registrations_set = _set_registration_dates(plan)
        if result.registrations_set:
            audit_record(
                actor=actor,
                action=AUDIT_ACTION,
                target_type="subjects.operator",
                after={
                    "kind": "registration_dates",
                    "updated": result.registrations_set,
                    "scale": district.scale,
                    "seed": district.seed,
                },
                actor_label="" if actor is not None else "load_demo",
            )
    _load_records(plan=plan, actor=actor, result=result, progress=progress, now=now)
    result.cases_opened = _open_cases(plan=plan, today=today)
    # Regraded by the next step, every subject at once (not once per expired record).
    result.expired = publicity.publication_expire(
        actor=actor, at=now, regrade=False
    ).records_expired
    _regrade_everyone(actor=actor, now=now, result=result)
    result.red_listed = _red_list(plan=plan, actor=actor, now=now)
    result.showcase = _showcase_names(plan)
    result.seconds = time.monotonic() - started
    return result


def credit_summary_lines(result: CreditLoadResult) -> Sequence[str]:
    """Chinese summary lines for ``load_demo``."""
    from django.utils.translation import gettext as _

    lines = [
        _(
            "Credit records: %(created)d created, %(planned)d in the plan (%(pending)d awaiting "
            "a decision), %(batches)d intake batches, %(seconds).1f s"
        )
        % {
            "created": result.created,
            "planned": result.planned,
            "pending": result.pending,
            "batches": result.batches_created,
            "seconds": result.seconds,
        },
        _("Cases opened: %(cases)d; red list entries added: %(red)d; grades changed: %(grades)d")
        % {"cases": result.cases_opened, "red": result.red_listed, "grades": result.grades_changed},
        _("Records past their publication period expired: %(expired)d")
        % {"expired": result.expired},
    ]
    grades = ", ".join(f"{key} {count}" for key, count in sorted(result.distribution.items()))
    if grades:
        lines.append(_("Grade distribution: %(grades)s") % {"grades": grades})
    shown = result.showcase
    if {"good_operator", "poor_operator", "serious_operator"} <= set(shown):
        lines.append(
            _(
                "Credit showcase: %(good)s (good grade), %(poor)s (poor grade), "
                "%(serious)s (serious-dishonesty list)"
            )
            % {
                "good": shown["good_operator"],
                "poor": shown["poor_operator"],
                "serious": shown["serious_operator"],
            }
        )
    return lines
