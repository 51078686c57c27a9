"""Masking of personal data for viewers who do not need the full value (pure functions)."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """First 6 + last 4 characters visible: ``370612********1234``."""
    value = value.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜, 张小三 → 张*三."""
    value = value.strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678."""
    value = value.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
