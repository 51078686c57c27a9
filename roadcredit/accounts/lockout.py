"""Sign-in lockout and throttling rules (pure: no Django).

* An account name with ``max_failures`` failed sign-ins within ``window`` is locked for
  ``lock_for`` from the last of them. A successful sign-in starts the count afresh; attempts
  refused during a lock do not count (so an attacker cannot keep a user locked out for ever by
  hammering — the lock simply runs its course).
* A network address with ``ip_max_failures`` failed sign-ins (for any names) within ``window``
  is refused for ``lock_for`` — this stops one machine from trying a few passwords on many names.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    ip_max_failures: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock_for: dt.timedelta = dt.timedelta(minutes=15)

    @property
    def lookback(self) -> dt.timedelta:
        """How far back a failure can still matter for a lock running now."""
        return self.window + self.lock_for


def locked_until(
    failures: Sequence[dt.datetime],
    *,
    max_failures: int,
    window: dt.timedelta,
    lock_for: dt.timedelta,
) -> dt.datetime | None:
    """When the lock caused by ``failures`` (ascending times) ends; None if they cause none."""
    if max_failures < 1:
        return None
    until: dt.datetime | None = None
    for last in range(max_failures - 1, len(failures)):
        first = last - max_failures + 1
        if failures[last] - failures[first] <= window:
            end = failures[last] + lock_for
            until = end if until is None or end > until else until
    return until


def minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    """Whole minutes until ``until``, rounded up, at least 1 (what the message says)."""
    return max(1, math.ceil((until - now).total_seconds() / 60))
