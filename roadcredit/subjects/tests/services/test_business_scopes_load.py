"""The business-scope catalogue: parsed from TOML, loaded idempotently, audited once per run."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.catalogues import (
    CatalogueError,
    parse_business_scopes,
    read_business_scopes,
)
from roadcredit.subjects.models import BusinessScope
from roadcredit.subjects.services import business_scopes_load

SMALL = """
version = "test-1"
[[scope]]
code = "2010"
name = "道路普通货物运输"
[[scope]]
code = "2050"
name = "道路危险货物运输"
"""


def test_the_built_in_catalogue_names_the_core_scopes():
    names = {s.name for s in read_business_scopes().scopes}
    assert {
        "道路普通货物运输",
        "道路危险货物运输",
        "道路货物专用运输（集装箱）",
        "道路大型物件运输",
        "出租汽车客运（巡游）",
        "网络预约出租汽车客运",
        "机动车维修经营",
    } <= names


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version = 1\n", "没有任何"),
        ('[[scope]]\ncode = "2010"\n', "缺少代码或名称"),
        ('[[scope]]\ncode = "1"\nname = "甲"\n[[scope]]\ncode = "1"\nname = "乙"\n', "重复"),
        ("[[scope]\n", "格式错误"),
    ],
)
def test_a_malformed_catalogue_is_refused_with_a_reason(text, fragment):
    with pytest.raises(CatalogueError) as caught:
        parse_business_scopes(text)
    assert fragment in str(caught.value)


@pytest.mark.django_db
def test_loading_twice_changes_nothing_the_second_time_but_audits_each_run():
    catalogue = parse_business_scopes(SMALL)
    first = business_scopes_load(actor=None, catalogue=catalogue)
    second = business_scopes_load(actor=None, catalogue=catalogue)

    assert first.created == ["2010", "2050"]
    assert second.created == [] and second.updated == [] and second.unchanged == 2
    assert BusinessScope.objects.count() == 2
    assert AuditEntry.objects.filter(action="subjects.business_scopes.load").count() == 2


@pytest.mark.django_db
def test_a_scope_dropped_from_the_file_is_deactivated_not_deleted():
    business_scopes_load(actor=None, catalogue=parse_business_scopes(SMALL))
    shorter = SMALL.split('[[scope]]\ncode = "2050"')[0]
    result = business_scopes_load(actor=None, catalogue=parse_business_scopes(shorter))
    assert result.deactivated == ["2050"]
    assert BusinessScope.objects.get(code="2050").active is False


@pytest.mark.django_db
def test_the_command_loads_the_built_in_catalogue(capsys):
    call_command("load_catalogues")
    call_command("load_catalogues")
    assert BusinessScope.objects.filter(name="道路普通货物运输").exists()
    assert AuditEntry.objects.filter(action="subjects.business_scopes.load").count() == 2
    assert "新增 0 项" in capsys.readouterr().out.splitlines()[-1]
