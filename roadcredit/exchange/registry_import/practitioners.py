"""Practitioners (从业人员): matched by the blind index of the ID number; one qualification
per row, the same person on several rows with a different category on each. The import adds or
updates qualifications and never removes one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from roadcredit.core import pii
from roadcredit.core.models import new_public_id
from roadcredit.exchange import columns, tabular
from roadcredit.subjects.identifiers import validate_id_number
from roadcredit.subjects.models import Operator, Practitioner, Qualification
from roadcredit.subjects.services import check_not_cancelled, practitioner_fields_for_storage
from roadcredit.subjects.validation import (
    FieldErrors,
    InputInvalid,
    PractitionerInput,
    parse_practitioner,
)

from .base import BULK_BATCH, Context, Importer, Prepared, changed_fields, safe_key


@dataclass
class _Person:
    """What the check pass remembers of a practitioner met in the file."""

    first_row: int
    signature: int  # hash of the person's own columns as parsed
    outcome: str  # "created" / "updated" / "unchanged" / "" (its first row failed)
    categories: dict[str, int] = field(default_factory=dict)  # category ("" = none) → row


class PractitionerImporter(Importer):
    kind = "practitioner"
    kept_when_blank = ("employer_uscc", "status")

    def __init__(self, ctx: Context, *, write: bool) -> None:
        super().__init__(ctx, write=write)
        self.persons: dict[bytes, _Person] = {}

    def _key(self, value: object) -> str | None:
        info = safe_key(lambda v: validate_id_number(v, today=self.ctx.today), value)
        return pii.blind_index(info.number, purpose="id_number") if info is not None else None

    def process(self, rows: Sequence[tabular.Row]) -> None:
        ctx = self.ctx
        items = self.prepare(rows)
        for item in items:
            item.key = self._key(item.data.get("id_number"))
        existing = {
            p.id_number_index: p
            for p in Practitioner.objects.filter(
                id_number_index__in={i.key for i in items if i.key}
            ).select_related("employer")
        }
        held: dict[int, dict[str, Qualification]] = defaultdict(dict)
        for qualification in Qualification.objects.filter(
            practitioner_id__in=[p.pk for p in existing.values()]
        ):
            held[qualification.practitioner_id][qualification.category] = qualification

        parsed_rows: list[tuple[Prepared, PractitionerInput]] = []
        for item in items:
            person = existing.get(item.key)
            current = None
            if person is not None:
                current = {
                    "employer_uscc": person.employer.uscc if person.employer else None,
                    "status": person.status,
                }
            data = self.merged(item, current)
            cells = {k: data.pop(k) for k in columns.QUALIFICATION_KEYS if k in data}
            if "category" in cells:
                data["qualifications"] = [cells]
            elif cells and "category" not in item.bad:
                ctx.add_error(
                    item.row,
                    "category",
                    _("A qualification date is filled in but the qualification category is empty."),
                )
            try:
                parsed = parse_practitioner(data, today=ctx.today)
            except InputInvalid as exc:
                self.field_errors(item, exc.fields)
                continue
            if not item.bad and not (cells and "category" not in cells):
                parsed_rows.append((item, parsed))

        employers = {
            op.uscc: op
            for op in Operator.objects.filter(
                uscc__in={p.employer_uscc for _, p in parsed_rows if p.employer_uscc}
            )
        }
        new_people: dict[str, Practitioner] = {}
        to_update: dict[str, tuple[Practitioner, set[str]]] = {}
        new_qualifications: list[tuple[Practitioner, Qualification]] = []
        changed_qualifications: list[Qualification] = []
        for item, parsed in parsed_rows:
            key = str(item.key)
            employer = None
            if parsed.employer_uscc is not None:
                employer = employers.get(parsed.employer_uscc)
                if employer is None:
                    ctx.add_error(
                        item.row,
                        "employer_uscc",
                        _("No operator is registered under the code %(uscc)s.")
                        % {"uscc": parsed.employer_uscc},
                    )
                    continue
            person = existing.get(key) or new_people.get(key)
            errors: FieldErrors = {}
            employer_changed = person is None or (
                employer is not None and employer.pk != person.employer_id
            )
            check_not_cancelled(employer, "employer_uscc", errors, changed=employer_changed)
            if errors:
                self.field_errors(item, errors)
                continue
            state = self._same_person(item, key, parsed)
            if state is None:
                continue
            values: dict[str, object] = {
                "name": parsed.name,
                "birth_date": parsed.birth_date,
                "sex": parsed.sex,
                "employer_id": employer.pk if employer is not None else None,
                "status": parsed.status,
            }
            if person is None:
                if not self.write:
                    state.outcome = state.outcome or "created"
                    continue
                person = Practitioner(
                    public_id=new_public_id(),
                    **values,
                    **practitioner_fields_for_storage(parsed.id_number, parsed.phone),
                )
                new_people[key] = person
            elif key in existing:
                changed = set(changed_fields(person, values))
                phone_index = pii.blind_index(parsed.phone, purpose="phone") if parsed.phone else ""
                if parsed.phone and phone_index != person.phone_index:
                    changed.add("phone")
                qualification_changed = self._qualification_changed(
                    person, parsed, held, new_qualifications, changed_qualifications
                )
                if not self.write:
                    if changed or qualification_changed:
                        state.outcome = "updated"
                    else:
                        state.outcome = state.outcome or "unchanged"
                    continue
                if changed:
                    for name in changed - {"phone"}:
                        setattr(person, name, values[name])
                    if "phone" in changed:
                        storage = practitioner_fields_for_storage(parsed.id_number, parsed.phone)
                        for name, value in storage.items():
                            if name.startswith("phone_"):
                                setattr(person, name, value)
                    entry = to_update.setdefault(key, (person, set()))
                    entry[1].update(changed)
                elif qualification_changed:
                    to_update.setdefault(key, (person, set()))
                continue
            for wanted in parsed.qualifications:
                new_qualifications.append(
                    (
                        person,
                        Qualification(
                            category=wanted.category,
                            first_issue_date=wanted.first_issue_date,
                            valid_until=wanted.valid_until,
                        ),
                    )
                )
        if self.write:
            self._write(rows, new_people, to_update, new_qualifications, changed_qualifications)

    def _same_person(self, item: Prepared, key: str, parsed: PractitionerInput) -> _Person | None:
        """Checks a person met on several rows; None when this row is an error."""
        compact = bytes.fromhex(key)[:16]
        signature = hash((parsed.name, parsed.phone, parsed.employer_uscc, parsed.status))
        category = parsed.qualifications[0].category if parsed.qualifications else ""
        state = self.persons.get(compact)
        if state is None:
            state = _Person(item.row, signature, "")
            state.categories[category] = item.row
            self.persons[compact] = state
            return state
        if state.signature != signature:
            labels = "、".join(columns.column_label(self.kind, k) for k in columns.PERSON_KEYS)
            self.ctx.add_error(
                item.row,
                "id_number",
                _(
                    "Differs from row %(row)d of the same person (same ID number): %(columns)s "
                    "must be the same on every row of a person."
                )
                % {"row": state.first_row, "columns": labels},
            )
            return None
        first = state.categories.get(category)
        if first is not None:
            if category:
                self.ctx.add_error(
                    item.row,
                    "category",
                    _("Same person and qualification category as row %(row)d.") % {"row": first},
                )
            else:
                self.ctx.add_error(
                    item.row,
                    "id_number",
                    _(
                        "Same ID number as row %(row)d. A person on several rows needs a "
                        "different qualification category on each row."
                    )
                    % {"row": first},
                )
            return None
        state.categories[category] = item.row
        return state

    def _qualification_changed(
        self,
        person: Practitioner,
        parsed: PractitionerInput,
        held: Mapping[int, Mapping[str, Qualification]],
        new_qualifications: list[tuple[Practitioner, Qualification]],
        changed_qualifications: list[Qualification],
    ) -> bool:
        changed = False
        for wanted in parsed.qualifications:
            current = held.get(person.pk, {}).get(wanted.category)
            if current is None:
                changed = True
                if self.write:
                    new_qualifications.append(
                        (
                            person,
                            Qualification(
                                category=wanted.category,
                                first_issue_date=wanted.first_issue_date,
                                valid_until=wanted.valid_until,
                            ),
                        )
                    )
            elif (current.first_issue_date, current.valid_until) != (
                wanted.first_issue_date,
                wanted.valid_until,
            ):
                changed = True
                if self.write:
                    current.first_issue_date = wanted.first_issue_date
                    current.valid_until = wanted.valid_until
                    changed_qualifications.append(current)
        return changed

    def _write(
        self,
        rows: Sequence[tabular.Row],
        new_people: Mapping[str, Practitioner],
        to_update: Mapping[str, tuple[Practitioner, set[str]]],
        new_qualifications: list[tuple[Practitioner, Qualification]],
        changed_qualifications: list[Qualification],
    ) -> None:
        ctx = self.ctx
        created = Practitioner.objects.bulk_create(list(new_people.values()), batch_size=BULK_BATCH)
        fields: set[str] = set()
        for person, changed in to_update.values():
            person.updated_at = ctx.now
            for name in changed:
                fields.update(
                    ("phone_encrypted", "phone_index", "phone_masked")
                    if name == "phone"
                    else (name,)
                )
        if to_update:
            Practitioner.objects.bulk_update(
                [person for person, _ in to_update.values()],
                [*sorted(fields), "updated_at"],
                batch_size=BULK_BATCH,
            )
        qualifications = []
        for person, qualification in new_qualifications:
            qualification.practitioner_id = person.pk
            qualifications.append(qualification)
        Qualification.objects.bulk_create(qualifications, batch_size=BULK_BATCH)
        if changed_qualifications:
            Qualification.objects.bulk_update(
                changed_qualifications, ["first_issue_date", "valid_until"], batch_size=BULK_BATCH
            )
        # Every registered person whose qualifications changed is in to_update too.
        touched = {q.practitioner_id for q in qualifications} | {
            q.practitioner_id for q in changed_qualifications
        }
        updated = {
            person.public_id: [n.removesuffix("_id") for n in changed]
            + (["qualifications"] if person.pk in touched else [])
            for person, changed in to_update.values()
        }
        self.audit_batch(rows, (p.public_id for p in created), updated)

    def finish(self) -> None:
        summary = self.ctx.summary
        for state in self.persons.values():
            if state.outcome:
                setattr(summary, state.outcome, getattr(summary, state.outcome) + 1)
