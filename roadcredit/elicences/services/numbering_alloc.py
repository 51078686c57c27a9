"""Allocating numbers: paper licence numbers, identifier serials and status-list slots.

Every value comes from a ``NumberSequence`` row locked with ``select_for_update`` inside the
caller's transaction. The race this prevents: two clerks issuing the same licence type at the
same moment would otherwise both read the same ``last_value`` and hand out one number twice.
Because the allocation and the licence insert commit or roll back together, a number is never
skipped either (gapless): a failed issuance gives its number back with its rollback.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from roadcredit.elicences.catalogue import LicenceType
from roadcredit.elicences.models import NumberSequence
from roadcredit.elicences.numbering import identifier_serial, parse_template
from roadcredit.elicences.selectors import licence_catalogue

DEFAULT_STATUS_LIST_SIZE = 1 << 17  # 131,072 licences per list: 32 KiB of bits, ~100 B zipped


def sequence_next(scope: str, *, count: int = 1) -> int:
    """Reserve ``count`` consecutive values of ``scope`` and return the first (1 on first use).

    Must run inside the caller's ``transaction.atomic()``, so that the values are used or given
    back together with the rows that use them.
    """
    if count < 1:
        raise ValueError("count must be positive")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must be called inside transaction.atomic()")
    # Lock the sequence row: a concurrent issuer of the same scope waits here until this
    # transaction commits or rolls back, then reads the value this one left.
    row = NumberSequence.objects.select_for_update().filter(scope=scope).first()
    if row is None:
        try:
            with transaction.atomic():  # a savepoint: losing the creation race is not fatal
                NumberSequence.objects.create(scope=scope, last_value=0)
        except IntegrityError:
            pass  # created by a concurrent transaction; the locking read below waits for it
        row = NumberSequence.objects.select_for_update().get(scope=scope)
    first = row.last_value + 1
    row.last_value += count
    row.save(update_fields=["last_value"])
    return first


def paper_number_scope(licence_type: LicenceType, *, year: int) -> str:
    division = licence_catalogue().issuer.division
    scope = f"number:{licence_type.key}:{division}"
    template = licence_type.number_template
    if template is not None and parse_template(template).has("year"):
        scope += f":{year}"
    return scope


def allocate_paper_numbers(
    licence_type: LicenceType, *, issued_on: dt.date, count: int = 1
) -> list[str]:
    """The next ``count`` paper numbers of a type numbered by template (catalogue format)."""
    catalogue = licence_catalogue()
    first = sequence_next(paper_number_scope(licence_type, year=issued_on.year), count=count)
    return [
        catalogue.format_number(licence_type.key, seq, year=issued_on.year)
        for seq in range(first, first + count)
    ]


def allocate_serials(licence_type: LicenceType, *, year: int, count: int = 1) -> list[str]:
    """The next identifier serials (year + 6-digit sequence per type, issuer and year)."""
    issuer = licence_catalogue().issuer.uscc
    first = sequence_next(f"serial:{licence_type.type_code}:{issuer}:{year}", count=count)
    return [identifier_serial(year, seq) for seq in range(first, first + count)]


def status_list_size() -> int:
    return int(getattr(settings, "ELICENCE_STATUS_LIST_SIZE", DEFAULT_STATUS_LIST_SIZE))


def status_list_id(number: int) -> str:
    """The id of the ``number``-th status list (1-based): ``370612-1``."""
    return f"{licence_catalogue().issuer.division}-{number}"


def allocate_status_slots(*, count: int = 1) -> list[tuple[str, int]]:
    """The next ``count`` (status list id, index) slots; a full list continues in the next one."""
    size = status_list_size()
    first = sequence_next(f"status:{licence_catalogue().issuer.division}", count=count)
    slots: list[tuple[str, int]] = []
    for value in range(first - 1, first - 1 + count):
        list_number, index = divmod(value, size)
        slots.append((status_list_id(list_number + 1), index))
    return slots
