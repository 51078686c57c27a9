"""The subject registry: operators, vehicles and practitioners.

Models hold data and invariants only; every write goes through ``services``. Identifiers are
validated by the pure functions in ``identifiers`` before they get here; uniqueness is enforced
by the database. ID numbers and phone numbers are stored encrypted (``core.pii``) with a blind
index for exact search and a pre-computed masked form for display.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel


class BusinessScope(models.Model):
    """Catalogue of road-transport business scopes (经营范围), loaded from data."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("business scope")
        verbose_name_plural = _("business scopes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class OperatorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    INDIVIDUAL = "individual", _("individual business")


class SubjectStatus(models.TextChoices):
    ACTIVE = "active", _("subject status: in operation")
    SUSPENDED = "suspended", _("subject status: business suspended")
    CANCELLED = "cancelled", _("subject status: deregistered")


class Operator(PublicModel):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("operator kind"), max_length=20, choices=OperatorKind.choices)
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    address = models.CharField(_("address"), max_length=300)
    division_code = models.CharField(_("division code"), max_length=6)
    business_scopes = models.ManyToManyField(
        BusinessScope, verbose_name=_("business scope"), blank=True, related_name="operators"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE
    )
    uscc_check_overridden = models.BooleanField(_("USCC check overridden"), default=False)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OperatorKind.values), name="operator_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SubjectStatus.values), name="operator_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlateColour(models.TextChoices):
    """MOT plate colour codes (JT/T 697.7)."""

    BLUE = "1", _("blue")
    YELLOW = "2", _("yellow")
    BLACK = "3", _("black")
    WHITE = "4", _("white")
    GREEN = "5", _("green")
    YELLOW_GREEN = "93", _("yellow-green")
    OTHER = "9", _("other")


class VehicleType(models.TextChoices):
    FREIGHT = "freight", _("ordinary freight vehicle")
    DANGEROUS_GOODS = "dangerous_goods", _("dangerous goods vehicle")
    TRACTOR = "tractor", _("tractor unit")
    TRAILER = "trailer", _("trailer")
    BUS = "bus", _("passenger bus")
    TAXI = "taxi", _("taxi")
    RIDE_HAILING = "ride_hailing", _("ride-hailing car")


class FuelType(models.TextChoices):
    DIESEL = "diesel", _("diesel")
    PETROL = "petrol", _("petrol")
    ELECTRIC = "electric", _("electric")
    HYBRID = "hybrid", _("plug-in hybrid")
    GAS = "gas", _("natural gas")
    HYDROGEN = "hydrogen", _("hydrogen fuel cell")


class Vehicle(PublicModel):
    plate = models.CharField(_("plate number"), max_length=10)
    plate_colour = models.CharField(_("plate colour"), max_length=2, choices=PlateColour.choices)
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=20, choices=VehicleType.choices)
    approved_load_kg = models.PositiveIntegerField(_("approved load (kg)"), null=True, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    fuel = models.CharField(_("fuel"), max_length=20, choices=FuelType.choices)
    operator = models.ForeignKey(
        Operator,
        verbose_name=_("owning operator"),
        on_delete=models.PROTECT,
        related_name="vehicles",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate"]
        constraints = [
            models.UniqueConstraint(
                fields=["plate", "plate_colour"], name="vehicle_plate_colour_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(plate_colour__in=PlateColour.values), name="vehicle_colour_known"
            ),
            models.CheckConstraint(
                condition=models.Q(vehicle_type__in=VehicleType.values), name="vehicle_type_known"
            ),
            models.CheckConstraint(
                condition=models.Q(fuel__in=FuelType.values), name="vehicle_fuel_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SubjectStatus.values), name="vehicle_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate}（{self.get_plate_colour_display()}）"


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Practitioner(PublicModel):
    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number_encrypted = models.BinaryField(_("ID number (encrypted)"))
    id_number_index = models.CharField(_("ID number blind index"), max_length=64, unique=True)
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=18)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone_encrypted = models.BinaryField(_("mobile phone (encrypted)"), null=True, blank=True)
    phone_index = models.CharField(_("phone blind index"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("mobile phone (masked)"), max_length=11, blank=True)
    employer = models.ForeignKey(
        Operator,
        verbose_name=_("employing operator"),
        on_delete=models.PROTECT,
        related_name="practitioners",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sex__in=Sex.values), name="practitioner_sex_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SubjectStatus.values),
                name="practitioner_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QualificationCategory(models.TextChoices):
    PASSENGER = "passenger", _("road passenger transport driver")
    FREIGHT = "freight", _("road freight transport driver")
    DG_DRIVER = "dg_driver", _("dangerous goods transport driver")
    DG_LOADER = "dg_loader", _("dangerous goods loading supervisor")
    DG_ESCORT = "dg_escort", _("dangerous goods escort")
    TAXI = "taxi", _("cruising taxi driver")
    RIDE_HAILING = "ride_hailing", _("ride-hailing driver")


class Qualification(models.Model):
    """One qualification category a practitioner holds. ``first_issue_date`` anchors the
    driver's 12-month integrity-assessment cycle."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="qualifications"
    )
    category = models.CharField(
        _("qualification category"), max_length=20, choices=QualificationCategory.choices
    )
    first_issue_date = models.DateField(_("first issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "category"], name="qualification_unique_category"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=QualificationCategory.values),
                name="qualification_category_known",
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class UsccAllowListEntry(models.Model):
    """An early pilot code that fails the GB 32100 check character yet is legally valid.
    Kept by the security administrator; every change is audited."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    reason = models.CharField(_("reason"), max_length=300)
    added_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("USCC check exception")
        verbose_name_plural = _("USCC check exceptions")

    def __str__(self) -> str:
        return self.uscc
