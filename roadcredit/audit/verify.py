"""Walking the audit chain and judging it (pure: no Django; messages in Chinese).

The walker takes the entries as an iterator in ``seq`` order (it keeps one row behind and one
ahead, so memory stays bounded however long the chain is), the signed heads (from the database
and from the heads file outside it) and two reads of the table's own head row (before and after
the walk). It stops at the first broken entry and says what happened to it:

``altered``    an entry's content no longer matches its hash (or an entry was changed and its
               hash recomputed: its successor still chains to the original hash);
``inserted``   an entry was added that the writer never wrote (spliced in, or beyond the
               writer's own head row);
``deleted``    entries are missing (a gap in the numbers, or a gap closed by renumbering);
``truncated``  the tail is gone: a signed head, or the writer's head row, names an entry the
               table no longer has;
``rewritten``  the chain is internally consistent but differs from a signed head: it was
               recomputed wholesale from some entry on;
``head_signature_invalid``  a signed head does not verify with the bureau's seal certificate;
``head_missing``  a head kept in the heads file has no row in the database (rows were deleted).

Limits, by design: entries written after the newest signed head are protected by their hashes
and by the writer's head row only; an intruder who appends well-formed entries and moves the head
row too is caught by nothing but the next comparison with an outside copy. That is why heads are
signed at the end of every batch job and at least daily.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from .chain import GENESIS_HASH, entry_hash

HEAD_PURPOSE = "roadcredit-audit-head"
HEAD_FORMAT = 1
# How far back a renumbered entry's original number is searched (only at the point of failure).
RENUMBER_SEARCH = 1000


class ProblemKind(StrEnum):
    ALTERED = "altered"
    INSERTED = "inserted"
    DELETED = "deleted"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    HEAD_SIGNATURE_INVALID = "head_signature_invalid"
    HEAD_MISSING = "head_missing"


PROBLEM_LABELS_ZH: dict[ProblemKind, str] = {
    ProblemKind.ALTERED: "记录被篡改",
    ProblemKind.INSERTED: "记录被插入",
    ProblemKind.DELETED: "记录被删除",
    ProblemKind.TRUNCATED: "尾部记录被截断",
    ProblemKind.REWRITTEN: "链被整体改写（与签名链头不符）",
    ProblemKind.HEAD_SIGNATURE_INVALID: "链头签名无效",
    ProblemKind.HEAD_MISSING: "签名链头记录被删除",
}


@dataclass(frozen=True)
class Row:
    """One audit entry as stored: its number, hashes and the fields its hash covers."""

    seq: int
    prev_hash: str
    entry_hash: str
    payload: dict[str, Any]


HeadSource = Literal["database", "file"]
_SOURCE_ZH: dict[HeadSource, str] = {"database": "数据库", "file": "链头文件"}


@dataclass(frozen=True)
class Head:
    """A signed chain head, as read from the database or from one line of the heads file."""

    seq: int
    entry_hash: str
    signed_at: str  # ISO 8601, UTC, as signed
    kid: str  # hex
    alg: int
    signature: str  # hex, raw r||s for ECDSA
    source: HeadSource = "database"
    reason: str = ""

    @property
    def identity(self) -> tuple[int, str, str, str, str]:
        return (self.seq, self.entry_hash, self.signed_at, self.kid, self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": HEAD_FORMAT,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "signed_at": self.signed_at,
            "kid": self.kid,
            "alg": self.alg,
            "signature": self.signature,
            "reason": self.reason,
        }


def head_message(*, seq: int, entry_hash: str, signed_at: str, kid: str) -> bytes:
    """The exact bytes a head's signature covers. The purpose string keeps a head signature
    from ever being taken for a licence token signature made with the same seal key."""
    body = {
        "purpose": HEAD_PURPOSE,
        "v": HEAD_FORMAT,
        "seq": seq,
        "entry_hash": entry_hash,
        "signed_at": signed_at,
        "kid": kid,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def head_from_json(data: dict[str, Any], *, source: HeadSource) -> Head:
    """Parse one heads-file line (already JSON-decoded); ``ValueError`` if malformed."""
    try:
        head = Head(
            seq=int(data["seq"]),
            entry_hash=str(data["entry_hash"]),
            signed_at=str(data["signed_at"]),
            kid=str(data["kid"]),
            alg=int(data["alg"]),
            signature=str(data["signature"]),
            source=source,
            reason=str(data.get("reason", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed head: {exc}") from exc
    if head.seq < 0 or len(head.entry_hash) != 64:
        raise ValueError("malformed head: bad seq or hash")
    return head


@dataclass(frozen=True)
class Finding:
    kind: ProblemKind
    seq: int  # the first entry concerned (for a rewrite: the first entry that may differ)
    message: str
    until: int | None = None  # for a rewrite: the last entry that may differ

    @property
    def label(self) -> str:
        return PROBLEM_LABELS_ZH[self.kind]

    @property
    def where(self) -> str:
        if self.until is not None and self.until != self.seq:
            return f"第 {self.seq}–{self.until} 号记录"
        return f"第 {self.seq} 号记录"


BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing_time(iso: str) -> str:
    """``2026-03-09T01:15:00+00:00`` → ``2026-03-09 09:15:00（北京时间）`` (as given if unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        return iso
    return f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}（北京时间）"


