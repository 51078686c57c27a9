"""Red list and serious-dishonesty list: derived candidates, the notify → statement → decide
procedure, removal, the public rows."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, PermissionDenied, ValidationFailed
from roadcredit.credit.models import (
    ListEntry,
    ListEntryStatus,
    ListKind,
    Notice,
    ObjectionOutcome,
    RecordStatus,
)
from roadcredit.credit.selectors_cases import list_candidates, public_list_rows
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.services.lists import (
    listing_cancel,
    listing_decide,
    listing_notify,
    listing_remove,
    listing_statement_record,
    lists_refresh,
)
from roadcredit.credit.services.objections import objection_decide, objection_submit
from roadcredit.credit.tests.cases.helpers import commended, days_ago, holder_of, today
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db

STATEMENT = "无证经营系驾驶员个人行为，公司已解除劳动合同并完成整改，请求不予列入"


@pytest.fixture
def jinhai():
    """金海岸客运: an unlicensed-operation record (RT-N-001, a serious-list behaviour)."""
    operator = rated_operator(name="烟台市牟平区金海岸客运有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-001", occurred_on=days_ago(60), decided_on=days_ago(45)
    )
    return operator, record


def serious_entry(operator):
    return ListEntry.objects.get(list_kind=ListKind.SERIOUS, operator=operator)


def past(days: int) -> dt.datetime:
    return dt.datetime.combine(days_ago(days), dt.time(10), tzinfo=dt.UTC)


def test_a_clean_rated_operator_with_a_commendation_goes_on_the_red_list_directly():
    operator = rated_operator(name="烟台安捷危险货物运输有限公司")
    commended(operator)

    summary = lists_refresh(actor=None)

    entry = ListEntry.objects.get(operator=operator)
    assert summary.red_added == 1
    assert entry.list_kind == ListKind.RED
    assert entry.status == ListEntryStatus.LISTED
    assert entry.listed_from == today()
    assert entry.criteria[0]["rule_id"] == "lists.red"
    assert AuditEntry.objects.filter(
        action="credit.red_list_added", target_id=entry.public_id
    ).exists()
    assert Notice.objects.get(operator=operator).title == "已列入守信激励名单"
    assert "正面记录" in entry.decision_reason


@pytest.mark.parametrize(
    ("history", "listed"),
    [
        ("quiet", False),  # AA on 100 points by default: nothing to reward
        ("commended", True),
        ("commended, then a complaint", False),
        ("commended, complaint repaired", True),
    ],
)
def test_the_red_list_rewards_positive_conduct_not_just_silence(history, listed):
    operator = rated_operator(name="烟台顺通物流有限公司")
    if "commended" in history:
        commended(operator)
    if "complaint" in history:
        complaint = make_record(
            operator, behaviour_code="RT-N-024", occurred_on=days_ago(30), decided_on=days_ago(20)
        )
        if "repaired" in history:
            from roadcredit.credit.services.records import credit_record_set_status

            credit_record_set_status(
                actor=None, record=complaint, status=RecordStatus.REPAIRED, reason="信用修复"
            )

    summary = lists_refresh(actor=None)

    assert summary.red_added == int(listed)
    assert ListEntry.objects.filter(operator=operator, list_kind=ListKind.RED).exists() is listed


def test_under_a_stored_older_edition_a_quiet_operator_is_still_red_listed():
    """A version loaded before the positive-record requirement keeps its own criterion."""
    from roadcredit.credit.grading import DEFAULT_ENTERPRISE_RULESET, RULES_DIR
    from roadcredit.credit.services.rulesets import ruleset_activate, ruleset_load

    text = (RULES_DIR / DEFAULT_ENTERPRISE_RULESET).read_text(encoding="utf-8")
    for line in ("negative_free_months = 24\n", "min_positive_records = 1\n"):
        text = text.replace(line, "")
    text = text.replace('version = "2024.2"', 'version = "2024.1"', 1)
    ruleset_activate(
        actor=None,
        version=ruleset_load(actor=None, text=text, source_name="enterprise-jiangsu-2024.toml"),
    )
    operator = rated_operator(name="烟台顺通物流有限公司")

    assert lists_refresh(actor=None).red_added == 1
    entry = ListEntry.objects.get(operator=operator, list_kind=ListKind.RED)
    assert entry.ruleset_label == "enterprise-jiangsu-2024 2024.1"


def test_a_young_operator_is_not_red_listed():
    from roadcredit.subjects.tests.factories import make_operator

    make_operator(name="牟平区大窑街道新开货运部")

    assert lists_refresh(actor=None).red_added == 0


def test_a_serious_behaviour_is_only_proposed(jinhai):
    operator, record = jinhai

    summary = lists_refresh(actor=None)

    entry = serious_entry(operator)
    assert summary.serious_proposed == 1
    assert entry.status == ListEntryStatus.PROPOSED
    assert list(entry.basis_records.all()) == [record]
    assert {c["rule_id"] for c in entry.criteria} == {"lists.serious.behaviour_codes"}
    assert not ListEntry.objects.filter(operator=operator, list_kind=ListKind.RED).exists()


def test_refreshing_again_changes_nothing(jinhai):
    commended(rated_operator(name="烟台顺通物流有限公司"))
    lists_refresh(actor=None)

    summary = lists_refresh(actor=None)

    assert (summary.red_added, summary.serious_proposed) == (0, 0)
    assert ListEntry.objects.count() == 2


def test_a_driver_with_two_serious_records_is_a_candidate():
    driver = rated_practitioner(name="王建华")
    make_record(
        driver, behaviour_code="RT-N-004", occurred_on=days_ago(90), decided_on=days_ago(80)
    )
    make_record(
        driver, behaviour_code="RT-N-002", occurred_on=days_ago(40), decided_on=days_ago(30)
    )

    candidates = list_candidates(as_of=today())

    [candidate] = [c for c in candidates if c.subject == driver]
    assert candidate.serious and not candidate.red
    assert len(candidate.basis_records) == 2


def test_the_full_procedure_lists_the_subject_flags_the_records_and_lowers_the_grade(
    jinhai, personas
):
    operator, record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)

    notified = listing_notify(actor=officer, entry=entry, at=past(10))
    assert notified.status == ListEntryStatus.NOTIFIED
    assert notified.statement_due_on is not None
    notice = Notice.objects.get(operator=operator, title="拟列入严重失信主体名单告知书")
    assert "陈述和申辩" in notice.body and "无证经营" in notice.body

    stated = listing_statement_record(
        actor=holder_of(operator), entry=entry, text=STATEMENT, at=past(9)
    )
    assert stated.status == ListEntryStatus.STATEMENT_RECEIVED

    listed = listing_decide(
        actor=officer,
        entry=entry,
        listed=True,
        reason="陈述理由不成立：驾驶员系公司聘用，经营主体为公司，依规列入",
    )

    record.refresh_from_db()
    current = grade_current(operator)
    assert listed.status == ListEntryStatus.LISTED
    assert listed.listed_from == today()
    assert listed.listed_until is not None and listed.listed_until.year == today().year + 3
    assert listed.flagged_records == [record.public_id]
    assert record.on_serious_list
    assert current is not None and current.grade == "D"
    assert Notice.objects.filter(operator=operator, title="列入严重失信主体名单决定书").exists()
    assert [row.subject_code for row in public_list_rows(kind=ListKind.SERIOUS)] == [operator.uscc]


def test_the_decision_waits_for_the_statement_deadline(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)

    with pytest.raises(Conflict, match="尚未告知"):
        listing_decide(actor=officer, entry=entry, listed=True, reason="列入")
    listing_notify(actor=officer, entry=entry)
    with pytest.raises(Conflict, match="陈述申辩期限至"):
        listing_decide(actor=officer, entry=entry, listed=True, reason="列入")


def test_after_the_deadline_no_statement_is_taken_and_the_officer_decides(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)
    listing_notify(actor=officer, entry=entry, at=past(20))

    with pytest.raises(Conflict, match="期限"):
        listing_statement_record(actor=holder_of(operator), entry=entry, text=STATEMENT)
    decided = listing_decide(
        actor=officer,
        entry=entry,
        listed=False,
        reason="当事人逾期未陈述申辩；首次违法且已整改，不予列入",
    )

    assert decided.status == ListEntryStatus.NOT_LISTED
    latest = Notice.objects.filter(operator=operator).order_by("-pk").first()
    assert latest is not None and "不予列入" in latest.title


def test_a_not_listed_decision_is_not_proposed_again_until_a_new_record(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)
    listing_notify(actor=officer, entry=entry, at=past(20))
    listing_decide(actor=officer, entry=entry, listed=False, reason="首次违法且已整改，不予列入")

    assert lists_refresh(actor=officer).serious_proposed == 0
    make_record(
        operator, behaviour_code="RT-N-006", occurred_on=days_ago(5), decided_on=days_ago(2)
    )
    assert lists_refresh(actor=officer).serious_proposed == 1


def test_only_the_subject_or_staff_may_state_the_case(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)
    listing_notify(actor=officer, entry=entry)
    stranger = holder_of(rated_operator(name="牟平区宏达运输有限公司"))

    with pytest.raises(PermissionDenied):
        listing_statement_record(actor=stranger, entry=entry, text=STATEMENT)
    with pytest.raises(ValidationFailed):
        listing_statement_record(actor=personas[Role.CLERK], entry=entry, text=" ")
    stated = listing_statement_record(actor=personas[Role.CLERK], entry=entry, text=STATEMENT)
    assert stated.statement_text == STATEMENT


def listed_entry(operator, officer):
    lists_refresh(actor=officer)
    entry = serious_entry(operator)
    listing_notify(actor=officer, entry=entry, at=past(20))
    return listing_decide(actor=officer, entry=entry, listed=True, reason="依规列入")


def test_deleting_the_basis_record_on_objection_removes_the_listing(jinhai, personas):
    operator, record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    entry = listed_entry(operator, officer)
    objection = objection_submit(
        actor=holder_of(operator), record=record, grounds="处罚决定已被行政复议撤销"
    )

    objection_decide(
        actor=officer,
        objection=objection,
        outcome=ObjectionOutcome.DELETED,
        reason="处罚决定已被撤销，删除记录",
    )

    entry.refresh_from_db()
    assert entry.status == ListEntryStatus.REMOVED
    assert entry.removal_reason.startswith("异议")


def test_an_officer_removes_a_listing_and_the_flags_are_cleared(jinhai, personas):
    operator, record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    entry = listed_entry(operator, officer)

    removed = listing_remove(actor=officer, entry=entry, reason="行政复议决定撤销列入决定")

    record.refresh_from_db()
    assert removed.status == ListEntryStatus.REMOVED
    assert not record.on_serious_list
    current = grade_current(operator)
    assert current is not None and current.grade != "D"
    assert Notice.objects.filter(operator=operator, title="已移出严重失信主体名单").exists()


def test_a_listing_ends_when_its_period_runs_out(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    entry = listed_entry(operator, officer)
    ListEntry.objects.filter(pk=entry.pk).update(listed_until=today())

    summary = lists_refresh(actor=None)

    entry.refresh_from_db()
    assert summary.serious_expired == 1
    assert entry.status == ListEntryStatus.REMOVED
    assert entry.removal_reason == "公示期届满"


def test_a_proposal_can_be_cancelled_but_a_listing_cannot(jinhai, personas):
    operator, _record = jinhai
    officer = personas[Role.CREDIT_OFFICER]
    lists_refresh(actor=officer)
    entry = serious_entry(operator)

    cancelled = listing_cancel(actor=officer, entry=entry, reason="重复提出")

    assert cancelled.status == ListEntryStatus.CANCELLED
    with pytest.raises(Conflict):
        listing_notify(actor=officer, entry=entry)


def test_the_public_rows_mask_natural_persons_and_show_codes_for_enterprises(personas):
    driver = rated_practitioner(name="王建华")
    operator = rated_operator(name="烟台安捷危险货物运输有限公司")
    commended(driver)
    commended(operator)
    lists_refresh(actor=None)

    rows = {row.subject_code_kind: row for row in public_list_rows(kind=ListKind.RED)}

    assert rows["统一社会信用代码"].subject_name == "烟台安捷危险货物运输有限公司"
    assert rows["统一社会信用代码"].subject_code == operator.uscc
    assert rows["居民身份证号码"].subject_name == "王*华"
    assert rows["居民身份证号码"].subject_code == driver.id_number_masked
    assert "*" in rows["居民身份证号码"].subject_code
