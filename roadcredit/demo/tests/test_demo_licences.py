"""The demo district's licences: the seed's figures, deterministic, idempotent, consistent with
the issuance service (numbers, identifiers, tokens, sequences)."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.audit.models import AuditEntry
from roadcredit.demo.generator import DemoDistrict
from roadcredit.demo.licence_loader import DemoLicencesRefused, demo_licences_load
from roadcredit.demo.licence_plan import LicencePlan, PlannedLicence, seed_figures
from roadcredit.demo.loader import demo_load
from roadcredit.elicences.catalogue import load_catalogue
from roadcredit.elicences.identifiers import parse_licence_identifier
from roadcredit.elicences.issuance_rates import period_of, rate
from roadcredit.elicences.models import Licence, LicenceEvent, LicenceStatus
from roadcredit.elicences.selectors_rates import issuance_counts
from roadcredit.elicences.services import licence_issue
from roadcredit.elicences.tests.services.support import freight_operator
from roadcredit.elicences.tokens import verify_token
from roadcredit.elicences.verification import trust_store

SCALE = 0.02
TODAY = dt.date(2026, 11, 28)


def _plan(scale: float = 1.0) -> list[PlannedLicence]:
    plan = LicencePlan(DemoDistrict(scale=scale), load_catalogue(), today=TODAY)
    return list(plan.licences())


def test_at_district_scale_the_plan_holds_the_seed_figures():
    rows = _plan()
    figures = seed_figures(rows)
    assert figures["total"] == 11_960
    assert figures["new_e_2024"] == 1_392
    assert figures["new_e_2025h1"] == 761
    assert (figures["with_e_2024"], figures["all_2024"]) == (1_418, 1_459)
    assert rate(figures["with_e_2024"], figures["all_2024"]) == rate(9719, 10000)
    assert 0.02 < figures["paper_only"] / figures["total"] < 0.06
    assert {r.issued_on.year for r in rows} == set(range(2019, 2027))
    assert all(r.issued_on.weekday() < 5 for r in rows)
    assert not any(r.type_key == "transport_certificate" and r.number is None for r in rows)


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    first = _plan(SCALE)
    assert first == _plan(SCALE)
    other = LicencePlan(DemoDistrict(scale=SCALE, seed=7), load_catalogue(), today=TODAY)
    assert [r.issued_on for r in other.licences()] != [r.issued_on for r in first]


@pytest.mark.django_db
def test_it_loads_the_licences_once_and_they_verify(personas):
    demo_load(actor=None, scale=SCALE, personas=False)
    district = DemoDistrict(scale=SCALE)
    first = demo_licences_load(actor=None, district=district, chunk_size=60, today=TODAY)
    planned = _plan(SCALE)
    assert first.created == len(planned) == Licence.objects.count()
    assert first.missing_holders == 0
    again = demo_licences_load(actor=None, district=district, today=TODAY)
    assert (again.created, again.skipped) == (0, len(planned))
    assert Licence.objects.count() == len(planned)

    electronic = Licence.objects.filter(has_electronic=True)
    assert electronic.count() == sum(1 for r in planned if r.electronic)
    sample = electronic.filter(status=LicenceStatus.VALID).first()
    assert sample is not None
    result = verify_token(sample.qr_text, trust=trust_store(), now=dt.datetime.now(dt.UTC))
    assert result.ok, result.message
    parsed = parse_licence_identifier(sample.identifier or "")
    assert parsed.serial == sample.serial
    renewed = Licence.objects.filter(version=2).select_related("predecessor").first()
    if renewed is not None:
        assert renewed.predecessor is not None
        assert renewed.predecessor.status == LicenceStatus.CHANGED
        assert parse_licence_identifier(renewed.identifier or "").version == 2
    assert LicenceEvent.objects.filter(kind="issue").count() == len(planned)
    assert AuditEntry.objects.filter(action="demo.load", target_type="elicences.licence").exists()
    # Personal data: qualification numbers are masked, never the full ID number.
    qualification = Licence.objects.filter(type_key="qualification_certificate").first()
    assert qualification is not None and "*" in qualification.paper_number

    # The 2024 issuance rate counts what the plan says.
    figures = seed_figures(planned)
    counts = issuance_counts(period=period_of("year", year=2024))
    assert sum(c[0] for c in counts.values()) == figures["with_e_2024"]
    assert sum(c[1] for c in counts.values()) == figures["all_2024"]

    # A licence issued after the demo gets the next number, not one the demo used.
    issued = licence_issue(actor=None, type_key="business_licence", holder=freight_operator())
    assert issued.paper_number == f"鲁交运管许可烟字370612{district.counts.operators + 1:06d}号"


@pytest.mark.django_db
def test_it_refuses_a_register_that_holds_other_licences():
    demo_load(actor=None, scale=SCALE, personas=False)
    licence_issue(actor=None, type_key="business_licence", holder=freight_operator())
    with pytest.raises(DemoLicencesRefused):
        demo_licences_load(actor=None, district=DemoDistrict(scale=SCALE), today=TODAY)


@pytest.mark.django_db
def test_load_demo_includes_the_licences_and_a_second_run_adds_none():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_demo", "--scale", str(SCALE), stdout=out, stderr=StringIO())
    count = Licence.objects.count()
    assert count == len(_plan(SCALE))
    assert "2024 年制证率" in out.getvalue()
    again = StringIO()
    call_command("load_demo", "--scale", str(SCALE), stdout=again, stderr=StringIO())
    assert "新增 0 条" in again.getvalue()
    assert Licence.objects.count() == count
    # The persona driver 张伟 holds a qualification certificate, the persona operator a licence.
    assert Licence.objects.filter(
        practitioner__name="张伟", type_key="qualification_certificate"
    ).exists()
    assert Licence.objects.filter(operator__name="烟台鑫达物流有限公司").exists()