@dataclass
class Report:
    entries: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    heads_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        """The problem with the lowest sequence number (chain problems first on a tie)."""
        if not self.findings:
            return None
        order = {kind: index for index, kind in enumerate(ProblemKind)}
        return min(self.findings, key=lambda f: (f.seq, order[f.kind]))

    def summary(self) -> str:
        first = self.first
        if first is None:
            return (
                f"审计日志完整：共校验 {self.entries} 条记录（至第 {self.last_seq} 号），"
                f"{self.heads_checked} 个签名链头均相符。"
            )
        return f"审计日志校验失败：{first.where}——{first.label}。{first.message}"


# --- the walk ---------------------------------------------------------------------------------
def _recomputes(row: Row, *, seq: int | None = None) -> bool:
    payload = row.payload if seq is None else {**row.payload, "seq": seq}
    return entry_hash(payload, row.prev_hash) == row.entry_hash


def _original_seq(row: Row) -> int | None:
    """The number a renumbered entry was written with, if it is near its current number."""
    for delta in range(1, RENUMBER_SEARCH + 1):
        for candidate in (row.seq + delta, row.seq - delta):
            if candidate > 0 and _recomputes(row, seq=candidate):
                return candidate
    return None


def _shifted_by_one(row: Row | None, *, links_to: str) -> bool:
    """``row`` was written one number lower and still links to ``links_to``: an entry was put
    in front of it and everything after was renumbered."""
    return (
        row is not None
        and row.prev_hash == links_to
        and row.seq >= 2
        and _recomputes(row, seq=row.seq - 1)
    )


