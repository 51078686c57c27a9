"""Admin views of the registry: read-only on purpose.

Every registry write must go through ``roadcredit.subjects.services``, which validates the
identifiers (check characters, clashes via the blind index), encrypts personal data and writes
the audit row in the same transaction. The admin's generic forms would bypass all of that, so the
system administrator may look here but not add, change or delete: edits happen through the
registry's pages, the API or the file import. The business-scope catalogue is data
(``data/business_scopes.toml``, loaded by ``manage.py load_catalogues``). Encrypted columns and
blind indexes are never shown; personal data appears only in its masked form. The USCC
allow-list is the security administrator's page, not part of the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from roadcredit.accounts.admin import ReadOnlyForSysadmin

from .models import BusinessScope, Operator, Practitioner, Qualification, Vehicle


@admin.register(BusinessScope)
class BusinessScopeAdmin(ReadOnlyForSysadmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "active", "sort_order")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(Operator)
class OperatorAdmin(ReadOnlyForSysadmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "uscc", "kind", "division_code", "status", "uscc_check_overridden")
    list_filter = ("kind", "status", "uscc_check_overridden")
    search_fields = ("name", "uscc")
    fields = (
        "public_id",
        "uscc",
        "name",
        "kind",
        "legal_representative",
        "address",
        "division_code",
        "business_scopes",
        "status",
        "uscc_check_overridden",
        "created_at",
        "updated_at",
    )


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyForSysadmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("plate", "plate_colour", "vin", "vehicle_type", "operator", "status")
    list_filter = ("plate_colour", "vehicle_type", "fuel", "status")
    search_fields = ("plate", "vin", "operator__name")
    list_select_related = ("operator",)
    fields = (
        "public_id",
        "plate",
        "plate_colour",
        "vin",
        "vehicle_type",
        "fuel",
        "approved_load_kg",
        "seats",
        "operator",
        "status",
        "created_at",
        "updated_at",
    )


class QualificationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Qualification
    fields = ("category", "first_issue_date", "valid_until")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Practitioner)
class PractitionerAdmin(ReadOnlyForSysadmin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Only the masked columns: never id_number_encrypted / phone_encrypted / *_index.
    list_display = ("name", "id_number_masked", "sex", "employer", "status")
    list_filter = ("sex", "status")
    search_fields = ("name", "employer__name")
    list_select_related = ("employer",)
    fields = (
        "public_id",
        "name",
        "id_number_masked",
        "sex",
        "phone_masked",
        "employer",
        "status",
        "created_at",
        "updated_at",
    )
    inlines = (QualificationInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Practitioner]:
        # Do not even load the ciphertexts into the admin's memory.
        return (
            super()
            .get_queryset(request)
            .defer("id_number_encrypted", "phone_encrypted", "id_number_index", "phone_index")
        )
