"""Tampering done straight in the database — alter, delete, insert, truncate, rewrite — is caught
by ``manage.py verify_audit`` (exit 1, the first bad entry and what happened to it, in Chinese).
The same tests run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from roadcredit.audit.chain import entry_hash
from roadcredit.audit.models import AuditChainHead, AuditEntry, AuditVerification, SignedHead
from roadcredit.audit.services import entry_payload
from roadcredit.core import clock

from .support import sign, verify, write_chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proof_env")]


def rehash_from(seq: int) -> None:
    """What an intruder who knows the hash rule does after a change: recompute every later hash
    and move the writer's head row along."""
    previous = AuditEntry.objects.get(seq=seq - 1).entry_hash if seq > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = previous
        entry.entry_hash = entry_hash(entry_payload(entry), previous)
        AuditEntry.objects.filter(pk=entry.pk).update(
            prev_hash=entry.prev_hash, entry_hash=entry.entry_hash
        )
        previous = entry.entry_hash
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    AuditChainHead.objects.filter(pk=1).update(seq=last.seq, entry_hash=last.entry_hash)


def forged_entry(seq: int, prev_hash: str) -> AuditEntry:
    entry = AuditEntry(
        seq=seq,
        at=clock.now(),
        actor=None,
        actor_label="clerk",
        action="credit.record.delete",
        target_type="credit.creditrecord",
        target_id="k7x2m9p4q8r3s6t5",
        before={"subject": "烟台顺通物流有限公司", "reason": "超限运输"},
        after=None,
        prev_hash=prev_hash,
    )
    entry.entry_hash = entry_hash(entry_payload(entry), prev_hash)
    return entry


def test_an_untouched_trail_verifies_and_the_result_is_recorded(capture_callbacks):
    entries = write_chain()
    sign(capture_callbacks)

    outcome = verify()

    assert outcome.code == 0, outcome.err
    assert f"共校验 {len(entries)} 条记录" in outcome.out
    assert "1 个签名链头均相符" in outcome.out
    recorded = AuditVerification.objects.get()
    assert recorded.ok and recorded.entries_checked == len(entries)


def test_an_altered_entry_is_reported_with_its_number():
    write_chain()
    AuditEntry.objects.filter(seq=2).update(after={"plate": "鲁F99999", "plate_colour": "2"})

    outcome = verify()

    assert outcome.code == 1
    assert "第 2 号记录——记录被篡改" in outcome.err
    recorded = AuditVerification.objects.get()
    assert (recorded.ok, recorded.problem_kind, recorded.problem_seq) == (False, "altered", 2)


def test_an_altered_entry_is_found_through_raw_sql_too():
    write_chain()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_label = %s WHERE seq = %s", ["王窗口", 3])

    outcome = verify()

    assert outcome.code == 1
    assert "第 3 号记录——记录被篡改" in outcome.err


def test_an_entry_altered_and_rehashed_is_caught_by_the_signed_head(capture_callbacks):
    write_chain()
    sign(capture_callbacks)
    AuditEntry.objects.filter(seq=4).update(actor_label="anonymous")
    rehash_from(4)

    outcome = verify()

    assert outcome.code == 1
    assert "记录——链被整体改写" in outcome.err
    assert "已被改写并重新计算哈希" in outcome.err


def test_a_deleted_entry_is_reported_with_its_number():
    write_chain()
    AuditEntry.objects.filter(seq=3).delete()

    outcome = verify()

    assert outcome.code == 1
    assert "第 3 号记录——记录被删除" in outcome.err


def test_a_deletion_hidden_by_renumbering_is_still_found():
    entries = write_chain()
    AuditEntry.objects.filter(seq=3).delete()
    for seq in range(4, len(entries) + 1):
        AuditEntry.objects.filter(seq=seq).update(seq=seq - 1)
    AuditChainHead.objects.filter(pk=1).update(seq=len(entries) - 1)

    outcome = verify()

    assert outcome.code == 1
    assert "第 3 号记录——记录被删除" in outcome.err


def test_an_inserted_entry_is_reported_with_its_number():
    entries = write_chain()
    for seq in range(len(entries), 3, -1):  # make room at 4, from the top (unique seq)
        AuditEntry.objects.filter(seq=seq).update(seq=seq + 1)
    forged_entry(4, entries[2].entry_hash).save(force_insert=True)

    outcome = verify()

    assert outcome.code == 1
    assert "第 4 号记录——记录被插入" in outcome.err


def test_an_entry_appended_behind_the_writers_back_is_reported():
    entries = write_chain()
    forged_entry(len(entries) + 1, entries[-1].entry_hash).save(force_insert=True)

    outcome = verify()

    assert outcome.code == 1
    assert f"第 {len(entries) + 1} 号记录——记录被插入" in outcome.err


def test_a_truncated_tail_is_caught_by_the_signed_head_even_with_the_head_row_moved(
    capture_callbacks,
):
    entries = write_chain()
    sign(capture_callbacks)
    AuditEntry.objects.filter(seq__gt=4).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=4, entry_hash=entries[3].entry_hash)

    outcome = verify()

    assert outcome.code == 1
    assert "第 5 号记录——尾部记录被截断" in outcome.err
    assert f"当时已有第 {len(entries)} 号" in outcome.err


def test_a_wholly_emptied_table_is_caught(capture_callbacks):
    write_chain()
    sign(capture_callbacks)
    AuditEntry.objects.all().delete()
    AuditChainHead.objects.all().delete()

    outcome = verify()

    assert outcome.code == 1
    assert "第 1 号记录——尾部记录被截断" in outcome.err


def test_a_rewrite_with_the_signed_heads_deleted_is_caught_by_the_heads_file(capture_callbacks):
    write_chain()
    sign(capture_callbacks)
    AuditEntry.objects.filter(seq=2).update(after={"plate": "鲁F00001"})
    rehash_from(2)
    SignedHead.objects.all().delete()

    outcome = verify()

    assert outcome.code == 1
    assert "链被整体改写" in outcome.err
    assert "签名链头记录被删除" in outcome.err


def test_a_head_row_edited_to_match_a_rewrite_fails_its_signature(capture_callbacks):
    write_chain()
    head = sign(capture_callbacks)
    AuditEntry.objects.filter(seq=2).update(after={"plate": "鲁F00001"})
    rehash_from(2)
    new_last = AuditEntry.objects.get(seq=head.seq).entry_hash
    SignedHead.objects.filter(pk=head.pk).update(entry_hash=new_last)

    outcome = verify()

    assert outcome.code == 1
    assert "链头签名无效" in outcome.err or "链被整体改写" in outcome.err
    assert "签名验证失败" in outcome.err


def test_a_forged_line_in_the_heads_file_fails_its_signature(capture_callbacks, proof_env):
    write_chain()
    sign(capture_callbacks)
    line = json.loads(proof_env.read_text(encoding="ascii"))
    line["seq"] = line["seq"] + 5
    with proof_env.open("a", encoding="ascii") as handle:
        handle.write(json.dumps(line) + "\n")

    outcome = verify()

    assert outcome.code == 1
    assert "链头签名无效" in outcome.err
    assert "链头文件中" in outcome.err


def test_a_damaged_line_in_the_heads_file_is_a_warning_not_a_failure(capture_callbacks, proof_env):
    write_chain()
    sign(capture_callbacks)
    with proof_env.open("a", encoding="ascii") as handle:
        handle.write('{"seq": 3, "entry_ha\n')

    outcome = verify()

    assert outcome.code == 0
    assert "第 2 行无法解析" in outcome.err
