"""Request and response schemas of the registry API (django-ninja / pydantic).

Input schemas accept every field as optional on purpose: the record rules live in
``validation.parse_*``, which reports every missing or malformed field at once in Chinese (in
``extra.fields``), instead of pydantic rejecting the first missing key. Responses never carry the
encrypted or blind-index columns; ID numbers and phones are full or masked per the viewer's role.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from roadcredit.core.api_schemas import ErrorOut as ErrorOut  # re-exported: one error shape

from .models import Operator, Practitioner, Vehicle

# --- Input ------------------------------------------------------------------------------------


class OperatorIn(Schema):
    uscc: str | None = Field(None, description="统一社会信用代码（18 位，GB 32100）")
    name: str | None = Field(None, description="业户名称")
    kind: str | None = Field(
        None, description="业户类型：enterprise 企业 / individual 个体工商户；缺省时按信用代码判断"
    )
    legal_representative: str | None = Field(None, description="法定代表人（负责人）")
    address: str | None = Field(None, description="经营地址")
    division_code: str | None = Field(None, description="行政区划代码（6 位），缺省 370612")
    business_scope_codes: list[str] | None = Field(None, description="经营范围代码列表")
    status: str | None = Field(
        None, description="状态：active 正常 / suspended 停业 / cancelled 注销，缺省 active"
    )


class VehicleIn(Schema):
    plate: str | None = Field(None, description="车牌号码，如 鲁F12345")
    plate_colour: str | None = Field(
        None, description="车牌颜色代码：1 蓝 / 2 黄 / 3 黑 / 4 白 / 5 绿 / 93 黄绿 / 9 其他"
    )
    vin: str | None = Field(None, description="车辆识别代号（17 位）")
    vehicle_type: str | None = Field(
        None,
        description="车辆类型：freight 普通货车 / dangerous_goods 危货车 / tractor 牵引车 / "
        "trailer 挂车 / bus 客车 / taxi 巡游出租车 / ride_hailing 网约车",
    )
    fuel: str | None = Field(
        None, description="燃料：diesel / petrol / electric / hybrid / gas / hydrogen"
    )
    approved_load_kg: int | None = Field(None, description="核定载质量（千克），货运车辆必填")
    seats: int | None = Field(None, description="核定载客（座），客运车辆必填")
    operator_uscc: str | None = Field(None, description="所属业户的统一社会信用代码")
    status: str | None = Field(None, description="状态：active / suspended / cancelled")


class QualificationIn(Schema):
    category: str | None = Field(
        None,
        description="从业资格类别：passenger / freight / dg_driver / dg_loader / dg_escort / "
        "taxi / ride_hailing",
    )
    first_issue_date: str | None = Field(None, description="初次领证日期（YYYY-MM-DD）")
    valid_until: str | None = Field(None, description="有效期至（YYYY-MM-DD）")


class PractitionerIn(Schema):
    name: str | None = Field(None, description="姓名")
    id_number: str | None = Field(
        None, description="公民身份号码（18 位，或旧版 15 位）；出生日期和性别由此得出"
    )
    phone: str | None = Field(None, description="手机号码")
    employer_uscc: str | None = Field(None, description="所在业户的统一社会信用代码")
    qualifications: list[QualificationIn] | None = Field(
        None, description="从业资格（修改时整体替换）"
    )
    status: str | None = Field(None, description="状态：active / suspended / cancelled")


def payload_data(payload: Schema) -> dict[str, Any]:
    """The fields the client actually sent (a PATCH changes only those)."""
    return payload.model_dump(exclude_unset=True)


# --- Output -----------------------------------------------------------------------------------


class OperatorRef(Schema):
    public_id: str = Field(..., description="业户标识")
    uscc: str = Field(..., description="统一社会信用代码")
    name: str = Field(..., description="业户名称")

    @classmethod
    def of(cls, operator: Operator | None) -> OperatorRef | None:
        if operator is None:
            return None
        return cls(public_id=operator.public_id, uscc=operator.uscc, name=operator.name)


class BusinessScopeOut(Schema):
    code: str = Field(..., description="经营范围代码")
    name: str = Field(..., description="经营范围名称")


class OperatorOut(Schema):
    public_id: str = Field(..., description="业户标识（用于地址）")
    uscc: str = Field(..., description="统一社会信用代码")
    uscc_check_overridden: bool = Field(..., description="是否为校验位例外的早期试点代码")
    name: str = Field(..., description="业户名称")
    kind: str = Field(..., description="业户类型代码")
    kind_label: str = Field(..., description="业户类型")
    legal_representative: str = Field(..., description="法定代表人（负责人）")
    address: str = Field(..., description="经营地址")
    division_code: str = Field(..., description="行政区划代码")
    business_scopes: list[BusinessScopeOut] = Field(..., description="经营范围")
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态")
    created_at: dt.datetime = Field(..., description="登记时间")
    updated_at: dt.datetime = Field(..., description="最后修改时间")

    @classmethod
    def of(cls, operator: Operator) -> OperatorOut:
        return cls(
            public_id=operator.public_id,
            uscc=operator.uscc,
            uscc_check_overridden=operator.uscc_check_overridden,
            name=operator.name,
            kind=operator.kind,
            kind_label=str(operator.get_kind_display()),
            legal_representative=operator.legal_representative,
            address=operator.address,
            division_code=operator.division_code,
            business_scopes=[
                BusinessScopeOut(code=s.code, name=s.name) for s in operator.business_scopes.all()
            ],
            status=operator.status,
            status_label=str(operator.get_status_display()),
            created_at=operator.created_at,
            updated_at=operator.updated_at,
        )


class VehicleOut(Schema):
    public_id: str = Field(..., description="车辆标识（用于地址）")
    plate: str = Field(..., description="车牌号码")
    plate_colour: str = Field(..., description="车牌颜色代码")
    plate_colour_label: str = Field(..., description="车牌颜色")
    vin: str = Field(..., description="车辆识别代号")
    vehicle_type: str = Field(..., description="车辆类型代码")
    vehicle_type_label: str = Field(..., description="车辆类型")
    fuel: str = Field(..., description="燃料类型代码")
    fuel_label: str = Field(..., description="燃料类型")
    approved_load_kg: int | None = Field(None, description="核定载质量（千克）")
    seats: int | None = Field(None, description="核定载客（座）")
    operator: OperatorRef | None = Field(None, description="所属业户")
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态")
    created_at: dt.datetime = Field(..., description="登记时间")
    updated_at: dt.datetime = Field(..., description="最后修改时间")

    @classmethod
    def of(cls, vehicle: Vehicle) -> VehicleOut:
        return cls(
            public_id=vehicle.public_id,
            plate=vehicle.plate,
            plate_colour=vehicle.plate_colour,
            plate_colour_label=str(vehicle.get_plate_colour_display()),
            vin=vehicle.vin,
            vehicle_type=vehicle.vehicle_type,
            vehicle_type_label=str(vehicle.get_vehicle_type_display()),
            fuel=vehicle.fuel,
            fuel_label=str(vehicle.get_fuel_display()),
            approved_load_kg=vehicle.approved_load_kg,
            seats=vehicle.seats,
            operator=OperatorRef.of(vehicle.operator),
            status=vehicle.status,
            status_label=str(vehicle.get_status_display()),
            created_at=vehicle.created_at,
            updated_at=vehicle.updated_at,
        )


class QualificationOut(Schema):
    category: str = Field(..., description="从业资格类别代码")
    category_label: str = Field(..., description="从业资格类别")
    first_issue_date: dt.date = Field(..., description="初次领证日期")
    valid_until: dt.date | None = Field(None, description="有效期至")


class PractitionerOut(Schema):
    public_id: str = Field(..., description="从业人员标识（用于地址）")
    name: str = Field(..., description="姓名")
    id_number: str = Field(..., description="公民身份号码（无权查看全文的角色得到脱敏值）")
    phone: str = Field(..., description="手机号码（无权查看全文的角色得到脱敏值）")
    personal_data_masked: bool = Field(..., description="身份证号码和手机号码是否已脱敏")
    birth_date: dt.date | None = Field(None, description="出生日期（脱敏时不提供）")
    sex: str = Field(..., description="性别代码：M 男 / F 女")
    sex_label: str = Field(..., description="性别")
    employer: OperatorRef | None = Field(None, description="所在业户")
    qualifications: list[QualificationOut] = Field(..., description="从业资格")
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态")
    created_at: dt.datetime = Field(..., description="登记时间")
    updated_at: dt.datetime = Field(..., description="最后修改时间")

    @classmethod
    def of(cls, practitioner: Practitioner, personal: dict[str, Any]) -> PractitionerOut:
        """``personal`` comes from ``selectors.practitioner_personal_data`` for the viewer."""
        masked = bool(personal["masked"])
        return cls(
            public_id=practitioner.public_id,
            name=practitioner.name,
            id_number=personal["id_number"],
            phone=personal["phone"],
            personal_data_masked=masked,
            birth_date=None if masked else practitioner.birth_date,
            sex=practitioner.sex,
            sex_label=str(practitioner.get_sex_display()),
            employer=OperatorRef.of(practitioner.employer),
            qualifications=[
                QualificationOut(
                    category=q.category,
                    category_label=str(q.get_category_display()),
                    first_issue_date=q.first_issue_date,
                    valid_until=q.valid_until,
                )
                for q in sorted(practitioner.qualifications.all(), key=lambda q: q.category)
            ],
            status=practitioner.status,
            status_label=str(practitioner.get_status_display()),
            created_at=practitioner.created_at,
            updated_at=practitioner.updated_at,
        )


class SubjectHitOut(Schema):
    kind: str = Field(
        ..., description="主体类别：operator 业户 / vehicle 车辆 / practitioner 从业人员"
    )
    public_id: str = Field(..., description="主体标识")
    title: str = Field(..., description="标题（名称、车牌或姓名）")
    subtitle: str = Field(..., description="摘要（代码、车辆识别代号或脱敏证件号等）")
