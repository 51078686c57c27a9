"""Vehicles (车辆): matched by VIN; a plate (with its colour) belongs to one VIN."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from roadcredit.core.models import new_public_id
from roadcredit.exchange import columns, tabular
from roadcredit.subjects.identifiers import validate_vin
from roadcredit.subjects.models import Operator, Vehicle
from roadcredit.subjects.services import check_not_cancelled
from roadcredit.subjects.validation import FieldErrors, InputInvalid, VehicleInput, parse_vehicle

from .base import BULK_BATCH, Context, Importer, Prepared, changed_fields, safe_key


class VehicleImporter(Importer):
    kind = "vehicle"
    kept_when_blank = ("approved_load_kg", "seats", "operator_uscc", "status")

    def __init__(self, ctx: Context, *, write: bool) -> None:
        super().__init__(ctx, write=write)
        self.plates: dict[tuple[str, str], tuple[int, str]] = {}  # plate → (first row, VIN)

    def process(self, rows: Sequence[tabular.Row]) -> None:
        ctx = self.ctx
        items = self.prepare(rows)
        for item in items:
            item.key = safe_key(validate_vin, item.data.get("vin"))
        existing = {
            v.vin: v
            for v in Vehicle.objects.filter(vin__in={i.key for i in items if i.key}).select_related(
                "operator"
            )
        }
        parsed_rows: list[tuple[Prepared, VehicleInput]] = []
        for item in items:
            if item.key is not None:
                first = self.first_seen(item, item.key)
                if first is not None:
                    ctx.add_error(item.row, "vin", _("Same VIN as row %(row)d.") % {"row": first})
                    continue
            vehicle = existing.get(item.key)
            current = None
            if vehicle is not None:
                current = {
                    "approved_load_kg": vehicle.approved_load_kg,
                    "seats": vehicle.seats,
                    "operator_uscc": vehicle.operator.uscc if vehicle.operator else None,
                    "status": vehicle.status,
                }
            try:
                parsed = parse_vehicle(self.merged(item, current))
            except InputInvalid as exc:
                self.field_errors(item, exc.fields)
                continue
            if not item.bad:
                parsed_rows.append((item, parsed))

        plates = {parsed.plate for _, parsed in parsed_rows}
        plate_owner = {
            (plate, colour): vin
            for plate, colour, vin in Vehicle.objects.filter(plate__in=plates).values_list(
                "plate", "plate_colour", "vin"
            )
        }
        operators = {
            op.uscc: op
            for op in Operator.objects.filter(
                uscc__in={p.operator_uscc for _, p in parsed_rows if p.operator_uscc}
            )
        }
        to_create: list[Vehicle] = []
        to_update: list[tuple[Vehicle, list[str]]] = []
        for item, parsed in parsed_rows:
            if not self._plate_free(item, parsed, plate_owner):
                continue
            owner = None
            if parsed.operator_uscc is not None:
                owner = operators.get(parsed.operator_uscc)
                if owner is None:
                    ctx.add_error(
                        item.row,
                        "operator_uscc",
                        _("No operator is registered under the code %(uscc)s.")
                        % {"uscc": parsed.operator_uscc},
                    )
                    continue
            vehicle = existing.get(parsed.vin)
            errors: FieldErrors = {}
            owner_changed = vehicle is None or (
                owner is not None and owner.pk != vehicle.operator_id
            )
            check_not_cancelled(owner, "operator_uscc", errors, changed=owner_changed)
            if errors:
                self.field_errors(item, errors)
                continue
            values: dict[str, object] = {
                "plate": parsed.plate,
                "plate_colour": parsed.plate_colour,
                "vehicle_type": parsed.vehicle_type,
                "fuel": parsed.fuel,
                "approved_load_kg": parsed.approved_load_kg,
                "seats": parsed.seats,
                "operator_id": owner.pk if owner is not None else None,
                "status": parsed.status,
            }
            if vehicle is None:
                self.count("created")
                if self.write:
                    to_create.append(Vehicle(public_id=new_public_id(), vin=parsed.vin, **values))
                continue
            changed = changed_fields(vehicle, values)
            if not changed:
                self.count("unchanged")
                continue
            self.count("updated")
            for name in changed:
                setattr(vehicle, name, values[name])
            to_update.append((vehicle, changed))
        if self.write:
            created = Vehicle.objects.bulk_create(to_create, batch_size=BULK_BATCH)
            if to_update:
                for vehicle, _changed_fields in to_update:
                    vehicle.updated_at = ctx.now
                fields = sorted({name for _, changed in to_update for name in changed})
                Vehicle.objects.bulk_update(
                    [v for v, _ in to_update], [*fields, "updated_at"], batch_size=BULK_BATCH
                )
            self.audit_batch(
                rows,
                (v.public_id for v in created),
                {v.public_id: [n.removesuffix("_id") for n in changed] for v, changed in to_update},
            )

    def _plate_free(
        self, item: Prepared, parsed: VehicleInput, plate_owner: Mapping[tuple[str, str], str]
    ) -> bool:
        colour = columns.PLATE_COLOUR_LABELS.get(parsed.plate_colour, ("",))[0]
        key = (parsed.plate, parsed.plate_colour)
        first = self.plates.get(key)
        if first is not None and first[1] != parsed.vin:
            self.ctx.add_error(
                item.row,
                "plate",
                _("The plate %(plate)s (%(colour)s) is also on row %(row)d, with another VIN.")
                % {"plate": parsed.plate, "colour": colour, "row": first[0]},
            )
            return False
        self.plates.setdefault(key, (item.row, parsed.vin))
        owner_vin = plate_owner.get(key)
        if owner_vin is not None and owner_vin != parsed.vin:
            self.ctx.add_error(
                item.row,
                "plate",
                _(
                    "The plate %(plate)s (%(colour)s) is already registered on another vehicle "
                    "(VIN %(vin)s)."
                )
                % {"plate": parsed.plate, "colour": colour, "vin": owner_vin},
            )
            return False
        return True
