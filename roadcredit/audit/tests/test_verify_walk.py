"""The chain walker on its own (no database): each kind of tampering is named, at the right
entry, and nothing is reported for an intact chain or for writers racing the walk."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from roadcredit.audit.chain import GENESIS_HASH, entry_hash
from roadcredit.audit.verify import Head, ProblemKind, Row, head_from_json, head_message, walk

ACTIONS = [
    ("subjects.operator.create", "烟台顺通物流有限公司"),
    ("subjects.vehicle.create", "鲁F12345"),
    ("subjects.practitioner.create", "王建华"),
    ("credit.record.create", "超限运输"),
    ("subjects.operator.update", "牟平区宏达运输有限公司"),
    ("elicences.licence.issue", "鲁交运管许可烟字370612000001号"),
    ("subjects.vehicle.update", "鲁F54321"),
    ("credit.record.repair", "信用修复"),
]


def payload(seq: int, action: str, name: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": f"2026-03-0{1 + seq % 8}T08:{seq % 60:02d}:00.000000+00:00",
        "actor_id": 7,
        "actor_label": "clerk",
        "action": action,
        "target_type": action.rsplit(".", 1)[0],
        "target_id": f"k{seq:03d}",
        "before": None,
        "after": {"name": name},
    }


def chain(count: int = 8) -> list[Row]:
    rows: list[Row] = []
    previous = GENESIS_HASH
    for seq in range(1, count + 1):
        action, name = ACTIONS[(seq - 1) % len(ACTIONS)]
        body = payload(seq, action, name)
        rows.append(Row(seq, previous, entry_hash(body, previous), body))
        previous = rows[-1].entry_hash
    return rows


def rehash_from(rows: list[Row], index: int) -> list[Row]:
    """What an intruder who knows the hash rule does: recompute every hash from ``index`` on."""
    fixed = rows[:index]
    previous = fixed[-1].entry_hash if fixed else GENESIS_HASH
    for row in rows[index:]:
        fixed.append(Row(row.seq, previous, entry_hash(row.payload, previous), row.payload))
        previous = fixed[-1].entry_hash
    return fixed


def renumber(row: Row, seq: int) -> Row:
    return dataclasses.replace(row, seq=seq, payload={**row.payload, "seq": seq})


def head(row: Row, *, signed_at: str = "2026-03-09T01:15:00.000000+00:00", **extra: Any) -> Head:
    return Head(
        seq=row.seq,
        entry_hash=row.entry_hash,
        signed_at=signed_at,
        kid="0011223344556677",
        alg=-7,
        signature="aa" * 64,
        **extra,
    )


def first(report: Any) -> tuple[ProblemKind, int]:
    assert report.first is not None, report.summary()
    return report.first.kind, report.first.seq


def test_an_intact_chain_passes_with_its_heads_and_table_head():
    rows = chain()
    report = walk(
        rows,
        heads=[head(rows[3]), head(rows[7], source="file")],
        signature_ok=lambda h: True,
        table_head_before=(8, rows[7].entry_hash),
        table_head_after=lambda: (8, rows[7].entry_hash),
        heads_cross_check=False,
    )
    assert report.ok
    assert (report.entries, report.last_seq, report.heads_checked) == (8, 8, 2)
    assert "审计日志完整" in report.summary()


def test_an_empty_chain_passes():
    assert walk([]).ok


def test_an_altered_entry_is_named():
    rows = chain()
    rows[4] = dataclasses.replace(rows[4], payload={**rows[4].payload, "after": {"name": "篡改"}})
    report = walk(rows)
    assert first(report) == (ProblemKind.ALTERED, 5)
    assert "第 5 号记录——记录被篡改" in report.summary()


def test_an_entry_altered_with_its_hash_recomputed_is_named_by_its_successor():
    rows = chain()
    forged = {**rows[2].payload, "after": {"name": "张志强（改）"}}
    rows[2] = Row(3, rows[2].prev_hash, entry_hash(forged, rows[2].prev_hash), forged)
    assert first(walk(rows)) == (ProblemKind.ALTERED, 3)


def test_a_deleted_entry_leaves_a_gap():
    rows = chain()
    del rows[3]
    report = walk(rows)
    assert first(report) == (ProblemKind.DELETED, 4)
    assert "第 4 号记录缺失" in report.summary()


def test_deleted_entries_hidden_by_renumbering_are_found():
    rows = chain()
    rows = rows[:2] + [renumber(row, row.seq - 2) for row in rows[4:]]
    report = walk(rows)
    assert first(report) == (ProblemKind.DELETED, 3)
    assert "2 条记录被删除" in report.summary()


def test_a_well_formed_entry_spliced_in_is_named_inserted():
    rows = chain()
    body = payload(4, "credit.record.delete", "撤销记录")
    forged = Row(4, rows[2].entry_hash, entry_hash(body, rows[2].entry_hash), body)
    rows = [*rows[:3], forged, *(renumber(row, row.seq + 1) for row in rows[3:])]
    assert first(walk(rows)) == (ProblemKind.INSERTED, 4)


def test_a_malformed_entry_spliced_in_is_named_inserted():
    rows = chain()
    forged = Row(4, "f" * 64, "e" * 64, payload(4, "credit.record.delete", "撤销记录"))
    shifted = [renumber(row, row.seq + 1) for row in rows[3:]]
    rows = [*rows[:3], forged, *shifted]
    assert first(walk(rows)) == (ProblemKind.INSERTED, 4)


def test_an_entry_appended_behind_the_writers_back_is_named_inserted():
    rows = chain()
    body = payload(9, "subjects.operator.delete", "烟台顺通物流有限公司")
    rows.append(Row(9, rows[7].entry_hash, entry_hash(body, rows[7].entry_hash), body))
    report = walk(rows, table_head_before=(8, rows[7].entry_hash), table_head_after=lambda: (8, ""))
    assert first(report) == (ProblemKind.INSERTED, 9)


def test_a_malformed_entry_appended_is_named_inserted():
    rows = chain()
    rows.append(Row(9, rows[7].entry_hash, "0" * 64, payload(9, "x", "y")))
    report = walk(rows, table_head_after=lambda: (8, rows[7].entry_hash))
    assert first(report) == (ProblemKind.INSERTED, 9)


def test_a_cut_tail_is_caught_by_a_signed_head():
    rows = chain()
    report = walk(rows[:5], heads=[head(rows[6])], signature_ok=lambda h: True)
    assert first(report) == (ProblemKind.TRUNCATED, 6)
    assert "尾部记录被截断" in report.summary()


def test_a_cut_tail_is_caught_by_the_writers_head_row():
    rows = chain()
    report = walk(rows[:5], table_head_before=(8, rows[7].entry_hash))
    assert first(report) == (ProblemKind.TRUNCATED, 6)


def test_a_wholesale_rewrite_is_caught_by_a_signed_head():
    rows = chain()
    signed = [head(rows[1]), head(rows[5])]
    rows[3] = dataclasses.replace(rows[3], payload={**rows[3].payload, "after": {"name": "改"}})
    rewritten = rehash_from(rows, 3)
    report = walk(
        rewritten,
        heads=signed,
        signature_ok=lambda h: True,
        table_head_before=(8, rewritten[7].entry_hash),
    )
    assert first(report) == (ProblemKind.REWRITTEN, 3)
    assert "第 3–6 号记录——链被整体改写" in report.summary()


def test_a_head_with_a_bad_signature_is_reported_and_not_trusted():
    rows = chain()
    bad = head(rows[6])
    report = walk(rows[:5], heads=[bad], signature_ok=lambda h: False)
    assert [f.kind for f in report.findings] == [ProblemKind.HEAD_SIGNATURE_INVALID]
    assert first(report) == (ProblemKind.HEAD_SIGNATURE_INVALID, 7)


def test_a_file_head_whose_database_row_is_gone_is_reported():
    rows = chain()
    kept = head(rows[2])
    only_in_file = head(rows[5], source="file")
    report = walk(
        rows,
        heads=[kept, dataclasses.replace(kept, source="file"), only_in_file],
        signature_ok=lambda h: True,
        heads_cross_check=True,
    )
    assert first(report) == (ProblemKind.HEAD_MISSING, 6)
    assert report.heads_checked == 2


def test_entries_committed_during_the_walk_are_no_alarm():
    rows = chain()
    # The head row said 6 before the walk; writers appended 7 and 8 meanwhile.
    report = walk(
        rows,
        table_head_before=(6, rows[5].entry_hash),
        table_head_after=lambda: (8, rows[7].entry_hash),
    )
    assert report.ok


def test_a_segment_walk_starts_from_a_signed_head():
    rows = chain()
    report = walk(rows[4:], start_seq=5, start_hash=rows[3].entry_hash)
    assert report.ok and report.entries == 4
    broken = walk(rows[4:], start_seq=5, start_hash="1" * 64)
    assert first(broken) == (ProblemKind.ALTERED, 5)


def test_the_signed_message_names_its_purpose_and_every_field():
    message = head_message(seq=8, entry_hash="ab" * 32, signed_at="2026-03-09T01:15:00", kid="00")
    assert message.startswith(b'{"entry_hash":"abab')
    assert b'"purpose":"roadcredit-audit-head"' in message
    assert b'"seq":8' in message


@pytest.mark.parametrize(
    "line",
    [{}, {"seq": "x"}, {"seq": 1, "entry_hash": "short", "signed_at": "", "kid": "", "alg": -7}],
)
def test_a_malformed_head_line_is_refused(line):
    with pytest.raises(ValueError):
        head_from_json(line, source="file")


def test_a_last_entry_rewritten_with_its_hash_is_caught_by_the_writers_head_row():
    rows = chain()
    forged = {**rows[7].payload, "after": {"name": "篡改"}}
    rows[7] = Row(8, rows[7].prev_hash, entry_hash(forged, rows[7].prev_hash), forged)
    report = walk(rows, table_head_before=(8, chain()[7].entry_hash))
    assert first(report) == (ProblemKind.REWRITTEN, 8)


def test_a_cut_tail_is_reported_once_when_both_a_head_and_the_head_row_show_it():
    rows = chain()
    report = walk(
        rows[:5],
        heads=[head(rows[7])],
        signature_ok=lambda h: True,
        table_head_before=(8, rows[7].entry_hash),
    )
    assert [f.kind for f in report.findings] == [ProblemKind.TRUNCATED]


def test_the_walk_streams_a_long_chain_in_bounded_memory():
    import tracemalloc

    count = 10_000

    def rows() -> Any:
        previous = GENESIS_HASH
        for seq in range(1, count + 1):
            body = payload(seq, "credit.record.create", "超限运输")
            digest = entry_hash(body, previous)
            yield Row(seq, previous, digest, body)
            previous = digest

    tracemalloc.start()
    report = walk(rows())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert report.ok and report.entries == count
    assert peak < 2 * 1024 * 1024  # the rows kept in a list would take several times that
