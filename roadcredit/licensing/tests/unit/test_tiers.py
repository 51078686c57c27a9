"""The credit tier policy: grade → tier per scheme, overrides, bundles, privileges, reasons."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.licensing.tiers import (
    UNRATED,
    PartyCredit,
    TierPolicyError,
    default_policy,
    load_policy,
    parse_policy,
)

POLICY = default_policy()


def applicant(grade: str, scheme: str = "enterprise", **extra) -> PartyCredit:
    label = "烟台鑫达物流有限公司" if scheme == "enterprise" else "张伟"
    return PartyCredit(role_zh="申请人", label=label, scheme=scheme, grade=grade, **extra)


@pytest.mark.parametrize(
    ("scheme", "grade", "tier"),
    [
        ("enterprise", "AA", "excellent"),
        ("enterprise", "A", "good"),
        ("enterprise", "B", "normal"),
        ("enterprise", UNRATED, "normal"),
        ("enterprise", "C", "doubtful"),
        ("enterprise", "D", "doubtful"),
        ("driver", "AAA", "excellent"),
        ("driver", "AA", "good"),
        ("driver", "A", "normal"),
        ("driver", UNRATED, "normal"),
        ("driver", "B", "doubtful"),
    ],
)
def test_each_grade_maps_to_its_tier(scheme, grade, tier):
    assert POLICY.decide([applicant(grade, scheme)]).tier == tier


@pytest.mark.parametrize("grade", ["AA", "A", "B", UNRATED])
def test_the_serious_dishonesty_list_makes_any_enterprise_doubtful(grade):
    decision = POLICY.decide(
        [applicant(grade, serious_list=True, serious_list_note_zh="有无证经营记录")]
    )
    assert decision.tier == "doubtful"
    assert any("严重失信主体名单：有无证经营记录" in r for r in decision.reasons_zh)


@pytest.mark.parametrize("grade", ["AAA", "AA"])
def test_a_past_false_commitment_makes_a_good_driver_doubtful(grade):
    decision = POLICY.decide([applicant(grade, "driver", false_commitment=True)])
    assert decision.tier == "doubtful"
    assert "信用承诺不实" in decision.explanation_zh
    assert not decision.privileges.commitment


def test_a_bundle_takes_the_worst_tier_of_its_parties():
    parties = [
        applicant("AA"),
        PartyCredit(role_zh="车辆", label="鲁F12345", scheme="enterprise", grade="AA"),
        PartyCredit(role_zh="驾驶员", label="王建华", scheme="driver", grade="AA"),
    ]
    decision = POLICY.decide(parties)
    assert decision.tier == "good"
    assert [p.tier for p in decision.parties] == ["excellent", "excellent", "good"]
    assert "最低的信用分级为“守信良好”" in decision.explanation_zh


def test_the_worst_party_wins_even_when_it_is_last():
    parties = [
        applicant("AA"),
        PartyCredit(role_zh="驾驶员", label="李秀英", scheme="driver", grade="B"),
    ]
    assert POLICY.decide(parties).tier == "doubtful"


@pytest.mark.parametrize(
    ("tier", "one_form", "commitment", "rongque", "enhanced"),
    [
        ("excellent", True, True, True, False),
        ("good", False, True, False, False),
        ("normal", False, False, False, False),
        ("doubtful", False, False, False, True),
    ],
)
def test_each_tier_has_its_privileges(tier, one_form, commitment, rongque, enhanced):
    p = POLICY.privileges(tier)
    assert (p.one_form, p.commitment, p.rongque, p.enhanced) == (
        one_form,
        commitment,
        rongque,
        enhanced,
    )


def test_excellent_applicants_come_first_in_the_queue():
    priorities = {
        t: POLICY.privileges(t).priority for t in ("excellent", "good", "normal", "doubtful")
    }
    assert (
        priorities["excellent"]
        < priorities["good"]
        == priorities["normal"]
        < priorities["doubtful"]
    )


def test_the_explanation_names_the_grade_and_the_privileges():
    decision = POLICY.decide(
        [applicant("AA", grade_name_zh="AA级（优良）", credit_note_zh="评价期得分100分")]
    )
    text = decision.explanation_zh
    assert (
        "申请人烟台鑫达物流有限公司当前信用等级为AA级（优良），对应“守信优良”（评价期得分100分）"
        in text
    )
    assert "可容缺受理" in text


def test_an_unrated_party_is_said_to_be_unrated():
    decision = POLICY.decide([applicant(UNRATED, "driver")])
    assert "张伟尚未评级，按“信用一般”对待" in decision.explanation_zh


def test_the_decision_records_the_policy_version_in_its_snapshot():
    snapshot = POLICY.decide([applicant("A")]).as_json()
    assert snapshot["policy"] == "licensing-tiers@2026.1"
    assert snapshot["parties"][0]["tier"] == "good"


def test_the_breach_and_overdue_behaviour_codes_are_data():
    assert POLICY.breach_behaviour_code == "RT-N-005"
    assert POLICY.breach_on_serious_list is True
    assert POLICY.breach_bar_months == 36
    assert POLICY.rongque_overdue_behaviour_code == "RT-N-025"


def test_a_grade_the_policy_does_not_know_is_an_error():
    with pytest.raises(TierPolicyError):
        POLICY.decide([applicant("AAA", "enterprise")])


def _raw() -> dict[str, Any]:
    import tomllib

    from roadcredit.licensing.tiers import DEFAULT_PATH

    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d["schemes"]["enterprise"].pop("UNRATED"), "UNRATED"),
        (lambda d: d["schemes"]["driver"].update(AAA="superb"), "unknown tier"),
        (lambda d: d["meta"].update(order=["excellent", "good"]), "order"),
        (lambda d: d["tiers"]["doubtful"].update(commitment=True), "excludes"),
        (lambda d: d["meta"].update(kind="other"), "kind"),
        (lambda d: d["commitment_breach"].update(bar_months=0), "bar_months"),
    ],
)
def test_a_broken_policy_file_is_refused(mutate, fragment):
    data = _raw()
    mutate(data)
    with pytest.raises(TierPolicyError) as caught:
        parse_policy(data, origin="tier_policy.toml")
    assert fragment in str(caught.value)


def test_the_shipped_file_loads(tmp_path):
    from roadcredit.licensing.tiers import DEFAULT_PATH

    copy = tmp_path / "policy.toml"
    copy.write_text(DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_policy(copy).version == "2026.1"
    copy.write_text("[meta", encoding="utf-8")
    with pytest.raises(TierPolicyError):
        load_policy(copy)
