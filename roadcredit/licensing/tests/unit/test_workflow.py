"""The application state machine, table by table: every rule, every guard, every refusal."""

from __future__ import annotations

import pytest

from roadcredit.licensing.workflow import (
    RULES,
    Action,
    Actor,
    Facts,
    State,
    TransitionRefused,
    available_actions,
    next_state,
)

A, C, R, S = Actor.APPLICANT, Actor.CLERK, Actor.APPROVER, Actor.SYSTEM

ALLOWED = [
    # (state, action, actor, facts, expected next state)
    (State.DRAFT, Action.SUBMIT, A, Facts(), State.SUBMITTED),
    (State.DRAFT, Action.SUBMIT, C, Facts(), State.SUBMITTED),
    (State.DRAFT, Action.WITHDRAW, A, Facts(), State.WITHDRAWN),
    (State.SUBMITTED, Action.ACCEPT, C, Facts(), State.ACCEPTED),
    (
        State.SUBMITTED,
        Action.ACCEPT,
        C,
        Facts(
            missing_rongque=("安全生产管理制度文本",), rongque_allowed=True, rongque_requested=True
        ),
        State.ACCEPTED,
    ),
    (State.SUBMITTED, Action.DEEM_ACCEPT, S, Facts(correction_window_closed=True), State.ACCEPTED),
    (State.SUBMITTED, Action.NOT_ACCEPT, C, Facts(reason_given=True), State.NOT_ACCEPTED),
    (State.RETURNED, Action.NOT_ACCEPT, C, Facts(reason_given=True), State.NOT_ACCEPTED),
    (State.SUBMITTED, Action.RETURN, C, Facts(correction_items=("机动车行驶证",)), State.RETURNED),
    (State.SUBMITTED, Action.WITHDRAW, A, Facts(), State.WITHDRAWN),
    (State.RETURNED, Action.RESUBMIT, A, Facts(), State.SUBMITTED),
    (State.RETURNED, Action.WITHDRAW, C, Facts(), State.WITHDRAWN),
    (State.ACCEPTED, Action.START_REVIEW, R, Facts(), State.UNDER_REVIEW),
    (State.UNDER_REVIEW, Action.FIRST_REVIEW, R, Facts(reason_given=True), State.UNDER_REVIEW),
    (State.UNDER_REVIEW, Action.APPROVE, R, Facts(), State.APPROVED),
    (
        State.UNDER_REVIEW,
        Action.APPROVE,
        R,
        Facts(second_review_required=True, first_reviewed_by_other=True),
        State.APPROVED,
    ),
    (State.UNDER_REVIEW, Action.REFUSE, R, Facts(reason_given=True), State.REFUSED),
    (State.APPROVED, Action.ISSUE, C, Facts(), State.ISSUED),
    (State.APPROVED, Action.ISSUE, R, Facts(), State.ISSUED),
    (State.ISSUED, Action.CLOSE, C, Facts(), State.CLOSED),
    (State.REFUSED, Action.CLOSE, S, Facts(), State.CLOSED),
    (State.ACCEPTED, Action.TERMINATE, S, Facts(supplement_overdue=True), State.TERMINATED),
    (State.UNDER_REVIEW, Action.TERMINATE, S, Facts(supplement_overdue=True), State.TERMINATED),
]


@pytest.mark.parametrize(("state", "action", "actor", "facts", "expected"), ALLOWED)
def test_it_moves_to_the_next_state(state, action, actor, facts, expected):
    assert next_state(state, action, actor, facts) == expected


