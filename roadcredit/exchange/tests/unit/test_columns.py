"""The import file format: headers, labels, cell conversion (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.exchange.columns import (
    CellError,
    FormulaCell,
    HeaderError,
    columns_for,
    convert_row,
    map_headers,
    normalise_header,
    scope_lookup,
)

SCOPES = scope_lookup([("2010", "道路普通货物运输"), ("2050", "道路危险货物运输")])


def _convert(
    kind: str, header: list[str], row: list[object]
) -> tuple[dict[str, object], list[CellError]]:
    return convert_row(map_headers(kind, header), row, scopes=SCOPES)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("车牌号码*", "车牌号码"),
        ("*车牌号码", "车牌号码"),
        (" 车牌\u3000号码 ", "车牌号码"),
        ("核定载质量(千克)", "核定载质量（千克）"),
        ("法定代表人（负责人）＊", "法定代表人（负责人）"),
        (None, ""),
    ],
)
def test_it_normalises_headers(raw: object, expected: str) -> None:
    assert normalise_header(raw) == expected


def test_it_maps_the_template_headers_and_tolerates_blank_header_cells() -> None:
    header = [spec.header for spec in columns_for("vehicle")] + ["", None]
    mapped = map_headers("vehicle", header)
    assert [spec.key for _, spec in mapped.columns][:3] == ["plate", "plate_colour", "vin"]


def test_it_accepts_common_alternative_headers() -> None:
    mapped = map_headers("vehicle", ["车牌号", "号牌颜色", "车架号", "车辆类型", "燃料类型"])
    assert mapped.present == {"plate", "plate_colour", "vin", "vehicle_type", "fuel"}


def test_it_lists_every_missing_and_unknown_column_in_one_message() -> None:
    with pytest.raises(HeaderError) as caught:
        map_headers("vehicle", ["车牌号码", "车身颜色", "车辆类型", "燃料", "备注"])
    message = caught.value.message
    assert "缺少必填列：车牌颜色、车辆识别代号、燃料类型" in message
    assert "“车身颜色”" in message and "“备注”" in message
    assert "是否应为“燃料类型”" in message
    assert caught.value.missing == ("车牌颜色", "车辆识别代号", "燃料类型")


def test_it_rejects_a_column_given_twice() -> None:
    with pytest.raises(HeaderError, match="重复的列：车牌号码"):
        map_headers(
            "vehicle", ["车牌号码", "车牌号", "车牌颜色", "车辆识别代号", "车辆类型", "燃料类型"]
        )


@pytest.mark.parametrize(
    "value",
    # Spreadsheet cells carry no time zone: openpyxl gives naive datetimes.
    [
        dt.date(2015, 6, 1),
        dt.datetime(2015, 6, 1),  # noqa: DTZ001
        "2015-06-01",
        "2015/6/1",
        "2015年6月1日",
    ],
)
def test_it_reads_dates_in_the_accepted_forms(value: object) -> None:
    data, errors = _convert(
        "practitioner", ["姓名", "身份证号码", "初次领证日期"], ["张伟", "x", value]
    )
    assert errors == []
    assert data["first_issue_date"] == dt.date(2015, 6, 1)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2015.06.01", "无法识别"),
        ("2015-02-30", "不存在"),
        (dt.datetime(2015, 6, 1, 9, 30), "日期时间"),  # noqa: DTZ001 (a spreadsheet cell)
    ],
)
def test_it_names_an_unreadable_date(value: object, fragment: str) -> None:
    _, errors = _convert("practitioner", ["姓名", "身份证号码", "有效期至"], ["张伟", "x", value])
    assert errors[0].label == "有效期至"
    assert fragment in errors[0].message


@pytest.mark.parametrize(
    ("value", "expected"), [("15000", 15000), (15000.0, 15000), ("15,000", 15000)]
)
def test_it_reads_whole_numbers(value: object, expected: int) -> None:
    data, errors = _convert(
        "vehicle",
        ["车牌号码", "车牌颜色", "车辆识别代号", "车辆类型", "燃料类型", "核定载质量（千克）"],
        ["鲁F12345", "黄色", "V", "普通货车", "柴油", value],
    )
    assert errors == []
    assert data["approved_load_kg"] == expected


def test_it_rejects_a_fractional_number() -> None:
    _, errors = _convert(
        "vehicle",
        ["车牌号码", "车牌颜色", "车辆识别代号", "车辆类型", "燃料类型", "核定载客（座）"],
        ["鲁F12345", "黄色", "V", "客车", "柴油", 5.5],
    )
    assert errors == [CellError("seats", "核定载客（座）", "应为整数，实为 5.5")]


@pytest.mark.parametrize("value", [370612198503150011, 3.706121985031500e17, "3.70612E+17"])
def test_it_asks_for_a_text_column_when_excel_turned_an_id_number_into_a_number(
    value: object,
) -> None:
    _, errors = _convert("practitioner", ["姓名", "身份证号码"], ["张伟", value])
    assert errors[0].key == "id_number"
    assert "文本" in errors[0].message


def test_it_keeps_a_short_number_typed_as_a_number() -> None:
    data, errors = _convert(
        "practitioner", ["姓名", "身份证号码", "手机号码"], ["张伟", "x", 13912345678]
    )
    assert errors == []
    assert data["phone"] == "13912345678"


@pytest.mark.parametrize(
    ("label", "code"),
    [("黄色", "2"), ("黄", "2"), ("2", "2"), (2, "2"), ("黄绿色", "93"), ("绿色", "5")],
)
def test_it_maps_plate_colour_labels_and_codes(label: object, code: str) -> None:
    data, errors = _convert(
        "vehicle",
        ["车牌号码", "车牌颜色", "车辆识别代号", "车辆类型", "燃料类型"],
        ["鲁F12345", label, "V", "普通货车", "柴油"],
    )
    assert errors == []
    assert data["plate_colour"] == code


def test_it_names_the_allowed_labels_for_an_unknown_one() -> None:
    _, errors = _convert(
        "vehicle",
        ["车牌号码", "车牌颜色", "车辆识别代号", "车辆类型", "燃料类型"],
        ["鲁F12345", "黄色", "V", "卡车", "柴油"],
    )
    assert errors[0].label == "车辆类型"
    assert "“卡车”无法识别" in errors[0].message and "普通货运车辆" in errors[0].message


def test_it_resolves_business_scopes_by_name_or_code() -> None:
    header = ["统一社会信用代码", "业户名称", "法定代表人（负责人）", "地址", "经营范围"]
    data, errors = _convert(
        "operator",
        header,
        ["X", "烟台顺通物流有限公司", "王建华", "牟平区", "道路普通货物运输；2050"],
    )
    assert errors == []
    assert data["business_scope_codes"] == ("2010", "2050")
    _, errors = _convert(
        "operator", header, ["X", "烟台顺通物流有限公司", "王建华", "牟平区", "客运"]
    )
    assert "经营范围目录中没有：“客运”" in errors[0].message


def test_it_rejects_a_formula_cell() -> None:
    _, errors = _convert("practitioner", ["姓名", "身份证号码"], ["张伟", FormulaCell("=A1&B1")])
    assert errors[0].label == "身份证号码"
    assert "不接受公式（=A1&B1）" in errors[0].message


def test_it_rejects_data_under_a_column_without_header() -> None:
    _, errors = _convert("practitioner", ["姓名", "身份证号码", ""], ["张伟", "x", "备注"])
    assert errors == [CellError("", "第 3 列", "该列没有可识别的列名，但有数据；请删除或补上列名")]


def test_it_leaves_blank_cells_out() -> None:
    data, errors = _convert("practitioner", ["姓名", "身份证号码", "手机号码"], ["张伟", "x", "  "])
    assert errors == []
    assert "phone" not in data


def test_public_ids_have_the_shape_of_the_model_field_and_do_not_repeat() -> None:
    from roadcredit.core.models import PUBLIC_ID_ALPHABET, new_public_id
    from roadcredit.subjects.models import Operator

    drawn = {new_public_id() for _ in range(2500)}

    assert len(drawn) == 2500
    field = Operator._meta.get_field("public_id")
    assert {len(value) for value in drawn} == {field.max_length}
    assert set("".join(drawn)) <= set(PUBLIC_ID_ALPHABET)
