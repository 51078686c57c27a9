"""Credit tier policy of the licensing workflow (pure Python, no Django).

    policy = default_policy()
    decision = policy.decide([PartyCredit(...), ...])
    decision.tier, decision.explanation_zh

The policy is versioned data (``rules/tier_policy.toml``): per grading scheme the tier of each
grade (and of "not yet rated"), the overrides (serious-dishonesty list, past false commitment)
and what each tier earns (one form, priority, commitment, 容缺, enhanced verification). A
bundle's tier is the worst among all its parties (the applicant, its vehicles — graded through
their owner — and its drivers). The decision says why in Chinese, party by party, so the
applicant and the clerk read the same reasons.
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent / "rules" / "tier_policy.toml"
POLICY_KIND = "licensing-tier-policy"
TIER_NAMES = ("excellent", "good", "normal", "doubtful")
SCHEMES = ("enterprise", "driver")
UNRATED = "UNRATED"
UNRATED_NAME_ZH = "未评级"


class TierPolicyError(ValueError):
    """The policy file is malformed; the message names the entry."""


@dataclass(frozen=True)
class TierPrivileges:
    tier: str
    name_zh: str
    priority: int  # lower is served first
    one_form: bool
    commitment: bool
    rongque: bool
    enhanced: bool
    privileges_zh: tuple[str, ...]


@dataclass(frozen=True)
class PartyCredit:
    """One party's credit as the tier policy needs it.

    ``role_zh``: "申请人", "车辆", "驾驶员"; ``label``: the party's name or plate.
    ``grade``: a grade code of its scheme or ``"UNRATED"``; ``grade_name_zh`` as the credit app
    names it; ``credit_note_zh``: one sentence from the credit explanation (score and period),
    optional. ``serious_list_note_zh``: why the subject is on the serious-dishonesty list.
    """

    role_zh: str
    label: str
    scheme: str
    grade: str
    grade_name_zh: str = ""
    credit_note_zh: str = ""
    serious_list: bool = False
    serious_list_note_zh: str = ""
    false_commitment: bool = False
    false_commitment_note_zh: str = ""


@dataclass(frozen=True)
class PartyTier:
    party: PartyCredit
    tier: str
    reasons_zh: tuple[str, ...]


@dataclass(frozen=True)
class TierDecision:
    tier: str
    privileges: TierPrivileges
    parties: tuple[PartyTier, ...]
    policy_id: str
    policy_version: str

    @property
    def name_zh(self) -> str:
        return self.privileges.name_zh

    @property
    def reasons_zh(self) -> tuple[str, ...]:
        lines = [reason for party in self.parties for reason in party.reasons_zh]
        if len(self.parties) > 1:
            lines.append(
                f"一并申请的各方中最低的信用分级为“{self.privileges.name_zh}”，本次申请按此分级办理"
            )
        lines.append(f"“{self.privileges.name_zh}”分级：{'；'.join(self.privileges.privileges_zh)}")
        return tuple(lines)

    @property
    def explanation_zh(self) -> str:
        return "。\n".join(self.reasons_zh) + "。"

    def as_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "policy": f"{self.policy_id}@{self.policy_version}",
            "parties": [
                {
                    "role": p.party.role_zh,
                    "label": p.party.label,
                    "scheme": p.party.scheme,
                    "grade": p.party.grade,
                    "grade_name": p.party.grade_name_zh,
                    "serious_list": p.party.serious_list,
                    "false_commitment": p.party.false_commitment,
                    "tier": p.tier,
                    "reasons": list(p.reasons_zh),
                }
                for p in self.parties
            ],
        }


@dataclass(frozen=True)
class TierPolicy:
    policy_id: str
    version: str
    title_zh: str
    effective_from: datetime.date
    order: tuple[str, ...]
    grade_tiers: Mapping[str, Mapping[str, str]]  # scheme -> grade -> tier
    serious_list_tier: str
    false_commitment_tier: str
    tiers: Mapping[str, TierPrivileges]
    breach_behaviour_code: str
    breach_on_serious_list: bool
    breach_bar_months: int
    breach_points: Mapping[str, int]  # scheme -> points, where they differ from the catalogue
    rongque_overdue_behaviour_code: str

    def privileges(self, tier: str) -> TierPrivileges:
        return self.tiers[tier]

    def worst(self, tiers: Iterable[str]) -> str:
        return max(tiers, key=self.order.index)

    def tier_of_grade(self, scheme: str, grade: str) -> str:
        try:
            return self.grade_tiers[scheme][grade]
        except KeyError:
            raise TierPolicyError(
                f"the tier policy has no tier for grade {grade!r} of scheme {scheme!r}"
            ) from None

    def party_tier(self, party: PartyCredit) -> PartyTier:
        grade_tier = self.tier_of_grade(party.scheme, party.grade)
        grade_name = party.grade_name_zh or (
            UNRATED_NAME_ZH if party.grade == UNRATED else party.grade
        )
        who = f"{party.role_zh}{party.label}"
        if party.grade == UNRATED:
            first = f"{who}尚未评级，按“{self.tiers[grade_tier].name_zh}”对待"
        else:
            first = f"{who}当前信用等级为{grade_name}，对应“{self.tiers[grade_tier].name_zh}”"
        if party.credit_note_zh:
            first += f"（{party.credit_note_zh}）"
        reasons = [first]
        tiers = [grade_tier]
        if party.serious_list:
            tiers.append(self.serious_list_tier)
            note = f"：{party.serious_list_note_zh}" if party.serious_list_note_zh else ""
            reasons.append(
                f"{who}被列入严重失信主体名单{note}，按“{self.tiers[self.serious_list_tier].name_zh}”办理"
            )
        if party.false_commitment:
            tiers.append(self.false_commitment_tier)
            note = f"（{party.false_commitment_note_zh}）" if party.false_commitment_note_zh else ""
            reasons.append(
                f"{who}有信用承诺不实记录{note}，按“{self.tiers[self.false_commitment_tier].name_zh}”办理，不再适用告知承诺制"
            )
        return PartyTier(party=party, tier=self.worst(tiers), reasons_zh=tuple(reasons))

    def decide(self, parties: Sequence[PartyCredit]) -> TierDecision:
        """The tier of an application whose parties are ``parties`` (applicant first)."""
        if not parties:
            raise ValueError("an application has at least its applicant")
        party_tiers = tuple(self.party_tier(party) for party in parties)
        tier = self.worst(p.tier for p in party_tiers)
        return TierDecision(
            tier=tier,
            privileges=self.tiers[tier],
            parties=party_tiers,
            policy_id=self.policy_id,
            policy_version=self.version,
        )


# --- Loading -----------------------------------------------------------------------------------


def _fail(origin: str, where: str, message: str) -> TierPolicyError:
    return TierPolicyError(f"{origin}: {where}: {message}")


def _table(data: Mapping[str, Any], key: str, origin: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise _fail(origin, f"[{key}]", "table is missing")
    return value


def _str(data: Mapping[str, Any], key: str, origin: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(origin, where, f"{key} must be a non-empty string")
    return value.strip()


def _bool(data: Mapping[str, Any], key: str, origin: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise _fail(origin, where, f"{key} must be true or false")
    return value


def parse_policy(data: Mapping[str, Any], *, origin: str = "<data>") -> TierPolicy:
    meta = _table(data, "meta", origin)
    if meta.get("kind") != POLICY_KIND:
        raise _fail(origin, "[meta]", f"kind must be {POLICY_KIND!r}")
    effective = meta.get("effective_from")
    if not isinstance(effective, datetime.date) or isinstance(effective, datetime.datetime):
        raise _fail(origin, "[meta]", "effective_from must be a date")
    order = meta.get("order")
    if not isinstance(order, list) or sorted(order) != sorted(TIER_NAMES):
        raise _fail(origin, "[meta] order", f"must list each of {', '.join(TIER_NAMES)} once")
    schemes_raw = _table(data, "schemes", origin)
    grade_tiers: dict[str, dict[str, str]] = {}
    for scheme in SCHEMES:
        table = schemes_raw.get(scheme)
        if not isinstance(table, Mapping) or UNRATED not in table:
            raise _fail(origin, f"[schemes.{scheme}]", "missing, or without an UNRATED entry")
        for grade, tier in table.items():
            if tier not in TIER_NAMES:
                raise _fail(origin, f"[schemes.{scheme}]", f"{grade} maps to unknown tier {tier!r}")
        grade_tiers[scheme] = dict(table)
    overrides = _table(data, "overrides", origin)
    serious = _str(overrides, "serious_list", origin, "[overrides]")
    false_commitment = _str(overrides, "false_commitment", origin, "[overrides]")
    for value in (serious, false_commitment):
        if value not in TIER_NAMES:
            raise _fail(origin, "[overrides]", f"unknown tier {value!r}")
    tiers_raw = _table(data, "tiers", origin)
    tiers: dict[str, TierPrivileges] = {}
    for tier in TIER_NAMES:
        where = f"[tiers.{tier}]"
        raw = tiers_raw.get(tier)
        if not isinstance(raw, Mapping):
            raise _fail(origin, where, "table is missing")
        priority = raw.get("priority")
        if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
            raise _fail(origin, where, "priority must be a positive integer")
        privileges = raw.get("privileges_zh")
        if not isinstance(privileges, list) or not all(isinstance(p, str) for p in privileges):
            raise _fail(origin, where, "privileges_zh must be a list of strings")
        tiers[tier] = TierPrivileges(
            tier=tier,
            name_zh=_str(raw, "name_zh", origin, where),
            priority=priority,
            one_form=_bool(raw, "one_form", origin, where),
            commitment=_bool(raw, "commitment", origin, where),
            rongque=_bool(raw, "rongque", origin, where),
            enhanced=_bool(raw, "enhanced", origin, where),
            privileges_zh=tuple(privileges),
        )
        if tiers[tier].enhanced and (tiers[tier].commitment or tiers[tier].rongque):
            raise _fail(origin, where, "enhanced verification excludes commitment and 容缺")
    breach = _table(data, "commitment_breach", origin)
    bar = breach.get("bar_months")
    if isinstance(bar, bool) or not isinstance(bar, int) or not 1 <= bar <= 120:
        raise _fail(origin, "[commitment_breach]", "bar_months must be from 1 to 120")
    points_raw = breach.get("points", {})
    if not isinstance(points_raw, Mapping) or not all(
        scheme in SCHEMES and isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 100
        for scheme, v in points_raw.items()
    ):
        raise _fail(origin, "[commitment_breach]", "points must map schemes to 1..100")
    overdue = _table(data, "rongque_overdue", origin)
    return TierPolicy(
        policy_id=_str(meta, "id", origin, "[meta]"),
        version=_str(meta, "version", origin, "[meta]"),
        title_zh=_str(meta, "title_zh", origin, "[meta]"),
        effective_from=effective,
        order=tuple(order),
        grade_tiers=grade_tiers,
        serious_list_tier=serious,
        false_commitment_tier=false_commitment,
        tiers=tiers,
        breach_behaviour_code=_str(breach, "behaviour_code", origin, "[commitment_breach]"),
        breach_on_serious_list=_bool(breach, "on_serious_list", origin, "[commitment_breach]"),
        breach_bar_months=bar,
        breach_points=dict(points_raw),
        rongque_overdue_behaviour_code=_str(overdue, "behaviour_code", origin, "[rongque_overdue]"),
    )


def load_policy(path: Path | str = DEFAULT_PATH) -> TierPolicy:
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise TierPolicyError(f"{file.name}: {exc}") from exc
    return parse_policy(data, origin=file.name)


@functools.cache
def default_policy() -> TierPolicy:
    return load_policy(DEFAULT_PATH)
