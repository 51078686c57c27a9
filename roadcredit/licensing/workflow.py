"""The application workflow as a pure state machine (no Django).

    draft → submitted → accepted (受理) / not_accepted / returned_for_correction (退回补正)
    returned_for_correction → (resubmitted) → submitted
    accepted → under_review → approved / refused
    approved → issued → closed; refused → closed
    draft / submitted / returned_for_correction → withdrawn
    accepted / under_review → terminated (容缺 materials not supplemented in time)

``RULES`` says, for every action, from which states it may be taken, where it leads and who may
take it (the applicant, a window clerk, an approver or the system). ``next_state`` applies one
action after checking the rule and the action's guard against the ``Facts`` the caller
gathered (missing materials, deadlines, reviewers); a refusal is a ``TransitionRefused`` whose
message is Chinese and says what to do instead. The services lock the application, gather the
facts and call this; nothing else decides a state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    RETURNED = "returned_for_correction"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REFUSED = "refused"
    ISSUED = "issued"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


STATE_LABELS_ZH: dict[State, str] = {
    State.DRAFT: "草稿",
    State.SUBMITTED: "已提交",
    State.ACCEPTED: "已受理",
    State.NOT_ACCEPTED: "不予受理",
    State.RETURNED: "退回补正",
    State.UNDER_REVIEW: "审查中",
    State.APPROVED: "准予许可",
    State.REFUSED: "不予许可",
    State.ISSUED: "已发证",
    State.CLOSED: "已办结",
    State.WITHDRAWN: "已撤回",
    State.TERMINATED: "已终止",
}
# States in which the matter is still being handled (counts in queues and overdue checks).
OPEN_STATES = frozenset(
    {State.SUBMITTED, State.ACCEPTED, State.RETURNED, State.UNDER_REVIEW, State.APPROVED}
)
FINAL_STATES = frozenset({State.NOT_ACCEPTED, State.CLOSED, State.WITHDRAWN, State.TERMINATED})


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    DEEM_ACCEPT = "deem_accept"
    NOT_ACCEPT = "not_accept"
    RETURN = "return_for_correction"
    RESUBMIT = "resubmit"
    START_REVIEW = "start_review"
    FIRST_REVIEW = "first_review"
    APPROVE = "approve"
    REFUSE = "refuse"
    ISSUE = "issue"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    TERMINATE = "terminate"


ACTION_LABELS_ZH: dict[Action, str] = {
    Action.SUBMIT: "提交申请",
    Action.ACCEPT: "受理",
    Action.DEEM_ACCEPT: "视为受理",
    Action.NOT_ACCEPT: "不予受理",
    Action.RETURN: "退回补正",
    Action.RESUBMIT: "补正后重新提交",
    Action.START_REVIEW: "开始审查",
    Action.FIRST_REVIEW: "初审意见",
    Action.APPROVE: "准予许可",
    Action.REFUSE: "不予许可",
    Action.ISSUE: "发证",
    Action.CLOSE: "办结",
    Action.WITHDRAW: "撤回申请",
    Action.TERMINATE: "终止办理",
}


class Actor(StrEnum):
    APPLICANT = "applicant"  # the operator or practitioner account the application belongs to
    CLERK = "clerk"  # 窗口受理人员
    APPROVER = "approver"  # 审批人员
    SYSTEM = "system"  # the scheduled jobs (deemed acceptance, overdue termination)


ACTOR_LABELS_ZH: dict[Actor, str] = {
    Actor.APPLICANT: "申请人",
    Actor.CLERK: "窗口受理人员",
    Actor.APPROVER: "审批人员",
    Actor.SYSTEM: "系统",
}


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]


def _rule(action: Action, sources: set[State], target: State, actors: set[Actor]) -> Rule:
    return Rule(action, frozenset(sources), target, frozenset(actors))


_A, _C, _R, _S = Actor.APPLICANT, Actor.CLERK, Actor.APPROVER, Actor.SYSTEM
RULES: tuple[Rule, ...] = (
    _rule(Action.SUBMIT, {State.DRAFT}, State.SUBMITTED, {_A, _C}),
    _rule(Action.ACCEPT, {State.SUBMITTED}, State.ACCEPTED, {_C}),
    _rule(Action.DEEM_ACCEPT, {State.SUBMITTED}, State.ACCEPTED, {_S}),
    _rule(Action.NOT_ACCEPT, {State.SUBMITTED, State.RETURNED}, State.NOT_ACCEPTED, {_C}),
    _rule(Action.RETURN, {State.SUBMITTED}, State.RETURNED, {_C}),
    _rule(Action.RESUBMIT, {State.RETURNED}, State.SUBMITTED, {_A, _C}),
    _rule(Action.START_REVIEW, {State.ACCEPTED}, State.UNDER_REVIEW, {_R}),
    _rule(Action.FIRST_REVIEW, {State.UNDER_REVIEW}, State.UNDER_REVIEW, {_R}),
    _rule(Action.APPROVE, {State.UNDER_REVIEW}, State.APPROVED, {_R}),
    _rule(Action.REFUSE, {State.UNDER_REVIEW}, State.REFUSED, {_R}),
    _rule(Action.ISSUE, {State.APPROVED}, State.ISSUED, {_C, _R}),
    _rule(Action.CLOSE, {State.ISSUED, State.REFUSED}, State.CLOSED, {_C, _R, _S}),
    _rule(
        Action.WITHDRAW, {State.DRAFT, State.SUBMITTED, State.RETURNED}, State.WITHDRAWN, {_A, _C}
    ),
    _rule(Action.TERMINATE, {State.ACCEPTED, State.UNDER_REVIEW}, State.TERMINATED, {_S}),
)
RULES_BY_ACTION: dict[Action, Rule] = {rule.action: rule for rule in RULES}


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about the application at the moment of the action.

    Material lists hold Chinese material names. Defaults describe an application with nothing
    missing and nothing special, so a test or a caller states only what matters.
    """

    has_items: bool = True
    missing_fields: tuple[str, ...] = ()
    missing_key: tuple[str, ...] = ()  # key materials lacking (never allowed at acceptance)
    missing_other: tuple[str, ...] = ()  # non-key materials lacking that 容缺 does not cover
    missing_rongque: tuple[str, ...] = ()  # non-key materials lacking that 容缺 may cover
    rongque_allowed: bool = False  # the tier and the item admit 容缺受理
    rongque_requested: bool = False  # the clerk accepts under 容缺 (with the applicant's pledge)
    outstanding_supplements: tuple[str, ...] = ()  # 容缺 materials not yet supplemented
    supplement_overdue: bool = False
    correction_window_closed: bool = False  # 5 working days since submission have passed
    correction_items: tuple[str, ...] = ()
    reason_given: bool = False
    second_review_required: bool = False
    first_reviewed_by_other: bool = False  # a first review opinion by another approver exists
    actor_is_first_reviewer: bool = False
    commitment_voided: bool = False  # a commitment is signed but the tier no longer allows it
    extra: dict[str, str] = field(default_factory=dict)


