"""Input fingerprint of a grade: SHA-256 over everything that determined it (pure Python).

Canonical text (designed so PostgreSQL can rebuild it with ``string_agg``), UTF-8, lines joined
by ``\\n`` with no trailing newline:

    roadcredit-grade-v1
    <ruleset digest>
    <as_of YYYY-MM-DD>
    <subject_id>|<scheme>|<anchor YYYY-MM-DD or empty>|<flags sorted, joined by ",">
    <one line per fact used, the lines sorted by their text in code-point order>

Each fact line is ``record_id|behaviour_code|direction|severity|points|occurred_on|decided_on|
status|on_serious_list`` (dates ISO, an absent decision date empty, the flag ``1`` or ``0``);
SQL: ``string_agg(line, E'\\n' ORDER BY line COLLATE "C")``. Identifiers never contain ``|``,
``,`` or line breaks (``model.check_facts`` enforces it for facts).

Only the facts the engine used (counted in the graded period or a driver's running cycle) are
included, so a record that does not count (pending, withdrawn, outside the period) does not
change the fingerprint, and the order in which the caller passes facts does not matter.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from roadcredit.credit.grading.model import Fact, Subject

__all__ = ["FINGERPRINT_VERSION", "fact_line", "input_fingerprint"]

FINGERPRINT_VERSION = "roadcredit-grade-v1"


def fact_line(fact: Fact) -> str:
    decided = "" if fact.decided_on is None else fact.decided_on.isoformat()
    return (
        f"{fact.record_id}|{fact.behaviour_code}|{fact.direction}|{fact.severity}|"
        f"{fact.points}|{fact.occurred_on.isoformat()}|{decided}|{fact.status}|"
        f"{1 if fact.on_serious_list else 0}"
    )


def input_fingerprint(
    subject: Subject,
    facts_used: Iterable[Fact],
    ruleset_digest: str,
    as_of: datetime.date,
) -> str:
    anchor = "" if subject.anchor is None else subject.anchor.isoformat()
    flags = ",".join(sorted(subject.flags))
    lines = [
        FINGERPRINT_VERSION,
        ruleset_digest,
        as_of.isoformat(),
        f"{subject.subject_id}|{subject.scheme}|{anchor}|{flags}",
    ]
    lines.extend(sorted(map(fact_line, facts_used)))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
