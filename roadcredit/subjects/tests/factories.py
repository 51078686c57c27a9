"""Test data for the registry: valid identifiers (real check characters) and saved subjects.

``*_data`` helpers give the input mapping the services and the API take; ``make_*`` helpers save
a subject straight away (through the services, so the data is exactly what production writes).
Serial numbers keep every generated identifier unique within a test.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.identifiers import (
    USCC_ALPHABET,
    id_number_check_char,
    uscc_check_char,
    vin_check_char,
)
from roadcredit.subjects.models import BusinessScope, Operator, Practitioner, Vehicle

_serial = itertools.count(1)

OPERATOR_NAMES = [
    "烟台顺通物流有限公司",
    "牟平区宏达运输有限公司",
    "烟台市牟平区金海岸客运有限公司",
    "烟台安捷危险货物运输有限公司",
    "牟平区大窑街道李记货运部",
]
PERSON_NAMES = ["王建华", "李秀英", "张志强", "刘洋", "陈静", "杨帆", "赵国庆", "孙丽娟"]
# A Fujian pilot code that fails the GB 32100 check character yet is legally valid.
PILOT_USCC = "91350100M0001TGQXM"


def next_serial() -> int:
    return next(_serial)


def valid_uscc(serial: int | None = None, *, category: str = "91", division: str = "370612") -> str:
    """A well-formed USCC: category + division + 9-character organisation code + check."""
    n = next_serial() if serial is None else serial
    organisation = "MA3"
    for _ in range(6):
        n, digit = divmod(n, len(USCC_ALPHABET))
        organisation += USCC_ALPHABET[digit]
    body = category + division + organisation
    return body + uscc_check_char(body)


def wrong_check_uscc(code: str) -> str:
    """The same code with a wrong check character."""
    good = code[17]
    bad = next(c for c in USCC_ALPHABET if c != good)
    return code[:17] + bad


def valid_id_number(
    birth: dt.date = dt.date(1986, 7, 21),
    *,
    sex: str = "M",
    serial: int | None = None,
    division: str = "370612",
) -> str:
    """An 18-digit ID number; the sequence digit is odd for men and even for women."""
    n = (next_serial() if serial is None else serial) % 50
    sequence = f"{n:02d}" + ("1" if sex == "M" else "2")
    body = division + birth.strftime("%Y%m%d") + sequence
    return body + id_number_check_char(body)


def valid_vin(serial: int | None = None, *, prefix: str = "LZZ1CLVB") -> str:
    """A 17-character VIN (Sinotruk-style WMI) with its position-9 check digit."""
    n = next_serial() if serial is None else serial
    draft = f"{prefix}0NA{n:06d}"
    return draft[:8] + vin_check_char(draft) + draft[9:]


def valid_plate(serial: int | None = None, *, letter: str = "F") -> str:
    n = next_serial() if serial is None else serial
    return f"鲁{letter}{n % 100000:05d}"


def ensure_scopes() -> list[BusinessScope]:
    scopes = [
        ("2010", "道路普通货物运输"),
        ("2020", "道路货物专用运输（集装箱）"),
        ("2050", "道路危险货物运输"),
        ("1010", "道路旅客运输（班车客运）"),
    ]
    return [
        BusinessScope.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})[0]
        for i, (code, name) in enumerate(scopes)
    ]


def operator_data(**overrides: Any) -> dict[str, Any]:
    n = next_serial()
    data: dict[str, Any] = {
        "uscc": valid_uscc(n),
        "name": OPERATOR_NAMES[n % len(OPERATOR_NAMES)] + f"（{n}）",
        "legal_representative": PERSON_NAMES[n % len(PERSON_NAMES)],
        "address": f"山东省烟台市牟平区宁海街道正阳路{n}号",
        "division_code": "370612",
        "business_scope_codes": [],
    }
    data.update(overrides)
    return data


def vehicle_data(**overrides: Any) -> dict[str, Any]:
    n = next_serial()
    data: dict[str, Any] = {
        "plate": valid_plate(n),
        "plate_colour": "2",
        "vin": valid_vin(n),
        "vehicle_type": "freight",
        "fuel": "diesel",
        "approved_load_kg": 18000,
    }
    data.update(overrides)
    return data


def practitioner_data(**overrides: Any) -> dict[str, Any]:
    n = next_serial()
    data: dict[str, Any] = {
        "name": PERSON_NAMES[n % len(PERSON_NAMES)],
        "id_number": valid_id_number(serial=n),
        "phone": f"139{n % 100000000:08d}",
        "qualifications": [{"category": "freight", "first_issue_date": "2012-05-08"}],
    }
    data.update(overrides)
    return data


def make_operator(**overrides: Any) -> Operator:
    from roadcredit.subjects.services import operator_create

    return operator_create(actor=None, data=operator_data(**overrides))


def make_vehicle(operator: Operator | None = None, **overrides: Any) -> Vehicle:
    from roadcredit.subjects.services import vehicle_create

    if operator is not None:
        overrides.setdefault("operator_uscc", operator.uscc)
    return vehicle_create(actor=None, data=vehicle_data(**overrides))


def make_practitioner(employer: Operator | None = None, **overrides: Any) -> Practitioner:
    from roadcredit.subjects.services import practitioner_create

    if employer is not None:
        overrides.setdefault("employer_uscc", employer.uscc)
    return practitioner_create(actor=None, data=practitioner_data(**overrides))


def audit_after(entry: AuditEntry) -> dict[str, Any]:
    assert isinstance(entry.after, dict)
    return entry.after


def audit_before(entry: AuditEntry) -> dict[str, Any]:
    assert isinstance(entry.before, dict)
    return entry.before
