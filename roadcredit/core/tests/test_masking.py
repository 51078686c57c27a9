import pytest

from roadcredit.core.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("张小三", "张*三"), ("欧阳娜娜", "欧**娜"), ("王", "王")]
)
def test_names_are_masked_keeping_the_family_name(name, masked):
    assert mask_name(name) == masked


def test_an_id_number_shows_the_first_six_and_last_four():
    assert mask_id_number("370612198503150011") == "370612********0011"


def test_a_phone_shows_the_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
