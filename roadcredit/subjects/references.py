"""One subject of three kinds: how a row of another app names the operator, vehicle or
practitioner it is about.

Credit records, double publicity items, licences, applications, cases, notices and grade
snapshots each hold one nullable foreign key per kind they admit, usually a kind column saying
which one is set, and a ``CheckConstraint`` that admits exactly that one. The keys, the kinds,
the constraint and the ``subject`` property are written here once; a model states only what is
its own (``related_name``, ``on_delete``, labels, index, constraint name) and gets back the very
field and constraint definitions it had before (the schema, and so the migrations, are unchanged).

The subjects are named by string (``"subjects.Operator"``), so importing this module loads no
model: it may be imported from any app's ``models`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Self, TypeAlias, TypedDict, Unpack, overload

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from roadcredit.subjects.models import Operator, Practitioner, Vehicle

    OperatorKey: TypeAlias = models.ForeignKey[Operator | None, Operator | None]
    VehicleKey: TypeAlias = models.ForeignKey[Vehicle | None, Vehicle | None]
    PractitionerKey: TypeAlias = models.ForeignKey[Practitioner | None, Practitioner | None]

__all__ = [
    "SUBJECT_LABELS",
    "SUBJECT_MODELS",
    "GradedKind",
    "KeyOptions",
    "SubjectByKind",
    "SubjectKind",
    "graded_subject_keys",
    "one_subject_condition",
    "one_subject_constraint",
    "subject_keys",
    "subject_named_by_kind",
    "the_subject_set",
]


class SubjectKind(models.TextChoices):
    """Any subject: what a credit record, a publicity item or a licence is about."""

    OPERATOR = "operator", _("operator")
    VEHICLE = "vehicle", _("vehicle")
    PRACTITIONER = "practitioner", _("practitioner")


class GradedKind(models.TextChoices):
    """A subject that is graded, applies and is notified: an operator (also for its vehicles)
    or a practitioner."""

    OPERATOR = "operator", _("operator")
    PRACTITIONER = "practitioner", _("practitioner")


# The foreign key column of each kind is named after the kind; the order is the one every
# constraint lists the kinds in.
SUBJECT_MODELS: Final[Mapping[str, str]] = {
    SubjectKind.OPERATOR: "subjects.Operator",
    SubjectKind.VEHICLE: "subjects.Vehicle",
    SubjectKind.PRACTITIONER: "subjects.Practitioner",
}
SUBJECT_LABELS: Final[Mapping[str, StrOrPromise]] = {
    SubjectKind.OPERATOR: _("operator"),
    SubjectKind.VEHICLE: _("vehicle"),
    SubjectKind.PRACTITIONER: _("practitioner"),
}


class KeyOptions(TypedDict, total=False):
    """What a model may say about its subject keys beyond their ``related_name``."""

    on_delete: Callable[..., None]  # models.PROTECT unless given
    verbose_names: Mapping[str, StrOrPromise] | None  # SUBJECT_LABELS; None: no label at all
    db_index: bool  # True unless given


def _keys(kinds: Iterable[str], related_name: str, options: KeyOptions) -> list[Any]:
    """One nullable foreign key per kind, in the kinds' order (typed by the public factories)."""
    labels = options.get("verbose_names", SUBJECT_LABELS)
    return [
        models.ForeignKey(
            SUBJECT_MODELS[kind],
            db_index=options.get("db_index", True),
            verbose_name=None if labels is None else labels[kind],
            on_delete=options.get("on_delete", models.PROTECT),
            related_name=related_name,
            null=True,
            blank=True,
        )
        for kind in kinds
    ]


def subject_keys(
    *, related_name: str, **options: Unpack[KeyOptions]
) -> tuple[OperatorKey, VehicleKey, PractitionerKey]:
    """``operator, vehicle, practitioner = subject_keys(...)`` in a model's body."""
    operator, vehicle, practitioner = _keys(SubjectKind.values, related_name, options)
    return operator, vehicle, practitioner


def graded_subject_keys(
    *, related_name: str, **options: Unpack[KeyOptions]
) -> tuple[OperatorKey, PractitionerKey]:
    """``operator, practitioner = graded_subject_keys(...)`` in a model's body."""
    operator, practitioner = _keys(GradedKind.values, related_name, options)
    return operator, practitioner


def one_subject_condition(
    kinds: Sequence[str],
    *,
    kind_field: str | None = "subject_kind",
    also_set: Mapping[str, Iterable[str]] | None = None,
) -> Q:
    """Exactly the key of one kind is set (and, with ``kind_field``, it is the kind named there).

    ``also_set`` names keys a kind's row may hold besides its own: a vehicle's credit record
    keeps the vehicle's owner in ``operator`` (``{"vehicle": ["operator"]}``), so that key is
    left free on vehicle rows.
    """
    unknown = [kind for kind in kinds if kind not in SUBJECT_MODELS]
    if unknown or len(kinds) < 2:
        raise ValueError(f"one subject of the kinds {list(kinds)!r}: need two or more known kinds")
    alternatives: list[Q] = []
    for kind in kinds:
        free = set((also_set or {}).get(kind, ()))
        lookups: dict[str, object] = {f"{kind}__isnull": False}
        lookups.update({f"{other}__isnull": True for other in kinds if other not in {kind, *free}})
        if kind_field is not None:
            lookups[kind_field] = str(kind)
        alternatives.append(Q(**lookups))
    condition = alternatives[0]
    for alternative in alternatives[1:]:
        condition |= alternative
    return condition


def one_subject_constraint(
    *,
    name: str,
    kinds: Sequence[str],
    kind_field: str | None = "subject_kind",
    also_set: Mapping[str, Iterable[str]] | None = None,
) -> models.CheckConstraint:
    """The ``CheckConstraint`` of :func:`one_subject_condition`, under the model's own name."""
    return models.CheckConstraint(
        condition=one_subject_condition(kinds, kind_field=kind_field, also_set=also_set),
        name=name,
    )


def subject_named_by_kind(row: object, kind: str) -> Any:
    """The subject in the key that ``kind`` names (``None`` while that key is empty)."""
    if kind not in SUBJECT_MODELS:
        raise ValueError(f"not a subject kind: {kind!r}")
    return getattr(row, kind)


def the_subject_set(row: object, kinds: Iterable[str] = tuple(SUBJECT_MODELS)) -> models.Model:
    """The one subject whose key is set on a row that has a single subject key set."""
    for kind in kinds:
        found = subject_named_by_kind(row, kind)
        if found is not None:
            assert isinstance(found, models.Model)
            return found
    raise AssertionError(f"{type(row).__name__} names no subject")


class SubjectByKind:
    """``subject = SubjectByKind()`` in a model's body: the subject in the key that the row's kind
    column (``subject_kind`` unless named) names.

    A descriptor rather than a mixin, so the model's bases (which a migration records) stay
    the Django ones.
    """

    def __init__(self, kind_field: str = "subject_kind") -> None:
        self.kind_field = kind_field

    @overload
    def __get__(self, row: None, owner: type[object]) -> Self: ...
    @overload
    def __get__(self, row: object, owner: type[object]) -> Any: ...
    def __get__(self, row: object | None, owner: type[object]) -> Any:
        if row is None:
            return self
        return subject_named_by_kind(row, getattr(row, self.kind_field))
