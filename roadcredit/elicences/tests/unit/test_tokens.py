"""Signed QR tokens: round trip, every way of breaking them, presentation expiry, privacy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib

import base45
import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadcredit.elicences.tests.unit.support import (
    CERT_FROM,
    CHINA,
    ISSUER,
    NOW,
    InMemorySigner,
    licence_claims,
)
from roadcredit.elicences.tokens import (
    MAX_DECOMPRESSED,
    PREFIX,
    REASON_MESSAGES,
    CborError,
    CborTag,
    LicenceClaims,
    TokenError,
    b45decode,
    b45encode,
    cbor_decode,
    cbor_encode,
    cose_sign1_create,
    encode_licence_token,
    encode_presentation_token,
    token_from_scan,
    verification_url,
    verify_token,
)
from roadcredit.elicences.trustlist import TrustStore

ZHANG_WEI_ID = "370612198503150018"  # persona driver 张伟
B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cose_of(token: str) -> bytes:
    return zlib.decompress(b45decode(token[len(PREFIX) :]))


def token_of(cose: bytes) -> str:
    return PREFIX + b45encode(zlib.compress(cose, 9))


def sign_raw(
    payload: bytes, signer: InMemorySigner, protected: dict[int, object] | None = None
) -> bytes:
    """A COSE_Sign1 with any payload and protected header, validly signed by ``signer``."""
    headers = protected if protected is not None else {1: -7, 4: signer.kid}
    protected_bytes = cbor_encode(headers)
    to_sign = cbor_encode(["Signature1", protected_bytes, b"", payload])
    return cbor_encode(CborTag(18, [protected_bytes, {}, payload, signer.sign(to_sign)]))


# ---------------------------------------------------------------------------------------------
# Round trip


def test_it_verifies_a_licence_token_it_signed(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    assert token.startswith("RC1:")
    assert set(token[4:]) <= set(B45_ALPHABET)
    result = verify_token(token, trust=trust, now=NOW)
    assert result.ok
    assert result.status == "ok"
    assert result.reason is None
    assert result.kind == "licence"
    assert "电子证照二维码" in result.message
    assert result.claims == claims
    assert result.kid == signer.kid
    assert result.licence_status is None


def test_it_verifies_an_open_ended_transport_certificate(
    signer: InMemorySigner, trust: TrustStore
) -> None:
    claims = licence_claims(
        identifier="1.2.156.3005.2.11100000000019713D013.11370612MB0000001G.2026000456.001.7",
        type_key="transport_certificate",
        number="370612000456",
        holder="烟台鑫达物流有限公司 鲁F·D12345",
        valid_until=None,
        status_index=456,
    )
    result = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert result.ok
    assert result.claims == claims
    assert result.claims.valid_until is None


def test_the_token_is_the_same_signed_bytes_cbor2_reads(
    signer: InMemorySigner, claims: LicenceClaims
) -> None:
    envelope = cbor2.loads(cose_of(encode_licence_token(claims, signer)))
    assert envelope.tag == 18
    protected, unprotected, payload, signature = envelope.value
    assert cbor2.loads(protected) == {1: -7, 4: signer.kid}
    assert unprotected == {}
    assert len(signature) == 64
    assert cbor2.loads(payload) == {
        1: "L",
        2: claims.identifier,
        3: "business_licence",
        4: "鲁交运管许可烟字370612000123号",
        5: "烟台鑫达物流有限公司",
        6: 20260301,
        7: 20300228,
        8: "370612-1",
        9: 123,
        10: int(claims.issued_at.timestamp()),
    }


def test_it_reads_the_token_from_the_verification_url(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    url = verification_url("https://zzhy.muping.gov.cn/v", token)
    assert url.startswith("https://zzhy.muping.gov.cn/v?t=RC1:")
    assert " " not in url
    assert token_from_scan(url) == token
    assert token_from_scan(verification_url("https://zzhy.muping.gov.cn/v?lang=zh", token)) == token
    assert verify_token(url, trust=trust, now=NOW).ok
    assert token_from_scan("https://zzhy.muping.gov.cn/v?t=HC1:ABC") is None


# ---------------------------------------------------------------------------------------------
# Presentation (亮证) tokens


def test_a_fresh_presentation_token_says_it_is_shown_live(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_presentation_token(claims, signer, now=NOW)
    result = verify_token(token, trust=trust, now=NOW + dt.timedelta(seconds=20))
    assert result.ok
    assert result.kind == "presentation"
    assert "亮证码" in result.message
    assert result.claims is not None
    assert result.claims.kind == "P"
    assert result.claims.expires_at == NOW + dt.timedelta(seconds=60)
    assert result.claims.nonce is not None and len(result.claims.nonce) == 8


def test_two_presentation_tokens_of_the_same_licence_differ(
    signer: InMemorySigner, claims: LicenceClaims
) -> None:
    first = encode_presentation_token(claims, signer, now=NOW)
    second = encode_presentation_token(claims, signer, now=NOW)
    assert first != second


def test_it_rejects_a_presentation_token_two_minutes_old(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_presentation_token(claims, signer, now=NOW - dt.timedelta(minutes=2))
    result = verify_token(token, trust=trust, now=NOW)
    assert not result.ok
    assert result.reason == "expired"
    assert result.message == "亮证码已过期，请持证人刷新后重新出示"
    assert result.kind == "presentation"


def test_it_allows_half_a_minute_of_clock_skew_after_expiry(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_presentation_token(claims, signer, now=NOW)
    assert verify_token(token, trust=trust, now=NOW + dt.timedelta(seconds=90)).ok
    late = verify_token(token, trust=trust, now=NOW + dt.timedelta(seconds=91))
    assert late.reason == "expired"


def test_a_licence_token_does_not_expire_within_the_licence_validity(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    years_later = dt.datetime(2030, 2, 28, 23, 59, tzinfo=CHINA)
    assert verify_token(token, trust=trust, now=years_later).ok


# ---------------------------------------------------------------------------------------------
# Time and key checks


def test_it_rejects_a_licence_past_its_validity(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    result = verify_token(token, trust=trust, now=dt.datetime(2030, 3, 1, 0, 1, tzinfo=CHINA))
    assert result.reason == "licence_out_of_validity"
    assert result.message == "证照已超过有效期（有效期至 2030-02-28）"
    assert result.claims == claims


def test_it_rejects_a_licence_not_yet_in_force(signer: InMemorySigner, trust: TrustStore) -> None:
    claims = licence_claims(valid_from=dt.date(2026, 4, 1))
    result = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert result.reason == "licence_out_of_validity"
    assert result.message == "证照尚未生效（自 2026-04-01 起有效）"


def test_it_judges_validity_by_the_china_calendar_day(
    signer: InMemorySigner, trust: TrustStore
) -> None:
    claims = licence_claims(valid_from=dt.date(2026, 3, 2))
    token = encode_licence_token(claims, signer)
    # 2026-03-01 17:00 UTC is already 2 March in Muping.
    assert verify_token(token, trust=trust, now=dt.datetime(2026, 3, 1, 17, tzinfo=dt.UTC)).ok


def test_it_rejects_a_token_signed_in_the_future(signer: InMemorySigner, trust: TrustStore) -> None:
    claims = licence_claims(issued_at=NOW + dt.timedelta(hours=1))
    result = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert result.reason == "not_yet_valid"
    assert "设备时间" in result.message


def test_it_tolerates_a_verifier_clock_a_few_minutes_behind(
    signer: InMemorySigner, trust: TrustStore
) -> None:
    claims = licence_claims(issued_at=NOW + dt.timedelta(minutes=4))
    assert verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW).ok


def test_it_rejects_a_token_from_a_key_outside_the_trust_list(
    trust: TrustStore, claims: LicenceClaims
) -> None:
    stranger = InMemorySigner(common_name="某地交通运输局")
    result = verify_token(encode_licence_token(claims, stranger), trust=trust, now=NOW)
    assert result.reason == "unknown_kid"
    assert result.message == REASON_MESSAGES["unknown_kid"]
    assert result.claims is None  # unverified claims are never reported


def test_it_rejects_every_token_of_a_revoked_key(
    signer: InMemorySigner, claims: LicenceClaims
) -> None:
    trust = TrustStore([signer.trusted(status="revoked")], issuer=ISSUER)
    result = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert result.reason == "key_revoked"


def test_a_retired_key_still_verifies_what_it_signed(
    signer: InMemorySigner, claims: LicenceClaims
) -> None:
    trust = TrustStore([signer.trusted(status="retired")], issuer=ISSUER)
    assert verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW).ok


def test_it_rejects_a_token_signed_outside_the_keys_signing_period(
    signer: InMemorySigner, claims: LicenceClaims
) -> None:
    trust = TrustStore(
        [signer.trusted(not_before=CERT_FROM, not_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))]
    )
    result = verify_token(encode_licence_token(claims, signer), trust=trust, now=NOW)
    assert result.reason == "key_not_valid_at_signing"


def test_it_rejects_another_algorithm(signer: InMemorySigner, trust: TrustStore) -> None:
    cose = sign_raw(cbor_encode({1: "L"}), signer, protected={1: -35, 4: signer.kid})
    assert verify_token(token_of(cose), trust=trust, now=NOW).reason == "unsupported_alg"
    no_alg = sign_raw(cbor_encode({1: "L"}), signer, protected={4: signer.kid})
    assert verify_token(token_of(no_alg), trust=trust, now=NOW).reason == "unsupported_alg"


def test_it_rejects_a_header_without_a_kid(signer: InMemorySigner, trust: TrustStore) -> None:
    cose = sign_raw(cbor_encode({1: "L"}), signer, protected={1: -7})
    assert verify_token(token_of(cose), trust=trust, now=NOW).reason == "unknown_kid"


@pytest.mark.parametrize(
    "payload",
    [
        cbor_encode({1: "L"}),
        cbor_encode([1, 2, 3]),
        cbor_encode({1: "X", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: 1, 10: 1}),
        cbor_encode({1: "L", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20261301, 8: "l", 9: 1, 10: 1}),
        cbor_encode({1: "L", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: -1, 10: 1}),
        cbor_encode(
            {1: "L", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: 1, 10: 1, 99: 0}
        ),
        cbor_encode({1: "P", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: 1, 10: 1}),
        cbor_encode(
            {1: "L", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: 1, 10: 1, 11: 2}
        ),
        cbor_encode(
            {1: "L", 2: "a", 3: "b", 4: "c", 5: "d", 6: 20260301, 8: "l", 9: 1, 10: 2**64 - 1}
        ),
        b"\xa1\x01",
        b"",
    ],
)
def test_it_rejects_signed_but_malformed_claims(
    signer: InMemorySigner, trust: TrustStore, payload: bytes
) -> None:
    result = verify_token(token_of(sign_raw(payload, signer)), trust=trust, now=NOW)
    assert result.reason == "malformed_claims"
    assert result.claims is None


# ---------------------------------------------------------------------------------------------
# Forged, truncated and garbage input: rejected with a reason, never an exception


def test_it_rejects_every_single_character_change_of_the_token(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    for position in range(len(PREFIX), len(token)):
        replacement = B45_ALPHABET[(B45_ALPHABET.index(token[position]) + 1) % 45]
        forged = token[:position] + replacement + token[position + 1 :]
        result = verify_token(forged, trust=trust, now=NOW)
        assert not result.ok, position
        assert result.reason in REASON_MESSAGES


def test_it_rejects_every_single_byte_change_of_the_signed_object(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    cose = cose_of(encode_licence_token(claims, signer))
    reasons = set()
    for position in range(len(cose)):
        for flip in (0x01, 0x80, 0xFF):
            forged = bytearray(cose)
            forged[position] ^= flip
            result = verify_token(token_of(bytes(forged)), trust=trust, now=NOW)
            assert not result.ok, (position, flip)
            reasons.add(result.reason)
    assert "bad_signature" in reasons
    assert reasons <= set(REASON_MESSAGES)


def test_it_rejects_every_truncation_of_the_token(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    token = encode_licence_token(claims, signer)
    for length in range(len(token)):
        result = verify_token(token[:length], trust=trust, now=NOW)
        assert not result.ok, length
    assert verify_token(token[:-1], trust=trust, now=NOW).reason in {
        "malformed_base45",
        "malformed_zlib",
    }


def test_it_rejects_every_truncation_of_the_signed_object(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    cose = cose_of(encode_licence_token(claims, signer))
    for length in range(len(cose)):
        result = verify_token(token_of(cose[:length]), trust=trust, now=NOW)
        assert result.reason in {"malformed_cbor", "not_cose_sign1"}, length


def test_it_rejects_a_signature_moved_to_another_licence(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    genuine = cbor2.loads(cose_of(encode_licence_token(claims, signer)))
    other = cbor2.loads(cose_of(encode_licence_token(licence_claims(status_index=124), signer)))
    protected, unprotected, payload, _ = other.value
    spliced = cbor_encode(CborTag(18, [protected, unprotected, payload, genuine.value[3]]))
    assert verify_token(token_of(spliced), trust=trust, now=NOW).reason == "bad_signature"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not_ours"),
        ("   ", "not_ours"),
        ("鲁交运管许可烟字370612000123号", "not_ours"),
        ("HC1:NCFOXN%TS3DHWM8YJSX4UGXU", "not_ours"),
        ("https://zzhy.muping.gov.cn/v?id=123", "not_ours"),
        ("http://[::1/v?t=RC1:ABC", "not_ours"),
        ("RC1:" + "0" * 5000, "not_ours"),
        ("RC1:", "malformed_zlib"),
        ("RC1:abc", "malformed_base45"),
        ("RC1:ABCD", "malformed_base45"),
        ("RC1:GGW", "malformed_base45"),
        ("RC1:证照", "malformed_base45"),
        ("RC1:ABC", "malformed_zlib"),
    ],
)
def test_it_rejects_garbage_with_its_specific_reason(
    trust: TrustStore, text: str, reason: str
) -> None:
    result = verify_token(text, trust=trust, now=NOW)
    assert (result.status, result.reason) == ("rejected", reason)
    assert result.message == REASON_MESSAGES[result.reason or "not_ours"]


def test_it_rejects_what_is_not_text(trust: TrustStore) -> None:
    assert verify_token(b"RC1:ABC", trust=trust, now=NOW).reason == "not_ours"  # type: ignore[arg-type]


def test_it_refuses_a_naive_now(trust: TrustStore) -> None:
    with pytest.raises(ValueError, match="aware"):
        verify_token("RC1:", trust=trust, now=dt.datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001


def test_it_refuses_a_zip_bomb(trust: TrustStore) -> None:
    bomb = PREFIX + b45encode(zlib.compress(b"\x00" * 10_000_000, 9))
    assert len(bomb) < 30_000
    result = verify_token(bomb[:4000], trust=trust, now=NOW)
    assert result.reason == "malformed_zlib"
    small_bomb = PREFIX + b45encode(zlib.compress(b"\x00" * (MAX_DECOMPRESSED + 1), 9))
    assert verify_token(small_bomb, trust=trust, now=NOW).reason == "malformed_zlib"


def test_it_refuses_data_after_the_compressed_stream(
    signer: InMemorySigner, trust: TrustStore, claims: LicenceClaims
) -> None:
    compressed = zlib.compress(cose_of(encode_licence_token(claims, signer)), 9) + b"\x00"
    result = verify_token(PREFIX + b45encode(compressed), trust=trust, now=NOW)
    assert result.reason == "malformed_zlib"


@pytest.mark.parametrize(
    ("cose", "reason"),
    [
        (cbor_encode([b"\xa1\x01\x26", {}, b"", b"\x00" * 64]), "not_cose_sign1"),  # untagged
        (cbor_encode(CborTag(98, [b"", {}, b"", []])), "not_cose_sign1"),  # COSE_Sign
        (cbor_encode(CborTag(18, [b"", {}, b""])), "not_cose_sign1"),
        (cbor_encode(CborTag(18, ["", {}, b"", b""])), "not_cose_sign1"),
        (cbor_encode(CborTag(18, [b"\x83\x01\x02\x03", {}, b"", b""])), "not_cose_sign1"),
        (cbor_encode(CborTag(18, [b"\xa1\x01", {}, b"", b""])), "malformed_cbor"),
        (cbor_encode(CborTag(18, [b"", {}, b"", b""])), "unsupported_alg"),
        (b"\xd2\x84\x43\xa1\x01\x26\xa0\x40\xfb\x00\x00\x00\x00\x00\x00\x00\x00", "malformed_cbor"),
        (b"\xd2\x9f\xff", "malformed_cbor"),  # indefinite-length array
        (b"\xd2" * 10 + b"\x80", "malformed_cbor"),  # nested tags
        (b"\x81" * 50 + b"\x00", "malformed_cbor"),  # nested arrays
        (b"\xd2\x84\x40\xa2\x01\x01\x01\x02\x40\x40", "malformed_cbor"),  # duplicate key
        (b"\xd2\x84\x40\xa1\x80\x01\x40\x40", "malformed_cbor"),  # array as map key
        (b"\xd2\x84\x40\xa0\x40\x7b\xff\xff\xff\xff\xff\xff\xff\xff", "malformed_cbor"),
        (b"\xd2\x84\x40\xa0\x40\x61\xff", "malformed_cbor"),  # invalid UTF-8
        (b"\xd2\x84\x40\xa0\x40\x40\x00", "malformed_cbor"),  # trailing byte
        (b"\xd2\x84\x40\xa0\x40\xf7", "malformed_cbor"),  # undefined
        (b"\xd2\x84\x40\xa0\x40\x1c", "malformed_cbor"),  # reserved additional info
    ],
)
def test_it_rejects_structures_that_are_not_our_cose_sign1(
    trust: TrustStore, cose: bytes, reason: str
) -> None:
    assert verify_token(token_of(cose), trust=trust, now=NOW).reason == reason


@FUZZ
@given(st.text(max_size=600))
def test_fuzz_any_text_is_rejected_without_crashing(trust: TrustStore, text: str) -> None:
    for candidate in (text, PREFIX + text):
        result = verify_token(candidate, trust=trust, now=NOW)
        assert result.status == "rejected"
        assert result.reason in REASON_MESSAGES


@FUZZ
@given(st.text(alphabet=B45_ALPHABET, max_size=600))
def test_fuzz_any_base45_text_is_rejected_without_crashing(trust: TrustStore, text: str) -> None:
    result = verify_token(PREFIX + text, trust=trust, now=NOW)
    assert result.status == "rejected"


@FUZZ
@given(st.binary(max_size=800))
def test_fuzz_any_compressed_bytes_are_rejected_without_crashing(
    trust: TrustStore, data: bytes
) -> None:
    for blob in (data, zlib.compress(data)):
        result = verify_token(PREFIX + b45encode(blob), trust=trust, now=NOW)
        assert result.status == "rejected"
        assert result.reason in REASON_MESSAGES


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.floats()
    | st.binary(max_size=80)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(-30, 30) | st.text(max_size=5), children, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 18, 24, 98, 55799]), children)
    ),
    max_leaves=20,
)


@FUZZ
@given(cbor_values)
def test_fuzz_any_cbor_document_is_rejected_without_crashing(
    trust: TrustStore, value: object
) -> None:
    try:
        encoded = cbor2.dumps(value)
    except (cbor2.CBOREncodeError, ValueError, TypeError):
        return
    result = verify_token(token_of(encoded), trust=trust, now=NOW)
    assert result.status == "rejected"
    assert result.reason in REASON_MESSAGES


@FUZZ
@given(cbor_values)
def test_fuzz_any_signed_payload_other_than_our_claims_is_rejected(
    signer: InMemorySigner, trust: TrustStore, value: object
) -> None:
    try:
        payload = cbor2.dumps(value)
    except (cbor2.CBOREncodeError, ValueError, TypeError):
        return
    result = verify_token(token_of(sign_raw(payload, signer)), trust=trust, now=NOW)
    assert result.reason == "malformed_claims"


# ---------------------------------------------------------------------------------------------
# Privacy: no full ID number in any token


def qualification_claims(number: str, holder: str = "张*") -> LicenceClaims:
    return licence_claims(
        identifier="1.2.156.3005.2.11100000000019713D071.11370612MB0000001G.2026000007.001.4",
        type_key="qualification_certificate",
        number=number,
        holder=holder,
        valid_until=dt.date(2032, 2, 29),
        status_index=7,
    )


@pytest.mark.parametrize(
    "number",
    [
        ZHANG_WEI_ID,
        "37061219900708452x",
        "证号 37061219900708452X",
        "370612850315001",  # legacy 15-digit number
    ],
)
def test_it_refuses_to_put_a_full_id_number_into_a_token(
    signer: InMemorySigner, number: str
) -> None:
    with pytest.raises(TokenError, match="身份证号码"):
        encode_licence_token(qualification_claims(number), signer)


def test_it_refuses_an_id_number_hidden_in_the_holder(signer: InMemorySigner) -> None:
    with pytest.raises(TokenError, match="身份证号码"):
        encode_licence_token(
            qualification_claims("370612********0018", f"张伟 {ZHANG_WEI_ID}"), signer
        )


def test_a_qualification_token_carries_the_masked_number_only(
    signer: InMemorySigner, trust: TrustStore
) -> None:
    token = encode_licence_token(qualification_claims("370612********0018"), signer)
    cose = cose_of(token)
    assert ZHANG_WEI_ID.encode() not in cose
    assert b"19850315" not in cose  # the birth date is masked too
    result = verify_token(token, trust=trust, now=NOW)
    assert result.ok
    assert result.claims is not None
    decoded = cbor2.loads(cbor2.loads(cose).value[2])
    for value in decoded.values():
        assert ZHANG_WEI_ID not in str(value)
    assert result.claims.number == "370612********0018"
    assert ZHANG_WEI_ID not in verification_url("https://zzhy.muping.gov.cn/v", token)


def test_an_all_digit_issuer_uscc_in_the_identifier_is_not_mistaken_for_an_id_number(
    signer: InMemorySigner,
) -> None:
    claims = licence_claims(
        identifier="1.2.156.3005.2.11100000000019713D008.113706120043123452.2026000123.001.5"
    )
    assert encode_licence_token(claims, signer).startswith(PREFIX)


# ---------------------------------------------------------------------------------------------
# Encoding mistakes are refused loudly


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"expires_at": NOW}, "仅亮证码"),
        ({"nonce": b"12345678"}, "仅亮证码"),
        ({"kind": "P"}, "必须带"),
        ({"kind": "P", "expires_at": NOW + dt.timedelta(hours=1), "nonce": b"1"}, "10 分钟"),
        ({"kind": "X"}, "未知"),
        ({"issued_at": dt.datetime(2026, 3, 1, 10)}, "时区"),  # noqa: DTZ001
        ({"valid_until": dt.date(2026, 2, 1)}, "早于"),
        ({"status_index": -1}, "负数"),
    ],
)
def test_it_refuses_inconsistent_claims(
    signer: InMemorySigner, changes: dict[str, object], words: str
) -> None:
    with pytest.raises(TokenError) as exc:
        encode_licence_token(licence_claims(**changes), signer)
    assert words in str(exc.value)


def test_it_refuses_a_signer_of_another_algorithm(claims: LicenceClaims) -> None:
    class Es384Signer(InMemorySigner):
        alg = -35

    with pytest.raises(TokenError, match="ES256"):
        encode_licence_token(claims, Es384Signer())


def test_it_refuses_a_signature_that_is_not_raw_r_and_s(claims: LicenceClaims) -> None:
    class DerSigner(InMemorySigner):
        def sign(self, data: bytes) -> bytes:
            return super().sign(data) + b"\x00"

    with pytest.raises(TokenError, match="64"):
        cose_sign1_create(b"", DerSigner())


def test_claims_are_immutable(claims: LicenceClaims) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.number = "鲁交运管许可烟字370612000124号"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# base45 and CBOR building blocks


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
    ],
)
def test_base45_matches_the_rfc_9285_examples(raw: bytes, encoded: str) -> None:
    assert b45encode(raw) == encoded
    assert b45decode(encoded) == raw


@given(st.binary(max_size=300))
def test_base45_agrees_with_the_reference_library(data: bytes) -> None:
    assert b45encode(data) == base45.b45encode(data).decode()
    assert b45decode(b45encode(data)) == data


@pytest.mark.parametrize("text", ["GGW", "A", "ABCD", "abc", "AB\n", "ＡＢＣ"])
def test_base45_rejects_what_rfc_9285_does_not_allow(text: str) -> None:
    with pytest.raises(ValueError):
        b45decode(text)


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(-100, 100) | st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_like)
def test_cbor_agrees_with_cbor2_both_ways(value: object) -> None:
    assert cbor2.loads(cbor_encode(value)) == value
    assert cbor_decode(cbor2.dumps(value), max_depth=32) == value
    assert cbor_encode(value) == cbor_encode(cbor_decode(cbor_encode(value), max_depth=32))


def test_cbor_keys_are_sorted_deterministically() -> None:
    assert cbor_encode({10: 1, 2: 1, -1: 1, "a": 1}) == cbor_encode({"a": 1, -1: 1, 2: 1, 10: 1})
    assert cbor_encode({10: 1, 2: 1})[1:2] == b"\x02"


def test_cbor_refuses_what_it_cannot_encode() -> None:
    with pytest.raises(CborError):
        cbor_encode(1.5)
    with pytest.raises(CborError):
        cbor_encode(2**64)


def test_cbor_limits_nesting_depth() -> None:
    assert cbor_decode(b"\x81\x81\x81\x81\x00") == [[[[0]]]]
    with pytest.raises(CborError, match="deeply"):
        cbor_decode(b"\x81\x81\x81\x81\x81\x00")


def test_cbor_refuses_lengths_beyond_the_data() -> None:
    for data in (b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff", b"\xbb\x00\x00\x00\xff\xff\xff\xff\xff"):
        with pytest.raises(CborError, match="truncated"):
            cbor_decode(data)
