"""The Chinese label tables of the import agree with the models' choices and with the zh-Hans
labels of the subjects app's own catalogue, so what the registry pages call a value can be
typed back into a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import pytest
from django.utils import translation

import roadcredit.subjects
from roadcredit.exchange import columns
from roadcredit.subjects.identifiers import PLATE_COLOURS
from roadcredit.subjects.models import (
    FuelType,
    OperatorKind,
    PlateColour,
    QualificationCategory,
    SubjectStatus,
    VehicleType,
)

TABLES = [
    (SubjectStatus, columns.STATUS_LABELS),
    (OperatorKind, columns.OPERATOR_KIND_LABELS),
    (PlateColour, columns.PLATE_COLOUR_LABELS),
    (VehicleType, columns.VEHICLE_TYPE_LABELS),
    (FuelType, columns.FUEL_LABELS),
    (QualificationCategory, columns.QUALIFICATION_LABELS),
]


@pytest.mark.parametrize(("choices", "table"), TABLES)
def test_every_model_choice_has_labels_and_no_more(choices: Any, table: Any) -> None:
    assert set(table) == set(choices.values)


SUBJECTS_CATALOGUE = (
    Path(roadcredit.subjects.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
)


@pytest.mark.parametrize(("choices", "table"), TABLES)
def test_the_zh_hans_label_of_every_choice_is_accepted(choices: Any, table: Any) -> None:
    catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(str(SUBJECTS_CATALOGUE))}
    for member in choices:
        with translation.override("en"):
            english = str(member.label)  # the msgid: there is no English catalogue
        assert catalogue[english] in table[member.value], (member.value, catalogue[english])


def test_the_plate_colour_names_match_the_identifier_rules() -> None:
    assert {code: labels[0] for code, labels in columns.PLATE_COLOUR_LABELS.items()} == (
        PLATE_COLOURS
    )


def test_no_label_means_two_different_codes() -> None:
    for _, table in TABLES:
        spellings = [label for labels in table.values() for label in labels]
        assert len(spellings) == len(set(spellings))
