"""Every model that names one subject of several kinds admits exactly one subject per row: the
constraint built by ``subjects.references``, checked by the database for every combination of
kind and filled-in keys."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from roadcredit.credit.models import (
    CreditRecord,
    GradeSnapshot,
    ListEntry,
    Notice,
    Objection,
    RepairApplication,
)
from roadcredit.elicences.models import Licence
from roadcredit.licensing.models import Application, ApplicationItem, CommitmentBan
from roadcredit.subjects.references import GradedKind, SubjectKind
from roadcredit.subjects.tests.factories import make_operator, make_practitioner, make_vehicle

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Shape:
    model: type[models.Model]
    constraint: str
    kind_field: str | None
    kinds: Sequence[str]
    also_set: Mapping[str, set[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.model.__name__


SHAPES = [
    Shape(
        CreditRecord,
        "credit_record_subject_matches_kind",
        "subject_kind",
        SubjectKind.values,
        {"vehicle": {"operator"}},  # the vehicle's owner at recording time
    ),
    Shape(GradeSnapshot, "credit_snapshot_subject_matches_kind", "subject_kind", GradedKind.values),
    Shape(Notice, "credit_notice_subject_matches_kind", "subject_kind", GradedKind.values),
    Shape(
        RepairApplication, "credit_repair_subject_matches_kind", "subject_kind", GradedKind.values
    ),
    Shape(Objection, "credit_objection_subject_matches_kind", "subject_kind", GradedKind.values),
    Shape(ListEntry, "credit_list_subject_matches_kind", "subject_kind", GradedKind.values),
    Shape(Licence, "licence_exactly_one_holder", "holder_kind", SubjectKind.values),
    Shape(Application, "licensing_application_one_applicant", "applicant_kind", GradedKind.values),
    Shape(ApplicationItem, "licensing_item_one_target", None, SubjectKind.values),
    Shape(CommitmentBan, "licensing_ban_one_subject", None, GradedKind.values),
]


def _rows(shape: Shape) -> Iterator[tuple[str | None, frozenset[str]]]:
    """Every kind the column can hold (and none) with every set of filled-in keys."""
    kinds: list[str | None] = [*SubjectKind.values, ""] if shape.kind_field else [None]
    for kind in kinds:
        for size in range(len(shape.kinds) + 1):
            for keys in itertools.combinations(shape.kinds, size):
                yield kind, frozenset(keys)


def _admitted(shape: Shape, kind: str | None, keys: frozenset[str]) -> bool:
    if kind is None:
        return len(keys) == 1
    return kind in shape.kinds and kind in keys and keys - {kind} <= shape.also_set.get(kind, set())


def _constraint(shape: Shape) -> models.CheckConstraint:
    found = [c for c in shape.model._meta.constraints if c.name == shape.constraint]
    assert len(found) == 1
    assert isinstance(found[0], models.CheckConstraint)
    return found[0]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_the_database_admits_exactly_one_subject_per_kind(shape: Shape) -> None:
    constraint = _constraint(shape)
    admitted: list[tuple[str | None, list[str]]] = []
    for kind, keys in _rows(shape):
        row = shape.model()
        if shape.kind_field is not None:
            setattr(row, shape.kind_field, kind)
        for key, subject_pk in zip(shape.kinds, itertools.count(7), strict=False):
            setattr(row, f"{key}_id", subject_pk if key in keys else None)
        try:
            constraint.validate(shape.model, row)
        except ValidationError:
            assert not _admitted(shape, kind, keys), (kind, sorted(keys))
        else:
            assert _admitted(shape, kind, keys), (kind, sorted(keys))
            admitted.append((kind, sorted(keys)))
    # One way per kind (and a vehicle credit record with or without its owner).
    assert len(admitted) == len(shape.kinds) + sum(len(v) for v in shape.also_set.values())


def test_each_model_names_its_subject_by_the_shared_rule() -> None:
    owner = make_operator()
    lorry = make_vehicle(owner)
    driver = make_practitioner(employer=owner)

    record = CreditRecord(subject_kind=SubjectKind.VEHICLE, vehicle=lorry, operator=owner)
    assert record.subject == lorry
    assert record.graded_subject == owner
    assert Notice(subject_kind=GradedKind.PRACTITIONER, practitioner=driver).subject == driver
    assert GradeSnapshot(subject_kind=GradedKind.OPERATOR, operator=owner).subject == owner
    assert Licence(holder_kind=SubjectKind.VEHICLE, vehicle=lorry).holder == lorry
    assert Application(applicant_kind=GradedKind.OPERATOR, operator=owner).applicant == owner
    assert ApplicationItem(practitioner=driver).target == driver
