import pytest
from cryptography.exceptions import InvalidTag

from roadcredit.core import pii


def test_an_id_number_round_trips_and_is_not_stored_in_clear():
    blob = pii.encrypt("370612198503150011", purpose="id_number")
    assert b"370612198503150011" not in blob
    assert pii.decrypt(blob, purpose="id_number") == "370612198503150011"


def test_two_encryptions_of_the_same_value_differ():
    assert pii.encrypt("13812345678", purpose="phone") != pii.encrypt(
        "13812345678", purpose="phone"
    )


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    blob = pii.encrypt("13812345678", purpose="phone")
    with pytest.raises(InvalidTag):
        pii.decrypt(blob, purpose="id_number")


def test_the_blind_index_matches_equal_values_only():
    a = pii.blind_index("11010519491231002x", purpose="id_number")
    b = pii.blind_index("11010519491231002X", purpose="id_number")
    c = pii.blind_index("110105194912310038", purpose="id_number")
    assert a == b != c
    assert pii.blind_index("11010519491231002X", purpose="phone") != a
