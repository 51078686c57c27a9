"""Showing a service error on a form and as one line of text (roadcredit.core.error_display)."""

from __future__ import annotations

from django import forms

from roadcredit.core.error_display import add_to_form, error_line, field_messages
from roadcredit.core.errors import ApplicationError, Conflict, ValidationFailed


class PlateForm(forms.Form):
    plate = forms.CharField()
    owner = forms.CharField()


def _bound_form() -> PlateForm:
    form = PlateForm({"plate": "浙A·D1234", "owner": "杭州顺通运输有限公司"})
    assert form.is_valid()
    return form


PLATE_TAKEN = "车牌号码浙A·D1234已登记在其他业户名下。"
NO_LICENCE = "该业户没有有效的道路运输经营许可证。"
INVALID = "提交的信息有误，请查看各项提示。"


def test_a_field_message_goes_on_its_field() -> None:
    form = _bound_form()
    add_to_form(form, ValidationFailed.for_fields(INVALID, {"plate": [PLATE_TAKEN]}))
    assert form.errors == {"plate": [PLATE_TAKEN]}


def test_a_message_for_a_field_the_form_lacks_goes_on_the_form() -> None:
    form = _bound_form()
    add_to_form(
        form,
        ValidationFailed.for_fields(INVALID, {"plate": [PLATE_TAKEN], "licence": [NO_LICENCE]}),
    )
    assert form.errors["plate"] == [PLATE_TAKEN]
    assert form.non_field_errors() == [NO_LICENCE]
    assert INVALID not in str(form.errors)


def test_without_field_messages_the_main_message_goes_on_the_form() -> None:
    form = _bound_form()
    add_to_form(form, Conflict("该许可证已被其他人员修改，请刷新后重试。"))
    assert form.errors == {"__all__": ["该许可证已被其他人员修改，请刷新后重试。"]}


def test_empty_field_lists_count_as_no_field_messages() -> None:
    form = _bound_form()
    add_to_form(form, ApplicationError(INVALID, {"fields": {"plate": []}}))
    assert form.errors == {"__all__": [INVALID]}


def test_by_field_false_puts_every_field_message_on_the_form() -> None:
    form = _bound_form()
    add_to_form(
        form, ValidationFailed.for_fields(INVALID, {"plate": [PLATE_TAKEN]}), by_field=False
    )
    assert form.errors == {"__all__": [PLATE_TAKEN]}


def test_field_messages_keep_the_services_order() -> None:
    exc = ValidationFailed.for_fields(
        INVALID, {"plate": [PLATE_TAKEN, "车牌颜色与号码不符。"], "licence": [NO_LICENCE]}
    )
    assert field_messages(exc) == [
        ("plate", PLATE_TAKEN),
        ("plate", "车牌颜色与号码不符。"),
        ("licence", NO_LICENCE),
    ]


def test_the_line_joins_field_messages_with_a_chinese_semicolon() -> None:
    exc = ValidationFailed.for_fields(INVALID, {"plate": [PLATE_TAKEN], "licence": [NO_LICENCE]})
    assert error_line(exc) == f"{PLATE_TAKEN}；{NO_LICENCE}"


def test_the_line_is_the_main_message_without_field_messages() -> None:
    assert error_line(Conflict("纸质证卡已用完。")) == "纸质证卡已用完。"


def test_the_lead_line_starts_with_the_main_message_and_skips_its_repeat() -> None:
    exc = ValidationFailed.for_fields(
        INVALID, {"plate": [PLATE_TAKEN], "licence": [NO_LICENCE], "__all__": [INVALID]}
    )
    assert error_line(exc, lead=True) == f"{INVALID}{PLATE_TAKEN}；{NO_LICENCE}"


def test_the_lead_line_of_a_message_repeated_as_its_only_field_is_the_message() -> None:
    message = "承诺人信用等级为D级，不适用告知承诺。"
    exc = ValidationFailed.for_fields(message, {"commitment": [message]})
    assert error_line(exc, lead=True) == message
    assert error_line(Conflict(message), lead=True) == message


def test_the_options_line_names_each_option() -> None:
    exc = ValidationFailed.for_fields(
        "导出条件有误。", {"type": ["未知的证照类型。"], "limit": ["数量必须是正整数。"]}
    )
    assert (
        error_line(exc, as_options=True) == "--type: 未知的证照类型。；--limit: 数量必须是正整数。"
    )
