"""PAdES B-B seals: the general pyHanko path and the fast licence path, both judged by pyHanko."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
from typing import Any

import pytest
from asn1crypto import cms
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from roadcredit.elicences import signing
from roadcredit.elicences.rendering import render_licence_pdf, render_sealed_licence_pdf
from roadcredit.elicences.signing import pades
from roadcredit.elicences.tests.rendering.samples import LAYOUTS, sample_licence
from roadcredit.elicences.tests.signing.support import embedded_signature, pyhanko_status

pytestmark = pytest.mark.usefixtures("fresh_keystore")

VARIANTS = [sample_licence(layout) for layout in LAYOUTS] + [
    sample_licence(holder_name="牟平区宁海街道顺达货运部（个体工商户）"),
    sample_licence("qualification_certificate", holder_name="欧阳晓燕", valid_to=None),
    sample_licence(
        "transport_certificate",
        fields=(("车辆号牌", "鲁YD12345（绿）"), ("车辆类型", "纯电动轻型厢式货车")),
    ),
]


def _assert_valid(pdf: bytes, seal: signing.Seal) -> None:
    status = pyhanko_status(pdf, signing.trust_roots())
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.signing_cert.dump() == seal.certificate_der


@pytest.mark.parametrize("data", VARIANTS, ids=lambda d: f"{d.layout}-{d.holder_name}")
def test_every_fast_path_licence_validates_with_pyhanko(data: Any) -> None:
    seal = signing.active_seal()

    pdf = render_sealed_licence_pdf(data)

    _assert_valid(pdf, seal)


def test_the_general_path_validates_with_pyhanko() -> None:
    seal = signing.active_seal()

    pdf = signing.seal_pdf(render_licence_pdf(sample_licence()))

    _assert_valid(pdf, seal)


@pytest.mark.parametrize("path", ["fast", "general"])
def test_both_paths_make_pades_baseline_b_b_signatures(path: str) -> None:
    seal = signing.active_seal()
    data = sample_licence()
    pdf = (
        render_sealed_licence_pdf(data)
        if path == "fast"
        else signing.seal_pdf(render_licence_pdf(data))
    )

    embedded = embedded_signature(pdf)
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.self_reported_timestamp is not None  # /M
    assert str(embedded.sig_object["/Reason"]) == "电子证照签章"
    assert str(embedded.sig_object["/Location"]) == "烟台市牟平区"
    signed_data: cms.SignedData = embedded.signed_data
    signer_info = signed_data["signer_infos"][0]
    attributes = {a["type"].native: a for a in signer_info["signed_attrs"]}
    assert set(attributes) == {"content_type", "message_digest", "signing_certificate_v2"}
    cert_hash = attributes["signing_certificate_v2"]["values"][0]["certs"][0]["cert_hash"].native
    assert cert_hash == hashlib.sha256(seal.certificate_der).digest()
    embedded_certs = {c.chosen.dump() for c in signed_data["certificates"]}
    assert embedded_certs == {seal.certificate_der, *seal.chain_der}
    assert signer_info["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"


def test_each_licence_gets_its_own_signature_and_signing_time() -> None:
    data = sample_licence()
    first = render_sealed_licence_pdf(data, signed_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    second = render_sealed_licence_pdf(
        data, signed_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    )

    one, two = embedded_signature(first), embedded_signature(second)
    assert one.self_reported_timestamp != two.self_reported_timestamp
    assert one.signer_info["signature"].native != two.signer_info["signature"].native
    for pdf in (first, second):
        assert pyhanko_status(pdf, signing.trust_roots()).bottom_line


def test_it_seals_with_the_seal_it_is_given() -> None:
    old = signing.active_seal()
    signing.seal_rotate()

    pdf = render_sealed_licence_pdf(sample_licence(), seal=old)

    assert embedded_signature(pdf).signer_cert.dump() == old.certificate_der
    _assert_valid(pdf, old)


def test_sealing_works_inside_a_running_event_loop() -> None:
    pades._templates.clear()  # build the CMS template inside the loop too

    async def issue() -> bytes:
        return render_sealed_licence_pdf(sample_licence())

    pdf = asyncio.run(issue())

    _assert_valid(pdf, signing.active_seal())


def test_it_refuses_to_fill_a_pdf_without_a_signature_slot() -> None:
    with pytest.raises(signing.SealingError):
        signing.fill_signature_slot(render_licence_pdf(sample_licence()))


def test_it_refuses_a_slot_that_has_been_filled_already() -> None:
    sealed = render_sealed_licence_pdf(sample_licence())

    with pytest.raises(signing.SealingError):
        signing.fill_signature_slot(sealed)


def test_a_failed_seal_reveals_no_key_material(caplog: Any) -> None:
    seal = signing.active_seal()
    der = seal.algorithm.private_key_pkcs8()
    forms = [der.decode("latin-1"), base64.b64encode(der).decode(), der.hex()]

    with caplog.at_level(logging.DEBUG), pytest.raises(signing.SealingError) as caught:
        signing.seal_pdf(b"%PDF-1.7\nthis is not really a PDF")

    texts = [str(caught.value), repr(caught.value), str(caught.value.__cause__), caplog.text]
    assert all(form not in text for form in forms for text in texts)
    assert caught.value.message == "PDF 文件签章失败。"