def _classify(
    row: Row, *, expected: int, prev_hash: str, prev_row: Row | None, next_row: Row | None
) -> Finding | None:
    """Judge ``row`` (numbered ``expected``) against the last good entry; None if it is good."""
    if row.seq > expected:
        missing = (
            f"第 {expected} 号" if row.seq == expected + 1 else f"第 {expected}–{row.seq - 1} 号"
        )
        return Finding(
            ProblemKind.DELETED, expected, f"{missing}记录缺失（编号不连续），已被删除。"
        )
    if row.seq < expected:
        return Finding(ProblemKind.INSERTED, row.seq, "出现重复编号的记录，系插入。")
    links = row.prev_hash == prev_hash
    intact = _recomputes(row)
    if links and intact:
        return None
    if links:
        if _shifted_by_one(next_row, links_to=prev_hash):
            return Finding(
                ProblemKind.INSERTED,
                row.seq,
                "该记录不是系统写入的：其后记录仍链接到它之前的记录，且编号被顺延。",
            )
        return Finding(ProblemKind.ALTERED, row.seq, "记录内容与其哈希值不符，内容已被修改。")
    if prev_row is not None and row.prev_hash == prev_row.prev_hash:
        return Finding(
            ProblemKind.INSERTED,
            prev_row.seq,
            f"第 {prev_row.seq} 号记录是插入的：其后的记录仍链接到它之前的记录。",
        )
    if intact:
        if prev_row is None:
            return Finding(
                ProblemKind.ALTERED,
                row.seq,
                "记录没有链接到应有的前一条记录（链的起点或已签名链头），链已被改动。",
            )
        return Finding(
            ProblemKind.ALTERED,
            prev_row.seq,
            f"第 {prev_row.seq} 号记录被修改并重新计算了哈希：第 {row.seq} 号记录仍链接到原值。",
        )
    original = _original_seq(row)
    if original is not None and original > row.seq:
        count = original - row.seq
        return Finding(
            ProblemKind.DELETED,
            row.seq,
            f"此处有 {count} 条记录被删除，其后记录被重新编号以掩盖缺口"
            f"（本条原为第 {original} 号）。",
        )
    if original is not None or _shifted_by_one(next_row, links_to=prev_hash):
        return Finding(
            ProblemKind.INSERTED, row.seq, "此处插入了记录，其后记录被重新编号（编号被顺延）。"
        )
    return Finding(ProblemKind.ALTERED, row.seq, "记录内容与其哈希值不符，内容已被修改。")


