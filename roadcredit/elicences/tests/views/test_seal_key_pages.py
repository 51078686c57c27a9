"""The security administrator's seal-key page: the certificate list with its warnings, and the
confirmed, reasoned, audited rotation (CSRF, POST only, 三员分立)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core import keystore
from roadcredit.elicences import signing
from roadcredit.elicences.services.seal_keys import ROTATE_ACTION
from roadcredit.elicences.signing import keys

pytestmark = [pytest.mark.django_db]

PAGE = reverse("elicences:seal_keys")
ROTATE = reverse("elicences:seal_key_rotate")
REASON = "原签章证书即将到期，按年度计划轮换"


@pytest.fixture(autouse=True)
def fresh_keystore(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A key store of this test's own, so the seals rotated here stay here."""
    path = tmp_path / "keystore" / "keystore.json"
    settings.KEYSTORE_PATH = path
    settings.KEYSTORE_AUTO_CREATE = True
    keystore.reset_cache()
    keys.reset_cache()
    yield path
    keystore.reset_cache()
    keys.reset_cache()


def _rotate(client: Client, **changes: str) -> Any:
    data = {
        "reason": REASON,
        "confirmation": "轮换",
        "expected_kid": signing.active_seal().kid.hex(),
        **changes,
    }
    return client.post(ROTATE, data)


def test_the_page_lists_the_seal_and_root_with_serial_validity_and_state(client_as: Any) -> None:
    seal = signing.active_seal()

    response = client_as(Role.SECADMIN).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "电子证照签章密钥" in html
    assert "烟台市牟平区交通运输局 电子证照专用章" in html
    assert "烟台市牟平区交通运输局 电子证照根证书" in html
    assert format(seal.certificate.serial_number, "X") in html
    assert seal.kid.hex() in html
    # Shown as dates of the bureau's time zone (a certificate made after 16:00 UTC ends on the
    # next day in Beijing time).
    assert timezone.localdate(seal.not_before).isoformat() in html
    assert timezone.localdate(seal.not_after).isoformat() in html
    assert "当前使用" in html and "当前根证书" in html
    assert "距到期天数" in html
    assert "轮换签章密钥" in html and "请输入“<strong>轮换</strong>”以确认" in html
    assert "天内到期" not in html  # a fresh seal: no warning
    assert "style=" not in html


def test_it_never_shows_key_material(client_as: Any) -> None:
    der = signing.active_seal().algorithm.private_key_pkcs8()

    html = client_as(Role.SECADMIN).get(PAGE).content.decode()

    assert der.hex() not in html and der.hex().upper() not in html


def test_a_seal_within_the_warning_window_is_flagged(client_as: Any, monkeypatch: Any) -> None:
    seal = signing.active_seal()
    near_the_end = seal.not_after - dt.timedelta(days=20)
    monkeypatch.setattr("roadcredit.core.clock.now", lambda: near_the_end)
    monkeypatch.setattr("roadcredit.core.clock.today", lambda: near_the_end.date())

    html = client_as(Role.SECADMIN).get(PAGE).content.decode()

    assert "60 天内到期" in html
    assert "到期提醒" in html and seal.kid.hex() in html


def test_the_security_administrator_rotates_with_a_reason_and_the_word(
    client_as: Any, personas: dict[Role, Any]
) -> None:
    old = signing.active_seal()
    client = client_as(Role.SECADMIN)

    response = _rotate(client)

    assert response.status_code == 302 and response["Location"] == PAGE
    new = signing.active_seal()
    assert new.kid != old.kid
    entry = AuditEntry.objects.get(action=ROTATE_ACTION)
    assert entry.before is not None and entry.after is not None
    assert entry.actor == personas[Role.SECADMIN]
    assert entry.after["reason"] == REASON
    assert entry.before["kid"] == old.kid.hex()
    html = client.get(PAGE).content.decode()
    assert new.kid.hex() in html and "重启" in html
    assert "已轮换（仍可验证）" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"confirmation": ""}, "请输入“轮换”以确认轮换。"),
        ({"confirmation": "确认"}, "请输入“轮换”以确认轮换。"),
        ({"reason": ""}, "此项为必填项。"),
        ({"reason": "   "}, "此项为必填项。"),
    ],
)
def test_nothing_rotates_without_the_word_or_a_reason(
    client_as: Any, changes: dict[str, str], message: str
) -> None:
    old = signing.active_seal()

    response = _rotate(client_as(Role.SECADMIN), **changes)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert signing.active_seal().kid == old.kid
    assert not AuditEntry.objects.filter(action=ROTATE_ACTION).exists()


def test_a_form_sent_twice_rotates_once(client_as: Any) -> None:
    client = client_as(Role.SECADMIN)
    seen = signing.active_seal().kid.hex()
    assert _rotate(client, expected_kid=seen).status_code == 302

    again = _rotate(client, expected_kid=seen)

    assert again.status_code == 400
    html = again.content.decode()
    assert "打开本页后当前签章证书已发生变化" in html
    # The form now confirms against the seal active now.
    assert f'value="{signing.active_seal().kid.hex()}"' in html
    assert AuditEntry.objects.filter(action=ROTATE_ACTION).count() == 1


def test_a_get_on_the_rotation_changes_nothing(client_as: Any) -> None:
    old = signing.active_seal()

    response = client_as(Role.SECADMIN).get(ROTATE, {"reason": REASON, "confirmation": "轮换"})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert signing.active_seal().kid == old.kid


def test_the_rotation_needs_the_csrf_token(personas: dict[Role, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas[Role.SECADMIN])
    old = signing.active_seal()

    response = _rotate(client)

    assert response.status_code == 403
    assert signing.active_seal().kid == old.kid


@pytest.mark.parametrize("role", [role for role in Role if role != Role.SECADMIN])
def test_every_other_role_is_refused(client_as: Any, role: Role) -> None:
    old = signing.active_seal()
    client = client_as(role)

    assert client.get(PAGE).status_code == 403
    assert _rotate(client).status_code == 403
    assert signing.active_seal().kid == old.kid


def test_anonymous_visitors_are_sent_to_the_login_page(client_as: Any) -> None:
    old = signing.active_seal()
    client = client_as(None)

    page = client.get(PAGE)
    rotation = _rotate(client)

    for response in (page, rotation):
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    assert signing.active_seal().kid == old.kid


def test_the_menu_links_the_page_for_the_security_administrator_only(client_as: Any) -> None:
    assert PAGE in client_as(Role.SECADMIN).get(reverse("home")).content.decode()
    assert PAGE not in client_as(Role.SYSADMIN).get(reverse("home")).content.decode()
