"""Which lifecycle action may move a licence from which status, and where to — pure, no Django.

Statuses: ``valid`` 有效, ``changed`` 已变更 (superseded by a newer version), ``suspended`` 已暂停,
``revoked`` 已吊销, ``cancelled`` 已注销, ``expired`` 已过期. ``changed``, ``revoked`` and
``cancelled`` are final; ``expired`` is final except that the licence may still be renewed
(延续, a new version) or cancelled (注销 of an expired licence closes the file).

Actions that make a new version (``change``, ``renew``, ``replace``) move the *old* version to
``changed``; the new version starts ``valid``.

Messages are Chinese constants (this module cannot use gettext).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ACTIONS",
    "FINAL_STATUSES",
    "STATUSES",
    "Action",
    "TransitionRefused",
    "allowed_actions",
    "next_status",
]

Status = Literal["valid", "changed", "suspended", "revoked", "cancelled", "expired"]
ActionName = Literal[
    "change", "renew", "replace", "suspend", "resume", "revoke", "cancel", "expire"
]

STATUSES: Final[tuple[Status, ...]] = (
    "valid",
    "changed",
    "suspended",
    "revoked",
    "cancelled",
    "expired",
)
FINAL_STATUSES: Final = frozenset({"changed", "revoked", "cancelled"})

STATUS_NAMES_ZH: Final[dict[str, str]] = {
    "valid": "有效",
    "changed": "已变更",
    "suspended": "已暂停",
    "revoked": "已吊销",
    "cancelled": "已注销",
    "expired": "已过期",
}


@dataclass(frozen=True)
class Action:
    name: ActionName
    name_zh: str
    sources: frozenset[str]
    target: Status
    new_version: bool = False


ACTIONS: Final[dict[str, Action]] = {
    action.name: action
    for action in (
        Action("change", "变更", frozenset({"valid"}), "changed", new_version=True),
        Action(
            "renew", "延续（换证）", frozenset({"valid", "expired"}), "changed", new_version=True
        ),
        Action("replace", "补证", frozenset({"valid"}), "changed", new_version=True),
        Action("suspend", "暂停", frozenset({"valid"}), "suspended"),
        Action("resume", "恢复", frozenset({"suspended"}), "valid"),
        Action("revoke", "吊销", frozenset({"valid", "suspended"}), "revoked"),
        Action("cancel", "注销", frozenset({"valid", "suspended", "expired"}), "cancelled"),
        Action("expire", "到期失效", frozenset({"valid", "suspended"}), "expired"),
    )
}


class TransitionRefused(ValueError):
    """The action is not allowed from the licence's current status; ``message`` is Chinese."""

    def __init__(self, action: str, status: str, message: str) -> None:
        super().__init__(message)
        self.action = action
        self.status = status
        self.message = message


def next_status(action: str, status: str) -> Status:
    """The status the licence (the old version, for versioning actions) moves to."""
    found = ACTIONS.get(action)
    if found is None:
        raise TransitionRefused(action, status, f"未知的证照操作：{action}")
    if status not in found.sources:
        current = STATUS_NAMES_ZH.get(status, status)
        raise TransitionRefused(
            action, status, f"证照当前状态为“{current}”，不能执行“{found.name_zh}”操作"
        )
    return found.target


def allowed_actions(status: str) -> list[str]:
    """Actions allowed from ``status``, in table order (for the staff page's buttons)."""
    return [name for name, action in ACTIONS.items() if status in action.sources]
