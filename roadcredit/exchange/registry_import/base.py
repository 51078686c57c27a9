"""What the importers of every kind share: the run's context, a prepared row, the steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from roadcredit.audit.services import audit_record
from roadcredit.exchange import columns, tabular
from roadcredit.exchange.columns import HeaderMap
from roadcredit.subjects.identifiers import IdentifierError
from roadcredit.subjects.validation import FieldErrors

from .results import MAX_ERRORS, ImportSummary, RowError

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

AUDIT_BATCH_ACTION = "exchange.import_subjects.batch"
BULK_BATCH = 500


@dataclass
class Prepared:
    row: int
    data: dict[str, object]
    bad: set[str]  # keys whose cells could not be read
    key: Any = None  # the normalised identifier, None when it could not be read


@dataclass
class Context:
    kind: str
    header: HeaderMap
    summary: ImportSummary
    actor: User | None
    today: dt.date
    now: dt.datetime
    scope_lookup: dict[str, str]
    scope_ids: dict[str, int]
    allowlist: frozenset[str]

    def add_error(self, row: int | None, key: str, message: str, *, label: str = "") -> None:
        if len(self.summary.errors) >= MAX_ERRORS:
            self.summary.errors_truncated = True
            return
        label = label or columns.column_label(self.kind, key)
        self.summary.errors.append(RowError(row, key, label, message))


def column_key(key: str) -> str:
    """The column a ``parse_*`` field key belongs to (``qualifications[0].category`` →
    ``category``; birth date and sex come from the ID number)."""
    if key.startswith("qualifications"):
        tail = key.rsplit(".", 1)[-1]
        return tail if tail in columns.QUALIFICATION_KEYS else "category"
    if key in ("birth_date", "sex"):
        return "id_number"
    if key == "uscc_check_overridden":
        return "uscc"
    return key


def safe_key(function: Callable[[str], Any], value: object) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return function(value)
    except IdentifierError:
        return None


class Importer:
    """Imports one kind, a chunk of rows at a time. The same class runs both passes: the check
    (``write=False``: errors and counts) and the write (``write=True``: the same checks again,
    then the bulk writes and the chunk's audit entry)."""

    kind: ClassVar[str]
    # Optional columns whose blank cell keeps the registered value.
    kept_when_blank: ClassVar[tuple[str, ...]]

    def __init__(self, ctx: Context, *, write: bool) -> None:
        self.ctx = ctx
        self.write = write
        self.seen: dict[Any, int] = {}  # identifier → first row

    # Steps shared by the kinds

    def prepare(self, rows: Sequence[tabular.Row]) -> list[Prepared]:
        prepared: list[Prepared] = []
        for row in rows:
            data, cell_errors = columns.convert_row(
                self.ctx.header, row.values, scopes=self.ctx.scope_lookup
            )
            bad = set()
            for error in cell_errors:
                bad.add(error.key)
                self.ctx.add_error(row.number, error.key, error.message, label=error.label)
            prepared.append(Prepared(row.number, data, bad))
        return prepared

    def merged(self, item: Prepared, current: Mapping[str, object] | None) -> dict[str, object]:
        data = dict(item.data)
        if current is not None:
            for key in self.kept_when_blank:
                if key not in data and key not in item.bad:
                    data[key] = current[key]
        return data

    def field_errors(self, item: Prepared, fields: FieldErrors) -> None:
        for key, messages in fields.items():
            column = column_key(key)
            if column in item.bad:
                continue  # the cell itself was already reported
            for message in messages:
                self.ctx.add_error(item.row, column, message)

    def first_seen(self, item: Prepared, key: Any) -> int | None:
        """The row where ``key`` was first met, or None (and remember this row)."""
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = item.row
        return first

    def count(self, outcome: str) -> None:
        if not self.write:
            setattr(self.ctx.summary, outcome, getattr(self.ctx.summary, outcome) + 1)

    def audit_batch(
        self, rows: Sequence[tabular.Row], created: Iterable[str], updated: Mapping[str, list[str]]
    ) -> None:
        created = list(created)
        if not created and not updated:
            return
        audit_record(
            actor=self.ctx.actor,
            action=AUDIT_BATCH_ACTION,
            target_type=f"subjects.{self.kind}",
            target_id=self.ctx.summary.sha256,
            after={
                "rows": [rows[0].number, rows[-1].number],
                "created": created,
                "updated": {public_id: sorted(fields) for public_id, fields in updated.items()},
            },
        )

    def process(self, rows: Sequence[tabular.Row]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """End of the check pass (counts that span chunks)."""


def changed_fields(target: object, values: Mapping[str, object]) -> list[str]:
    return [name for name, value in values.items() if getattr(target, name) != value]