def _lookahead(rows: Iterable[Row]) -> Iterator[tuple[Row, Row | None]]:
    iterator = iter(rows)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def walk(
    rows: Iterable[Row],
    *,
    heads: Sequence[Head] = (),
    signature_ok: Callable[[Head], bool] | None = None,
    table_head_before: tuple[int, str] | None = None,
    table_head_after: Callable[[], tuple[int, str] | None] | None = None,
    start_seq: int = 1,
    start_hash: str = GENESIS_HASH,
    heads_cross_check: bool = False,
) -> Report:
    """Walk ``rows`` (in ``seq`` order, starting at ``start_seq`` whose predecessor has
    ``start_hash``) and return the report.

    ``heads``: signed heads from every source; each is checked with ``signature_ok`` first and
    ignored for chain comparisons if its signature fails. ``table_head_before``: the writer's
    head row read before the walk (every entry up to it must be present); ``table_head_after``:
    read after the walk (no entry may lie beyond it — that one was inserted behind the writer's
    back). Reading one before and one after keeps concurrent writers from causing false alarms.
    ``heads_cross_check``: the heads include every database row, so a file head without an
    identical database row means rows were deleted.
    """
    report = Report(last_seq=start_seq - 1, last_hash=start_hash)
    trusted = _check_heads(heads, signature_ok, report, cross_check=heads_cross_check)
    pending = sorted(trusted, key=lambda h: h.seq)
    head_index = 0
    last_matching_head = start_seq - 1
    while head_index < len(pending) and pending[head_index].seq < start_seq:
        head_index += 1  # heads before the walked segment are checked by the caller

    expected = start_seq
    prev_hash = start_hash
    prev_row: Row | None = None
    chain_finding: Finding | None = None
    for row, next_row in _lookahead(rows):
        finding = _classify(
            row, expected=expected, prev_hash=prev_hash, prev_row=prev_row, next_row=next_row
        )
        if finding is not None:
            chain_finding = finding
            break
        while head_index < len(pending) and pending[head_index].seq <= row.seq:
            head = pending[head_index]
            head_index += 1
            if head.seq < row.seq:
                continue  # cannot happen without a gap, which is reported above
            if head.entry_hash != row.entry_hash:
                chain_finding = Finding(
                    ProblemKind.REWRITTEN,
                    last_matching_head + 1,
                    f"第 {last_matching_head + 1}–{head.seq} 号之间的记录已被改写并重新计算哈希："
                    f"与 {beijing_time(head.signed_at)}签名的链头（第 {head.seq} 号）不符。",
                    until=head.seq,
                )
                break
            last_matching_head = head.seq
        if (
            chain_finding is None
            and table_head_before is not None
            and row.seq == table_head_before[0]
            and row.entry_hash != table_head_before[1]
        ):
            chain_finding = Finding(
                ProblemKind.REWRITTEN,
                row.seq,
                f"第 {row.seq} 号记录的哈希与系统链头记录不符：记录被改写（或链头记录被改动）。",
            )
        if chain_finding is not None:
            break
        report.entries += 1
        report.last_seq = row.seq
        report.last_hash = row.entry_hash
        expected = row.seq + 1
        prev_hash = row.entry_hash
        prev_row = row

    after = table_head_after() if table_head_after is not None else None
    if chain_finding is not None:
        if after is not None and chain_finding.seq > after[0]:
            chain_finding = Finding(
                ProblemKind.INSERTED,
                chain_finding.seq,
                f"该记录编号超出系统记录的链头（第 {after[0]} 号），系在系统之外插入。",
            )
        report.findings.append(chain_finding)
        return report

    # The chain itself is sound as far as it goes; now its length.
    beyond = [head for head in pending[head_index:] if head.seq > report.last_seq]
    if beyond:
        head = max(beyond, key=lambda h: h.seq)
        report.findings.append(
            Finding(
                ProblemKind.TRUNCATED,
                report.last_seq + 1,
                f"表中只剩到第 {report.last_seq} 号，但 {beijing_time(head.signed_at)}签名的链头证明"
                f"当时已有第 {head.seq} 号：尾部记录被删除。",
            )
        )
    if table_head_before is not None and table_head_before[0] > report.last_seq and not beyond:
        report.findings.append(
            Finding(
                ProblemKind.TRUNCATED,
                report.last_seq + 1,
                f"系统链头记录为第 {table_head_before[0]} 号，表中只剩到第 {report.last_seq} 号："
                "尾部记录被删除。",
            )
        )
    if after is not None and report.last_seq > after[0]:
        report.findings.append(
            Finding(
                ProblemKind.INSERTED,
                after[0] + 1,
                f"第 {after[0] + 1} 号及之后的记录超出系统记录的链头，系在系统之外插入。",
            )
        )
    return report


def _check_heads(
    heads: Sequence[Head],
    signature_ok: Callable[[Head], bool] | None,
    report: Report,
    *,
    cross_check: bool,
) -> list[Head]:
    """Verify each distinct head once; return those that verify. Adds the findings for heads
    whose signature fails and (``cross_check``) for file heads whose database row is gone."""
    unique: dict[tuple[int, str, str, str, str], list[Head]] = {}
    for head in heads:
        unique.setdefault(head.identity, []).append(head)
    in_database = {h.identity for h in heads if h.source == "database"}
    trusted: list[Head] = []
    for identity, copies in unique.items():
        head = copies[0]
        report.heads_checked += 1
        if signature_ok is not None and not signature_ok(head):
            sources = "、".join(sorted({_SOURCE_ZH[c.source] for c in copies}))
            report.findings.append(
                Finding(
                    ProblemKind.HEAD_SIGNATURE_INVALID,
                    head.seq,
                    f"{sources}中 {beijing_time(head.signed_at)}的第 {head.seq} 号链头签名验证失败"
                    f"（密钥 {head.kid}）。",
                )
            )
            continue
        trusted.append(head)
        if cross_check and identity not in in_database:
            report.findings.append(
                Finding(
                    ProblemKind.HEAD_MISSING,
                    head.seq,
                    f"链头文件中 {beijing_time(head.signed_at)}签名的第 {head.seq} 号链头在数据库中不存在："
                    "签名链头记录被删除。",
                )
            )
    return trusted