class TransitionRefused(Exception):
    """The action is not allowed now; ``message`` says why in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _names(materials: tuple[str, ...]) -> str:
    return "、".join(materials)


def _guard(action: Action, actor: Actor, facts: Facts) -> None:
    if action in (Action.SUBMIT, Action.RESUBMIT):
        if not facts.has_items:
            raise TransitionRefused("no_items", "申请未选择任何办理事项，请先选择事项")
        if facts.missing_fields:
            raise TransitionRefused(
                "missing_fields", f"申请表尚有必填项未填写：{_names(facts.missing_fields)}"
            )
        if facts.commitment_voided:
            raise TransitionRefused(
                "commitment_voided",
                "申请人当前信用分级不适用信用承诺，请上传以承诺替代的材料后再提交",
            )
    elif action == Action.ACCEPT:
        if facts.missing_key:
            raise TransitionRefused(
                "missing_key",
                f"主要申请材料不齐全（{_names(facts.missing_key)}），不能受理，请一次性告知申请人补正",
            )
        if facts.missing_other:
            raise TransitionRefused(
                "missing_other",
                f"申请材料不齐全（{_names(facts.missing_other)}），且该材料不适用容缺受理，请退回补正",
            )
        if facts.missing_rongque and not facts.rongque_allowed:
            raise TransitionRefused(
                "rongque_not_allowed",
                f"申请材料不齐全（{_names(facts.missing_rongque)}），申请人信用分级不适用容缺受理，请退回补正",
            )
        if facts.missing_rongque and not facts.rongque_requested:
            raise TransitionRefused(
                "rongque_not_requested",
                f"尚缺次要材料（{_names(facts.missing_rongque)}）：如容缺受理，须确认申请人已签署容缺受理承诺书并确定补正期限",
            )
    elif action == Action.DEEM_ACCEPT:
        if not facts.correction_window_closed:
            raise TransitionRefused("window_open", "提交后尚未满5个工作日，不能视为受理")
    elif action == Action.RETURN:
        if facts.correction_window_closed:
            raise TransitionRefused(
                "window_closed",
                "自提交之日起已超过5个工作日，依法不能再退回补正，该申请视为已受理",
            )
        if not facts.correction_items:
            raise TransitionRefused("no_correction_items", "退回补正须一次性列明需要补正的全部材料")
    elif action in (Action.NOT_ACCEPT, Action.REFUSE):
        if not facts.reason_given:
            raise TransitionRefused("no_reason", "须写明理由")
    elif action == Action.FIRST_REVIEW:
        if not facts.reason_given:
            raise TransitionRefused("no_reason", "须填写初审意见")
    elif action == Action.APPROVE:
        if facts.outstanding_supplements:
            raise TransitionRefused(
                "supplements_outstanding",
                f"容缺受理的材料尚未补齐（{_names(facts.outstanding_supplements)}），不能作出许可决定",
            )
        if facts.second_review_required:
            if facts.actor_is_first_reviewer:
                raise TransitionRefused(
                    "same_reviewer",
                    "强化审查须由另一名审批人员复核，出具初审意见的人员不能作出决定",
                )
            if not facts.first_reviewed_by_other:
                raise TransitionRefused(
                    "second_review_missing",
                    "申请人信用分级为“失信关注”，须先由一名审批人员出具初审意见，再由另一名审批人员复核决定",
                )
    elif action == Action.TERMINATE and not facts.supplement_overdue:
        raise TransitionRefused("not_overdue", "容缺材料补正期限未届满或已补齐，不能终止办理")


def rule_for(action: Action) -> Rule:
    return RULES_BY_ACTION[action]


def next_state(state: State, action: Action, actor: Actor, facts: Facts | None = None) -> State:
    """The state after ``actor`` takes ``action`` in ``state``; ``TransitionRefused`` if the
    rule or the guard says no."""
    rule = RULES_BY_ACTION[action]
    if state not in rule.sources:
        raise TransitionRefused(
            "state",
            f"申请当前状态为“{STATE_LABELS_ZH[state]}”，不能执行“{ACTION_LABELS_ZH[action]}”",
        )
    if actor not in rule.actors:
        allowed = "、".join(ACTOR_LABELS_ZH[a] for a in Actor if a in rule.actors)
        raise TransitionRefused("actor", f"“{ACTION_LABELS_ZH[action]}”只能由{allowed}办理")
    _guard(action, actor, facts or Facts())
    return rule.target


def available_actions(state: State, actor: Actor) -> list[Action]:
    """Actions whose rule admits ``actor`` in ``state`` (guards not checked: for showing
    buttons; the service still checks everything when the button is used)."""
    return [
        rule.action
        for rule in RULES
        if state in rule.sources and actor in rule.actors and rule.action != Action.DEEM_ACCEPT
    ]
