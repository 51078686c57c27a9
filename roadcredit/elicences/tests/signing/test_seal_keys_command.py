"""``python manage.py seal_keys init|rotate|status``."""

from __future__ import annotations

import base64
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from roadcredit.audit.models import AuditEntry
from roadcredit.core.keystore import get_keystore
from roadcredit.elicences import signing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_keystore")]


def _run(*args: str) -> str:
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("seal_keys", *args, stdout=out)
    return out.getvalue()


def test_init_makes_the_keys_prints_the_kid_and_audits_it() -> None:
    output = _run("init")

    seal = signing.active_seal()
    assert seal.kid.hex() in output
    assert "签章密钥已就绪" in output
    entry = AuditEntry.objects.get(action="elicences.seal_keys.init")
    assert entry.target_id == seal.kid.hex()
    assert entry.actor_label == "system"


def test_rotate_switches_the_active_seal_and_status_lists_both() -> None:
    _run("init")
    old = signing.active_seal()

    rotated = _run("rotate")
    status = _run("status")

    new = signing.active_seal()
    assert new.kid != old.kid
    assert new.kid.hex() in rotated and "重启" in rotated
    assert AuditEntry.objects.filter(action="elicences.seal_keys.rotate").count() == 1
    lines = {line.split("kid ")[1][:16]: line for line in status.splitlines() if "kid " in line}
    assert "当前使用" in lines[new.kid.hex()]
    assert "已轮换" in lines[old.kid.hex()]
    assert "根证书" in status and "签章证书" in status


def test_status_never_prints_key_material() -> None:
    _run("init")
    seal = signing.active_seal()
    der = seal.algorithm.private_key_pkcs8()

    output = _run("status")

    assert base64.b64encode(der).decode() not in output
    assert der.hex() not in output


def test_status_warns_about_certificates_that_expire_soon() -> None:
    _run("init")

    output = _run("status", "--within-days", "2000")

    assert "到期" in output
    assert "seal_keys rotate" in output


def test_status_without_keys_names_the_fix(settings: Any) -> None:
    get_keystore()
    settings.KEYSTORE_AUTO_CREATE = False

    with pytest.raises(CommandError, match="seal_keys init"), translation.override("zh-hans"):
        call_command("seal_keys", "status", stdout=StringIO())
