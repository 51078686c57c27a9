"""Generated rows written as registry import files, and imported back."""

from __future__ import annotations

import csv
from io import StringIO
from itertools import islice

import pytest
from django.core.management import call_command

from roadcredit.demo.export import write_import_csv
from roadcredit.demo.generator import DemoDistrict
from roadcredit.exchange.registry_import import import_subjects
from roadcredit.subjects.models import Operator, Practitioner, Qualification, Vehicle


def test_it_writes_the_import_templates_headers_and_labels(tmp_path):
    district = DemoDistrict(scale=0.01)
    path = tmp_path / "车辆.csv"
    assert write_import_csv("vehicle", district.vehicles(), path) == district.counts.vehicles
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, first = islice(csv.reader(handle), 2)
    assert header[:3] == ["车牌号码*", "车牌颜色*", "车辆识别代号*"]
    assert first[1] in ("蓝色", "黄色", "绿色", "黄绿色")


@pytest.mark.django_db
def test_a_generated_district_imports_cleanly_through_the_registry_import(tmp_path, personas):
    from roadcredit.accounts.roles import Role

    call_command("load_catalogues", stdout=StringIO())
    district = DemoDistrict(scale=0.01)
    for kind, rows in (
        ("operator", district.operators()),
        ("vehicle", district.vehicles()),
        ("practitioner", district.practitioners()),
    ):
        path = tmp_path / f"{kind}.csv"
        write_import_csv(kind, rows, path)
        summary = import_subjects(actor=personas[Role.CLERK], kind=kind, path_or_file=path)
        assert summary.errors == [], summary.errors[:3]
    persona_operators = 1  # the test personas' own operator
    assert Operator.objects.count() == district.counts.operators + persona_operators
    assert Vehicle.objects.count() == district.counts.vehicles
    assert Practitioner.objects.count() == district.counts.practitioners + 1
    assert Qualification.objects.count() == sum(
        len(p.qualifications) for p in district.practitioners()
    )
