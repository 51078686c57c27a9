"""The 2-bit licence status list, its signed envelope and the offline status check."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadcredit.elicences.statuslist import (
    EntryStatus,
    SignedStatusList,
    StatusList,
    StatusListError,
    StatusListRejected,
    apply_status,
    prefer_newest,
    sign_status_list,
    verify_status_list,
)
from roadcredit.elicences.tests.unit.support import CHINA, NOW, InMemorySigner
from roadcredit.elicences.tokens import (
    CborTag,
    LicenceClaims,
    cbor_encode,
    encode_licence_token,
    verify_token,
)
from roadcredit.elicences.trustlist import TrustStore

LIST_ID = "370612-1"
ISSUED = dt.datetime(2026, 3, 2, 6, 0, tzinfo=CHINA)


def test_a_new_list_is_all_valid() -> None:
    status_list = StatusList(1000)
    assert len(status_list) == 1000
    assert all(status_list.get(i) == EntryStatus.VALID for i in range(1000))
    assert status_list.to_bytes() == bytes(250)


def test_it_packs_four_entries_a_byte_least_significant_first() -> None:
    status_list = StatusList(6)
    status_list.set(0, EntryStatus.SUSPENDED)
    status_list.set(1, EntryStatus.REVOKED)
    status_list.set(3, EntryStatus.CANCELLED)
    status_list.set(5, EntryStatus.REVOKED)
    assert status_list.to_bytes() == bytes([0b11_00_10_01, 0b00_00_10_00])


def test_setting_an_entry_leaves_its_neighbours_alone() -> None:
    status_list = StatusList(8)
    for index in range(8):
        status_list.set(index, EntryStatus.CANCELLED)
    status_list.set(5, EntryStatus.VALID)
    assert [status_list.get(i) for i in range(8)] == [EntryStatus.CANCELLED] * 5 + [
        EntryStatus.VALID
    ] + [EntryStatus.CANCELLED] * 2
    status_list.set(5, EntryStatus.SUSPENDED)
    status_list.set(5, EntryStatus.VALID)  # a suspension lifted
    assert status_list.get(5) == EntryStatus.VALID


@given(st.dictionaries(st.integers(0, 9_999), st.sampled_from(list(EntryStatus)), max_size=200))
def test_it_round_trips_through_the_text_form(changes: dict[int, EntryStatus]) -> None:
    status_list = StatusList(10_000)
    for index, status in changes.items():
        status_list.set(index, status)
    text = status_list.encode()
    assert "=" not in text
    decoded = StatusList.decode(text, 10_000)
    assert decoded == status_list
    for index, status in changes.items():
        assert decoded.get(index) == status


def test_a_district_sized_list_is_small() -> None:
    status_list = StatusList(20_000)
    for index in range(0, 20_000, 97):
        status_list.set(index, EntryStatus.REVOKED)
    assert len(status_list.encode()) < 1_000


@pytest.mark.parametrize("index", [-1, 1000, True])
def test_it_refuses_an_index_out_of_range(index: int) -> None:
    status_list = StatusList(1000)
    with pytest.raises(StatusListError, match="超出范围"):
        status_list.get(index)
    with pytest.raises(StatusListError, match="超出范围"):
        status_list.set(index, EntryStatus.REVOKED)


def test_it_refuses_an_unknown_status() -> None:
    with pytest.raises(ValueError):
        StatusList(4).set(0, 4)


@pytest.mark.parametrize("size", [0, -5, 2**24 + 1])
def test_it_refuses_a_size_out_of_range(size: int) -> None:
    with pytest.raises(StatusListError):
        StatusList(size)


@pytest.mark.parametrize(
    ("text", "size", "words"),
    [
        ("不是文本", 8, "base64url"),
        ("eJwDAAAAAAE", 8, "长度"),  # zlib of b"" for a two-byte list
        ("AAAA", 8, "解压"),
        (StatusList(12).encode(), 8, "长度"),
        (StatusList(8).encode(), 0, "条目数"),
    ],
)
def test_it_refuses_a_malformed_text_form(text: str, size: int, words: str) -> None:
    with pytest.raises(StatusListError) as exc:
        StatusList.decode(text, size)
    assert words in str(exc.value)


def test_it_refuses_bits_in_the_spare_slots_of_the_last_byte() -> None:
    with pytest.raises(StatusListError, match="空位"):
        StatusList(5, bits=bytes([0, 0b0000_0100]))


# ---------------------------------------------------------------------------------------------
# Signed envelope


@pytest.fixture
def revoked_list() -> StatusList:
    status_list = StatusList(1000)
    status_list.set(123, EntryStatus.REVOKED)
    status_list.set(124, EntryStatus.SUSPENDED)
    status_list.set(125, EntryStatus.CANCELLED)
    return status_list


def test_it_verifies_a_signed_list(
    signer: InMemorySigner, trust: TrustStore, revoked_list: StatusList
) -> None:
    envelope = sign_status_list(revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=signer)
    signed = verify_status_list(envelope, trust=trust)
    assert signed.list_id == LIST_ID
    assert signed.issued_at == ISSUED
    assert signed.status_list == revoked_list
    assert signed.kid == signer.kid


def test_it_rejects_every_single_byte_change_of_a_signed_list(
    signer: InMemorySigner, trust: TrustStore, revoked_list: StatusList
) -> None:
    envelope = sign_status_list(revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=signer)
    for position in range(len(envelope)):
        forged = bytearray(envelope)
        forged[position] ^= 0x04
        with pytest.raises(StatusListRejected):
            verify_status_list(bytes(forged), trust=trust)


def test_it_rejects_every_truncation_of_a_signed_list(
    signer: InMemorySigner, trust: TrustStore, revoked_list: StatusList
) -> None:
    envelope = sign_status_list(revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=signer)
    for length in range(len(envelope)):
        with pytest.raises(StatusListRejected):
            verify_status_list(envelope[:length], trust=trust)


def test_it_rejects_a_list_signed_by_an_unknown_key(
    trust: TrustStore, revoked_list: StatusList
) -> None:
    envelope = sign_status_list(
        revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=InMemorySigner()
    )
    with pytest.raises(StatusListRejected) as exc:
        verify_status_list(envelope, trust=trust)
    assert exc.value.reason == "unknown_kid"
    assert "信任列表" in exc.value.message


def test_it_rejects_a_licence_token_offered_as_a_status_list(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    from roadcredit.elicences.tokens import PREFIX, b45decode

    token = encode_licence_token(claims, signer)
    cose = zlib.decompress(b45decode(token[len(PREFIX) :]))
    with pytest.raises(StatusListRejected) as exc:
        verify_status_list(cose, trust=trust)
    assert exc.value.reason == "malformed_claims"


def sign_payload(payload: dict[int, object], signer: InMemorySigner) -> bytes:
    protected = cbor_encode({1: -7, 4: signer.kid})
    body = cbor_encode(payload)
    signature = signer.sign(cbor_encode(["Signature1", protected, b"", body]))
    return cbor_encode(CborTag(18, [protected, {}, body, signature]))


@pytest.mark.parametrize(
    "payload",
    [
        {1: "S", 2: LIST_ID, 3: 8, 4: zlib.compress(bytes(3)), 10: 1_772_400_000},
        {1: "S", 2: LIST_ID, 3: 0, 4: zlib.compress(b""), 10: 1_772_400_000},
        {1: "S", 2: LIST_ID, 3: 8, 4: b"not zlib", 10: 1_772_400_000},
        {1: "S", 2: LIST_ID, 3: 8, 4: zlib.compress(bytes(2)), 10: -1},
        {1: "S", 2: 370612, 3: 8, 4: zlib.compress(bytes(2)), 10: 1_772_400_000},
        {1: "S", 2: LIST_ID, 3: 8, 4: zlib.compress(bytes(2))},
    ],
)
def test_it_rejects_a_signed_but_malformed_list(
    signer: InMemorySigner, trust: TrustStore, payload: dict[int, object]
) -> None:
    with pytest.raises(StatusListRejected) as exc:
        verify_status_list(sign_payload(payload, signer), trust=trust)
    assert exc.value.reason == "malformed_claims"


def test_it_rejects_a_list_signed_outside_the_keys_period(
    signer: InMemorySigner, revoked_list: StatusList
) -> None:
    trust = TrustStore([signer.trusted(not_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))])
    envelope = sign_status_list(revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=signer)
    with pytest.raises(StatusListRejected) as exc:
        verify_status_list(envelope, trust=trust)
    assert exc.value.reason == "key_not_valid_at_signing"


def test_it_refuses_to_sign_with_a_naive_time(signer: InMemorySigner) -> None:
    with pytest.raises(StatusListError, match="时区"):
        sign_status_list(
            StatusList(4),
            list_id=LIST_ID,
            issued_at=dt.datetime(2026, 3, 2, 6),  # noqa: DTZ001
            signer=signer,
        )


# ---------------------------------------------------------------------------------------------
# Versions and the offline status check


def signed(issued_at: dt.datetime, list_id: str = LIST_ID) -> SignedStatusList:
    return SignedStatusList(
        list_id=list_id, issued_at=issued_at, status_list=StatusList(4), kid=b"k"
    )


def test_a_verifier_keeps_the_newest_list() -> None:
    morning, noon = signed(ISSUED), signed(ISSUED + dt.timedelta(hours=6))
    assert prefer_newest(None, morning) is morning
    assert prefer_newest(morning, noon) is noon
    assert prefer_newest(noon, morning) is noon  # an older copy never replaces a newer one
    with pytest.raises(StatusListError, match="不一致"):
        prefer_newest(morning, signed(ISSUED, list_id="370612-2"))


@pytest.mark.parametrize(
    ("index", "reason", "message"),
    [
        (123, "licence_revoked", "证照已被吊销或撤销"),
        (124, "licence_suspended", "证照已被暂停使用"),
        (125, "licence_cancelled", "证照已注销或失效"),
    ],
)
def test_a_revocation_reaches_the_offline_verifier_without_reissuing(
    signer: InMemorySigner,
    trust: TrustStore,
    revoked_list: StatusList,
    index: int,
    reason: str,
    message: str,
) -> None:
    from roadcredit.elicences.tests.unit.support import licence_claims

    token = encode_licence_token(licence_claims(status_index=index), signer)
    envelope = sign_status_list(revoked_list, list_id=LIST_ID, issued_at=ISSUED, signer=signer)
    lists = {LIST_ID: verify_status_list(envelope, trust=trust)}
    result = apply_status(verify_token(token, trust=trust, now=NOW), lists)
    assert (result.status, result.reason, result.message) == ("rejected", reason, message)
    assert result.licence_status == int(EntryStatus(revoked_list.get(index)))
    assert result.kind == "licence"


def test_a_valid_entry_is_reported_as_checked(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    result = apply_status(
        verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW),
        {LIST_ID: StatusList(1000)},
    )
    assert result.ok
    assert result.licence_status == 0


def test_an_unknown_list_or_an_index_beyond_it_is_left_unchecked(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    verified = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert apply_status(verified, {}) == verified
    assert apply_status(verified, {LIST_ID: StatusList(100)}) == verified


def test_a_rejected_token_stays_rejected(trust: TrustStore) -> None:
    rejected = verify_token("HC1:ABC", trust=trust, now=NOW)
    assert apply_status(rejected, {LIST_ID: StatusList(4)}) is rejected
