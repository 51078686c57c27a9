"""The one home of "a row about one subject of three kinds" (no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import models
from django.db.models import Q

from roadcredit.subjects.models import Practitioner
from roadcredit.subjects.references import (
    SUBJECT_LABELS,
    GradedKind,
    SubjectByKind,
    SubjectKind,
    graded_subject_keys,
    one_subject_condition,
    one_subject_constraint,
    subject_keys,
    subject_named_by_kind,
    the_subject_set,
)


def test_the_condition_for_three_kinds_is_the_hand_written_one() -> None:
    assert one_subject_condition(SubjectKind.values, kind_field="holder_kind") == (
        Q(
            holder_kind="operator",
            operator__isnull=False,
            vehicle__isnull=True,
            practitioner__isnull=True,
        )
        | Q(
            holder_kind="vehicle",
            operator__isnull=True,
            vehicle__isnull=False,
            practitioner__isnull=True,
        )
        | Q(
            holder_kind="practitioner",
            operator__isnull=True,
            vehicle__isnull=True,
            practitioner__isnull=False,
        )
    )


def test_a_vehicle_row_may_keep_its_owner_when_the_model_says_so() -> None:
    condition = one_subject_condition(
        SubjectKind.values, also_set={SubjectKind.VEHICLE: [SubjectKind.OPERATOR]}
    )
    every_kind_alone = one_subject_condition(SubjectKind.values)
    operator_row, vehicle_row, practitioner_row = condition.children
    assert vehicle_row == Q(
        subject_kind="vehicle", vehicle__isnull=False, practitioner__isnull=True
    )
    assert [operator_row, practitioner_row] == every_kind_alone.children[::2]


def test_without_a_kind_column_exactly_one_key_is_set() -> None:
    assert one_subject_condition(GradedKind.values, kind_field=None) == (
        Q(operator__isnull=False, practitioner__isnull=True)
        | Q(operator__isnull=True, practitioner__isnull=False)
    )


@pytest.mark.parametrize("kinds", [["operator"], ["operator", "driver"], []])
def test_it_refuses_fewer_than_two_or_unknown_kinds(kinds: list[str]) -> None:
    with pytest.raises(ValueError, match="need two or more known kinds"):
        one_subject_condition(kinds)


def test_the_constraint_carries_the_model_s_own_name() -> None:
    constraint = one_subject_constraint(
        name="credit_notice_subject_matches_kind", kinds=["operator", "practitioner"]
    )
    assert constraint.name == "credit_notice_subject_matches_kind"
    assert constraint.condition == one_subject_condition(["operator", "practitioner"])


def test_the_keys_are_nullable_protected_and_labelled_by_kind() -> None:
    keys = subject_keys(related_name="credit_records", db_index=False)
    described = [key.deconstruct()[3] for key in keys]
    assert [d["to"] for d in described] == [
        "subjects.operator",
        "subjects.vehicle",
        "subjects.practitioner",
    ]
    for kind, options in zip(SubjectKind.values, described, strict=True):
        assert options["on_delete"] is models.PROTECT
        assert options["related_name"] == "credit_records"
        assert options["null"] is True
        assert options["blank"] is True
        assert options["db_index"] is False
        assert options["verbose_name"] == SUBJECT_LABELS[kind]


def test_graded_keys_take_their_own_labels_deletion_rule_or_none() -> None:
    operator, practitioner = graded_subject_keys(
        related_name="grade_snapshots", on_delete=models.CASCADE
    )
    assert operator.deconstruct()[3]["on_delete"] is models.CASCADE
    assert "db_index" not in practitioner.deconstruct()[3]  # the foreign key default: indexed
    unlabelled = graded_subject_keys(related_name="+", verbose_names=None)
    assert all("verbose_name" not in key.deconstruct()[3] for key in unlabelled)


def test_the_subject_is_the_key_the_kind_names() -> None:
    owner, lorry = object(), object()
    row = SimpleNamespace(operator=owner, vehicle=lorry, practitioner=None)
    assert subject_named_by_kind(row, "vehicle") is lorry
    assert subject_named_by_kind(row, "practitioner") is None
    with pytest.raises(ValueError, match="not a subject kind"):
        subject_named_by_kind(row, "plate")


def test_the_subject_set_is_the_only_key_filled_in() -> None:
    driver = Practitioner(name="王建华")
    row = SimpleNamespace(operator=None, vehicle=None, practitioner=driver)
    assert the_subject_set(row) is driver
    with pytest.raises(AssertionError, match="names no subject"):
        the_subject_set(SimpleNamespace(operator=None, practitioner=None), GradedKind.values)


def test_the_subject_descriptor_reads_the_kind_column_the_model_names() -> None:
    class Holder:
        subject = SubjectByKind("holder_kind")

        def __init__(self) -> None:
            self.holder_kind = "practitioner"
            self.operator = None
            self.practitioner = "王建华"

    assert Holder().subject == "王建华"
    assert isinstance(Holder.subject, SubjectByKind)
