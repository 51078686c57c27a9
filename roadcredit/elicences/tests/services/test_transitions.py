"""The lifecycle table: every action from every status, allowed or refused (no database)."""

from __future__ import annotations

import pytest

from roadcredit.elicences.transitions import (
    ACTIONS,
    STATUSES,
    TransitionRefused,
    allowed_actions,
    next_status,
)

ALLOWED = {
    ("change", "valid"): "changed",
    ("renew", "valid"): "changed",
    ("renew", "expired"): "changed",
    ("replace", "valid"): "changed",
    ("suspend", "valid"): "suspended",
    ("resume", "suspended"): "valid",
    ("revoke", "valid"): "revoked",
    ("revoke", "suspended"): "revoked",
    ("cancel", "valid"): "cancelled",
    ("cancel", "suspended"): "cancelled",
    ("cancel", "expired"): "cancelled",
    ("expire", "valid"): "expired",
    ("expire", "suspended"): "expired",
}
CASES = [(action, status) for action in ACTIONS for status in STATUSES]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_each_action_from_each_status_follows_the_table(action: str, status: str) -> None:
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(TransitionRefused) as caught:
            next_status(action, status)
        assert "不能执行" in caught.value.message
    else:
        assert next_status(action, status) == expected


@pytest.mark.parametrize("status", ["changed", "revoked", "cancelled"])
def test_a_final_status_allows_nothing(status: str) -> None:
    assert allowed_actions(status) == []


def test_it_refuses_an_unknown_action() -> None:
    with pytest.raises(TransitionRefused, match="未知"):
        next_status("transfer", "valid")


def test_a_suspended_licence_offers_resume_revoke_cancel_and_expiry() -> None:
    assert allowed_actions("suspended") == ["resume", "revoke", "cancel", "expire"]