REFUSED = [
    # (state, action, actor, facts, refusal code, a fragment of the Chinese message)
    (State.ACCEPTED, Action.ACCEPT, C, Facts(), "state", "当前状态为“已受理”"),
    (State.CLOSED, Action.WITHDRAW, A, Facts(), "state", "不能执行“撤回申请”"),
    (State.ISSUED, Action.WITHDRAW, A, Facts(), "state", "已发证"),
    (State.DRAFT, Action.APPROVE, R, Facts(), "state", "草稿"),
    (State.SUBMITTED, Action.ACCEPT, A, Facts(), "actor", "只能由窗口受理人员办理"),
    (State.SUBMITTED, Action.ACCEPT, R, Facts(), "actor", "窗口受理人员"),
    (State.UNDER_REVIEW, Action.APPROVE, C, Facts(), "actor", "审批人员"),
    (State.SUBMITTED, Action.DEEM_ACCEPT, C, Facts(), "actor", "系统"),
    (State.ACCEPTED, Action.TERMINATE, C, Facts(supplement_overdue=True), "actor", "系统"),
    (State.DRAFT, Action.SUBMIT, A, Facts(has_items=False), "no_items", "未选择任何办理事项"),
    (State.DRAFT, Action.SUBMIT, A, Facts(missing_fields=("联系人",)), "missing_fields", "联系人"),
    (
        State.DRAFT,
        Action.SUBMIT,
        A,
        Facts(commitment_voided=True),
        "commitment_voided",
        "不适用信用承诺",
    ),
    (
        State.SUBMITTED,
        Action.ACCEPT,
        C,
        Facts(missing_key=("机动车行驶证",)),
        "missing_key",
        "机动车行驶证",
    ),
    (
        State.SUBMITTED,
        Action.ACCEPT,
        C,
        Facts(missing_other=("原证件",)),
        "missing_other",
        "不适用容缺受理",
    ),
    (
        State.SUBMITTED,
        Action.ACCEPT,
        C,
        Facts(missing_rongque=("安全生产管理制度文本",), rongque_requested=True),
        "rongque_not_allowed",
        "信用分级不适用容缺受理",
    ),
    (
        State.SUBMITTED,
        Action.ACCEPT,
        C,
        Facts(missing_rongque=("车辆照片",), rongque_allowed=True),
        "rongque_not_requested",
        "容缺受理承诺书",
    ),
    (State.SUBMITTED, Action.DEEM_ACCEPT, S, Facts(), "window_open", "尚未满5个工作日"),
    (
        State.SUBMITTED,
        Action.RETURN,
        C,
        Facts(correction_items=("营业执照",), correction_window_closed=True),
        "window_closed",
        "视为已受理",
    ),
    (State.SUBMITTED, Action.RETURN, C, Facts(), "no_correction_items", "一次性列明"),
    (State.SUBMITTED, Action.NOT_ACCEPT, C, Facts(), "no_reason", "须写明理由"),
    (State.UNDER_REVIEW, Action.REFUSE, R, Facts(), "no_reason", "须写明理由"),
    (State.UNDER_REVIEW, Action.FIRST_REVIEW, R, Facts(), "no_reason", "初审意见"),
    (
        State.UNDER_REVIEW,
        Action.APPROVE,
        R,
        Facts(outstanding_supplements=("车辆照片",)),
        "supplements_outstanding",
        "尚未补齐",
    ),
    (
        State.UNDER_REVIEW,
        Action.APPROVE,
        R,
        Facts(second_review_required=True),
        "second_review_missing",
        "另一名审批人员复核",
    ),
    (
        State.UNDER_REVIEW,
        Action.APPROVE,
        R,
        Facts(
            second_review_required=True, first_reviewed_by_other=True, actor_is_first_reviewer=True
        ),
        "same_reviewer",
        "不能作出决定",
    ),
    (State.ACCEPTED, Action.TERMINATE, S, Facts(), "not_overdue", "未届满"),
]


@pytest.mark.parametrize(("state", "action", "actor", "facts", "code", "fragment"), REFUSED)
def test_it_refuses_with_a_chinese_reason(state, action, actor, facts, code, fragment):
    with pytest.raises(TransitionRefused) as caught:
        next_state(state, action, actor, facts)
    assert caught.value.code == code
    assert fragment in caught.value.message


def test_every_action_has_exactly_one_rule():
    assert sorted(rule.action for rule in RULES) == sorted(Action)


def test_final_states_have_no_way_out():
    for state in (State.NOT_ACCEPTED, State.CLOSED, State.WITHDRAWN, State.TERMINATED):
        assert [rule for rule in RULES if state in rule.sources] == []


def test_every_state_is_reachable_from_draft():
    reached = {State.DRAFT}
    frontier = [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for rule in RULES:
            if state in rule.sources and rule.target not in reached:
                reached.add(rule.target)
                frontier.append(rule.target)
    assert reached == set(State)


def test_withdrawal_is_possible_only_before_acceptance():
    withdraw = next(rule for rule in RULES if rule.action == Action.WITHDRAW)
    assert withdraw.sources == {State.DRAFT, State.SUBMITTED, State.RETURNED}


@pytest.mark.parametrize(
    ("state", "actor", "expected"),
    [
        (State.DRAFT, A, [Action.SUBMIT, Action.WITHDRAW]),
        (State.SUBMITTED, C, [Action.ACCEPT, Action.NOT_ACCEPT, Action.RETURN, Action.WITHDRAW]),
        (State.SUBMITTED, A, [Action.WITHDRAW]),
        (State.UNDER_REVIEW, R, [Action.FIRST_REVIEW, Action.APPROVE, Action.REFUSE]),
        (State.CLOSED, C, []),
    ],
)
def test_it_lists_the_buttons_an_actor_may_see(state, actor, expected):
    assert available_actions(state, actor) == expected
