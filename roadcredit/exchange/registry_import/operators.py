"""Operators (经营业户): matched by USCC; business scopes replaced as a set when given."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.utils.translation import gettext as _

from roadcredit.core.models import new_public_id
from roadcredit.exchange import tabular
from roadcredit.subjects.identifiers import validate_uscc
from roadcredit.subjects.models import Operator
from roadcredit.subjects.validation import InputInvalid, OperatorInput, parse_operator

from .base import BULK_BATCH, Importer, changed_fields, safe_key


class OperatorImporter(Importer):
    kind = "operator"
    kept_when_blank = ("kind", "division_code", "business_scope_codes", "status")

    def process(self, rows: Sequence[tabular.Row]) -> None:
        ctx = self.ctx
        items = self.prepare(rows)
        for item in items:
            item.key = safe_key(
                lambda v: validate_uscc(v, allow_failed_check=True), item.data.get("uscc")
            )
        existing = {
            op.uscc: op for op in Operator.objects.filter(uscc__in={i.key for i in items if i.key})
        }
        scopes: dict[int, set[str]] = defaultdict(set)
        through = Operator.business_scopes.through
        for operator_id, code in through.objects.filter(
            operator_id__in=[op.pk for op in existing.values()]
        ).values_list("operator_id", "businessscope__code"):
            scopes[operator_id].add(code)

        to_create: list[tuple[Operator, tuple[str, ...]]] = []
        to_update: list[tuple[Operator, list[str], tuple[str, ...] | None]] = []
        for item in items:
            if item.key is not None:
                first = self.first_seen(item, item.key)
                if first is not None:
                    ctx.add_error(
                        item.row,
                        "uscc",
                        _("Same unified social credit code as row %(row)d.") % {"row": first},
                    )
                    continue
            operator = existing.get(item.key)
            current = None
            if operator is not None:
                current = {
                    "kind": operator.kind,
                    "division_code": operator.division_code,
                    "business_scope_codes": tuple(sorted(scopes[operator.pk])),
                    "status": operator.status,
                }

            # A registered pilot code stays accepted while it is unchanged (as operator_update).
            kept = operator.uscc if operator and operator.uscc_check_overridden else None

            def allowlisted(code: str, kept: str | None = kept) -> bool:
                return code in ctx.allowlist or code == kept

            try:
                parsed = parse_operator(self.merged(item, current), uscc_allowlisted=allowlisted)
            except InputInvalid as exc:
                self.field_errors(item, exc.fields)
                continue
            if item.bad:
                continue
            values = self._values(parsed)
            if operator is None:
                self.count("created")
                if self.write:
                    operator = Operator(public_id=new_public_id(), uscc=parsed.uscc, **values)
                    to_create.append((operator, parsed.business_scope_codes))
                continue
            changed = changed_fields(operator, values)
            new_scopes = None
            if set(parsed.business_scope_codes) != scopes[operator.pk]:
                new_scopes = parsed.business_scope_codes
            if not changed and new_scopes is None:
                self.count("unchanged")
                continue
            self.count("updated")
            for name in changed:
                setattr(operator, name, values[name])
            to_update.append((operator, changed, new_scopes))
        if self.write:
            self._write(rows, to_create, to_update)

    @staticmethod
    def _values(parsed: OperatorInput) -> dict[str, object]:
        return {
            "name": parsed.name,
            "kind": parsed.kind,
            "legal_representative": parsed.legal_representative,
            "address": parsed.address,
            "division_code": parsed.division_code,
            "status": parsed.status,
            "uscc_check_overridden": parsed.uscc_check_overridden,
        }

    def _write(
        self,
        rows: Sequence[tabular.Row],
        to_create: list[tuple[Operator, tuple[str, ...]]],
        to_update: list[tuple[Operator, list[str], tuple[str, ...] | None]],
    ) -> None:
        ctx = self.ctx
        created = Operator.objects.bulk_create([op for op, _ in to_create], batch_size=BULK_BATCH)
        fields = sorted({name for _, changed, _ in to_update for name in changed})
        for operator, _changed_fields, _scopes in to_update:
            operator.updated_at = ctx.now
        if to_update:
            Operator.objects.bulk_update(
                [op for op, _, _ in to_update], [*fields, "updated_at"], batch_size=BULK_BATCH
            )
        through = Operator.business_scopes.through
        replaced = [op.pk for op, _, scopes in to_update if scopes is not None]
        if replaced:
            through.objects.filter(operator_id__in=replaced).delete()
        links = [
            through(operator_id=op.pk, businessscope_id=ctx.scope_ids[code])
            for op, codes in zip(created, (codes for _, codes in to_create), strict=True)
            for code in codes
        ] + [
            through(operator_id=op.pk, businessscope_id=ctx.scope_ids[code])
            for op, _, scopes in to_update
            if scopes is not None
            for code in scopes
        ]
        through.objects.bulk_create(links, batch_size=BULK_BATCH)
        updated = {
            op.public_id: [*changed, *(["business_scopes"] if scopes is not None else [])]
            for op, changed, scopes in to_update
        }
        self.audit_batch(rows, (op.public_id for op in created), updated)
