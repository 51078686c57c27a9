"""577 real EU Digital COVID Certificate payloads: every one rejected, none crashing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from roadcredit.elicences.tests.unit.support import NOW
from roadcredit.elicences.tokens import PREFIX, REASON_MESSAGES, verify_token
from roadcredit.elicences.trustlist import TrustStore

DATA = Path(__file__).resolve().parent / "data" / "dcc_foreign_tokens.json"
FOREIGN = json.loads(DATA.read_text(encoding="utf-8"))
DECODING_REASONS = {
    "malformed_base45",
    "malformed_zlib",
    "malformed_cbor",
    "not_cose_sign1",
    "unsupported_alg",
    "unknown_kid",
}


def test_the_test_data_holds_all_577_payloads() -> None:
    assert len(FOREIGN) == 577
    assert Counter(item["token"][:4] for item in FOREIGN)["HC1:"] == 574


@pytest.mark.parametrize("item", FOREIGN, ids=[f"{i:03d}" for i in range(len(FOREIGN))])
def test_it_rejects_a_foreign_token_as_not_ours(trust: TrustStore, item: dict[str, str]) -> None:
    result = verify_token(item["token"], trust=trust, now=NOW)
    assert (result.status, result.reason) == ("rejected", "not_ours"), item["source"]
    assert result.message == "不是本平台签发的电子证照二维码"


def test_it_rejects_every_foreign_token_fed_with_our_prefix(trust: TrustStore) -> None:
    """Strip HC1: and claim to be RC1: — each still fails cleanly while decoding."""
    reasons: Counter[str] = Counter()
    for item in FOREIGN:
        token = item["token"]
        body = token.split(":", 1)[1] if token[3:4] == ":" else token
        result = verify_token(PREFIX + body, trust=trust, now=NOW)
        assert result.status == "rejected", item["source"]
        assert result.reason in DECODING_REASONS, (item["source"], result.reason)
        assert result.message == REASON_MESSAGES[result.reason]
        assert result.claims is None
        reasons[result.reason] += 1
    # Most are well-formed COSE signed by keys that are not ours.
    assert reasons["unknown_kid"] > 300
    assert sum(reasons.values()) == 577
