"""Signed chain heads: made with the bureau's seal key, kept in the database and appended to a
file outside it, signed at the end of every batch job, never over a broken chain; the leaders'
page shows them with the last verification."""

from __future__ import annotations

import io
import json
import stat

import pytest
from django.core.management import call_command

from roadcredit.accounts.roles import Role
from roadcredit.audit.heads import (
    AuditChainBroken,
    audit_head_sign,
    head_of,
    read_head_file,
    signature_checker,
)
from roadcredit.audit.models import AuditEntry, SignedHead
from roadcredit.core.jobs import job_submit
from roadcredit.core.tests.jobs_demo.jobs import KIND
from roadcredit.elicences import signing

from .support import sign, verify, write_chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proof_env")]


def test_a_head_names_the_newest_entry_and_verifies_with_the_seal(capture_callbacks):
    entries = write_chain()

    head = sign(capture_callbacks, reason="daily")

    assert (head.seq, head.entry_hash) == (entries[-1].seq, entries[-1].entry_hash)
    assert head.kid == signing.active_seal().kid.hex()
    assert head.alg == -7 and len(bytes.fromhex(head.signature)) == 64
    assert signature_checker()(head_of(head))


def test_each_head_is_appended_to_the_file_outside_the_database(capture_callbacks, proof_env):
    write_chain(operators=1)
    first = sign(capture_callbacks)
    write_chain(operators=1)
    second = sign(capture_callbacks)

    lines = proof_env.read_text(encoding="ascii").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [first.seq, second.seq]
    assert stat.S_IMODE(proof_env.stat().st_mode) & 0o007 == 0  # not world-readable
    heads, warnings = read_head_file()
    assert [h.identity for h in heads] == [head_of(first).identity, head_of(second).identity]
    assert warnings == []


def test_a_head_in_a_transaction_that_rolls_back_never_reaches_the_file(proof_env):
    write_chain(operators=1)
    # The test's own transaction never commits: the row exists inside it, the line does not.
    assert audit_head_sign(reason="manual") is not None
    assert SignedHead.objects.count() == 1
    assert not proof_env.exists()


def test_an_empty_chain_has_nothing_to_sign():
    assert audit_head_sign(reason="daily") is None
    assert not SignedHead.objects.exists()


def test_it_refuses_to_sign_over_entries_broken_since_the_last_head(capture_callbacks, proof_env):
    write_chain(operators=1)
    sign(capture_callbacks)
    write_chain(operators=1)
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    AuditEntry.objects.filter(pk=newest.pk).update(actor_label="anonymous")

    with pytest.raises(AuditChainBroken, match="自上次签名以来审计日志已被破坏"):
        audit_head_sign(reason="daily")
    assert SignedHead.objects.count() == 1
    assert len(proof_env.read_text(encoding="ascii").splitlines()) == 1


def test_it_refuses_to_sign_when_the_last_head_no_longer_matches(capture_callbacks):
    write_chain(operators=1)
    head = sign(capture_callbacks)
    AuditEntry.objects.filter(seq=head.seq).update(entry_hash="0" * 64)

    with pytest.raises(AuditChainBroken, match="与最新的签名链头不符"):
        audit_head_sign(reason="daily")


def test_the_command_signs_and_says_so_in_chinese(capture_callbacks, proof_env):
    write_chain(operators=1)
    out = io.StringIO()
    with capture_callbacks(execute=True):
        call_command("sign_audit_head", stdout=out)
    assert "已签名审计链头：第 4 号" in out.getvalue()
    assert SignedHead.objects.get().reason == "daily"
    assert proof_env.exists()


def test_the_command_exits_1_over_a_broken_chain(capture_callbacks):
    write_chain(operators=1)
    AuditEntry.objects.filter(seq=2).update(action="subjects.vehicle.delete")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("sign_audit_head", stderr=err)
    assert exited.value.code == 1
    assert "未签名" in err.getvalue() and "第 2 号记录——记录被篡改" in err.getvalue()


def test_the_end_of_a_batch_job_signs_the_head(capture_callbacks, proof_env):
    write_chain(operators=1)

    with capture_callbacks(execute=True):
        job = job_submit(actor=None, kind=KIND, params={"n": 12, "chunk": 5}, run="inline")

    head = SignedHead.objects.get()
    assert head.reason == f"job:{KIND}:{job.public_id}"
    assert head.seq == AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    assert json.loads(proof_env.read_text(encoding="ascii"))["seq"] == head.seq
    assert verify().code == 0


def test_a_job_ends_normally_even_when_the_head_cannot_be_signed(settings):
    settings.KEYSTORE_AUTO_CREATE = False  # production without seal keys: signing fails
    job = job_submit(actor=None, kind=KIND, params={"n": 3, "chunk": 5}, run="inline")
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert not SignedHead.objects.exists()


def test_leaders_see_the_heads_and_the_last_verification(capture_callbacks, client_as):
    write_chain()
    sign(capture_callbacks, reason="daily")
    verify()

    response = client_as(Role.LEADER).get("/audit/heads/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "审计日志防篡改证明" in html
    assert "完整，未发现篡改" in html
    assert "每日定时签名" in html
    assert "有效" in html and "无效" not in html
    assert SignedHead.objects.get().entry_hash in html


def test_leaders_see_a_failed_verification_named_in_chinese(capture_callbacks, client_as):
    write_chain()
    AuditEntry.objects.filter(seq=3).delete()
    verify()

    html = client_as(Role.AUDITADMIN).get("/audit/heads/").content.decode()

    assert "发现篡改" in html and "记录被删除" in html


@pytest.mark.parametrize(
    "role", [Role.CLERK, Role.APPROVER, Role.SYSADMIN, Role.SECADMIN, Role.OPERATOR, None]
)
def test_the_heads_page_is_refused_to_everyone_else(client_as, role):
    response = client_as(role).get("/audit/heads/")
    assert response.status_code == (302 if role is None else 403)
