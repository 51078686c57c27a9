"""The service-item catalogue: every item is sound, guides are complete, materials are checked."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from roadcredit.licensing.catalogue import (
    DEFAULT_PATH,
    CatalogueError,
    check_materials,
    default_catalogue,
    parse_catalogue,
)

CATALOGUE = default_catalogue()


def test_the_catalogue_covers_the_frequent_items_of_the_eight_licence_types():
    types = {item.licence_type for item in CATALOGUE.items.values()}
    assert types == {
        "business_licence",
        "dangerous_goods_permit",
        "radioactive_permit",
        "ride_hailing_business_permit",
        "transport_certificate",
        "ride_hailing_vehicle_certificate",
        "qualification_certificate",
        "taxi_driver_certificate",
    }
    for key in [
        "freight_business_new",
        "transport_certificate_new",
        "qualification_new",
        "qualification_renew",
        "qualification_replace",
        "qualification_change",
        "business_licence_change",
        "business_licence_renew",
        "business_licence_cancel",
    ]:
        assert key in CATALOGUE.items


@pytest.mark.parametrize("item", list(CATALOGUE.items.values()), ids=lambda item: item.key)
def test_every_guide_is_complete_and_free(item):
    assert len(item.code) == 12 and not item.code_verified
    assert item.conditions and item.legal_basis and item.steps and item.materials
    assert 0 < item.promised_days <= item.statutory_days
    assert item.fee == 0 and item.fee_zh == "不收费"
    assert not any(m.key_material and m.rongque for m in item.materials)


def test_the_driver_qualification_lets_a_commitment_replace_four_proofs():
    item = CATALOGUE.item("qualification_new")
    assert [m.name_zh for m in item.commitment_materials] == [
        "机动车驾驶证",
        "驾驶经历证明（取得相应机动车驾驶证的年限）",
        "近3年内无重大以上交通责任事故记录证明",
        "身体健康证明",
    ]


def test_the_freight_startup_bundle_repeats_the_vehicle_certificate():
    bundle = CATALOGUE.bundle("freight_startup")
    assert bundle.items == ("freight_business_new", "transport_certificate_new")
    assert bundle.repeatable == {"transport_certificate_new"}


def test_a_complete_upload_lacks_nothing():
    item = CATALOGUE.item("freight_business_new")
    check = check_materials(
        item,
        uploaded={
            "identity",
            "vehicle_commitment",
            "driver_certificates",
            "premises",
            "safety_rules",
        },
        committed=False,
        enhanced=False,
    )
    assert check.complete and check.covered == ()


def test_a_commitment_covers_the_materials_it_may_replace_and_nothing_else():
    item = CATALOGUE.item("freight_business_new")
    check = check_materials(
        item, uploaded={"identity", "vehicle_commitment"}, committed=True, enhanced=False
    )
    assert [m.key for m in check.covered] == ["driver_certificates", "premises"]
    assert [m.key for m in check.missing_rongque] == ["safety_rules"]
    assert check.missing_key == () and check.missing_other == ()


def test_missing_key_materials_are_told_apart_from_rongque_ones():
    item = CATALOGUE.item("freight_business_new")
    check = check_materials(item, uploaded=set(), committed=False, enhanced=False)
    assert [m.key for m in check.missing_key] == ["identity", "vehicle_commitment"]
    assert [m.key for m in check.missing_rongque] == ["premises", "safety_rules"]
    assert [m.key for m in check.missing_other] == ["driver_certificates"]


def test_enhanced_verification_asks_for_more_and_voids_the_commitment():
    item = CATALOGUE.item("freight_business_new")
    check = check_materials(
        item, uploaded={"identity", "vehicle_commitment"}, committed=True, enhanced=True
    )
    assert check.covered == ()
    assert "credit_statement" in [m.key for m in check.missing_key]
    assert "driver_certificates" in [m.key for m in check.missing_other]


def _raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d["items"][0]["materials"].append({"key": "no_such"}), "not in [materials]"),
        (lambda d: d["items"][0].update(promised_days=30), "promised time limit exceeds"),
        (lambda d: d["items"][0].update(action="approve"), "action must be one of"),
        (lambda d: d["items"][0].update(code="12345"), "12-digit"),
        (lambda d: d["items"][1].update(key=d["items"][0]["key"]), "used twice"),
        (
            lambda d: d["items"][0]["materials"].append(
                {"key": "photo", "key_material": True, "rongque": True}
            ),
            "never be missing under 容缺",
        ),
        (lambda d: d["bundles"][0]["items"].append("no_item"), "not in the catalogue"),
        (lambda d: d["bundles"][0]["items"].append("qualification_new"), "same kind of applicant"),
        (lambda d: d["uploads"].update(content_types=["application/zip"]), "content_types"),
        (lambda d: d.pop("procedure"), "[procedure]"),
    ],
)
def test_a_broken_catalogue_is_refused_with_the_entry_named(mutate, fragment):
    data = _raw()
    mutate(data)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data, origin="service_items.toml")
    assert fragment in str(caught.value)
