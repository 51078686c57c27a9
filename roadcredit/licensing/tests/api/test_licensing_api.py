"""The licensing API over HTTP: guides, scope, the one error shape, the bad-input list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.core.workdays import get_calendar
from roadcredit.licensing.models import Material
from roadcredit.licensing.tests.e2e.support import Api, ok, refused, upload_required
from roadcredit.licensing.tests.factories import fleet, grade_operator, single_data
from roadcredit.subjects.tests.factories import make_operator

pytestmark = pytest.mark.django_db


def test_the_guides_are_public(client):
    items = ok(client.get("/api/licensing/items"))
    assert any(i["key"] == "qualification_new" and i["fee_label"] == "不收费" for i in items)
    guide = ok(client.get("/api/licensing/items/freight_business_new"))
    assert guide["statutory_days"] == 20 and guide["legal_basis"]
    assert refused(client.get("/api/licensing/items/nothing"), 404)["message"] == "没有这个办事事项"
    bundles = ok(client.get("/api/licensing/bundles"))
    assert bundles[0]["key"] == "freight_startup"


def test_the_openapi_document_describes_the_licensing_operations(client):
    paths = ok(client.get("/api/openapi.json"))["paths"]
    assert "/api/licensing/applications/{public_id}/accept" in paths
    assert "409" in paths["/api/licensing/applications/{public_id}/accept"]["post"]["responses"]


def test_missing_fields_are_all_reported_in_chinese(client_as):
    body = refused(
        Api(client_as(Role.OPERATOR)).post("/applications", {"contact_phone": "0535-1234"}), 400
    )
    assert body["message"] == "申请填写有误，请查看各项提示。"
    assert set(body["extra"]["fields"]) >= {"contact_name", "contact_phone", "items"}


def test_a_malformed_body_gets_the_same_error_shape(client_as):
    body = refused(Api(client_as(Role.OPERATOR)).post("/applications", {"items": "all"}), 422)
    assert "items" in body["extra"]["fields"]


def test_anonymous_callers_and_other_roles_are_refused(client_as, personas):
    anonymous = Api(client_as(None))
    assert refused(anonymous.get("/applications"), 401)
    approver = Api(client_as(Role.APPROVER))
    assert refused(approver.post("/applications", single_data("freight_business_new")), 403)


@pytest.fixture
def application(client_as, personas):
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    api = Api(client_as(Role.OPERATOR))
    return ok(api.post("/applications", single_data("freight_business_new")), 201)


def test_another_holder_cannot_see_or_download_anything(client_as, application):
    owner = Api(client_as(Role.OPERATOR))
    upload = ok(owner.upload(application["public_id"], 1, "identity"), 201)
    other = make_user(Role.OPERATOR, "rival", operator=make_operator(name="烟台远航运输有限公司"))
    client = client_as(None)
    client.force_login(other)
    rival = Api(client)
    pid = application["public_id"]
    assert refused(rival.get(f"/applications/{pid}"), 404)["message"] == "申请不存在。"
    assert refused(rival.get(f"/applications/{pid}/materials/{upload['public_id']}"), 404)
    assert refused(
        client_as(None).get(f"/api/licensing/applications/{pid}/materials/{upload['public_id']}"),
        401,
    )
    mine = client_as(Role.OPERATOR).get(
        f"/api/licensing/applications/{pid}/materials/{upload['public_id']}"
    )
    assert mine.status_code == 200 and mine["Content-Disposition"].startswith("attachment;")
    assert mine.content.startswith(b"%PDF")
    staff = client_as(Role.APPROVER).get(
        f"/api/licensing/applications/{pid}/materials/{upload['public_id']}"
    )
    assert staff.status_code == 200


def test_a_material_of_the_wrong_type_or_size_is_refused_over_http(client_as, application):
    owner = Api(client_as(Role.OPERATOR))
    pid = application["public_id"]
    body = refused(
        owner.upload(pid, 1, "identity", content=b"MZ\x90\x00evil", name="身份证.pdf"), 400
    )
    assert body["message"] == "只接受 PDF、JPG、PNG 格式的文件，所选文件的内容不是这些格式"
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    body = refused(owner.upload(pid, 1, "identity", content=big), 400)
    assert "超过上限 10.0 MB" in body["message"]
    assert not Material.objects.exists()


def test_a_forbidden_transition_is_a_conflict_and_changes_nothing(client_as, application):
    clerk = Api(client_as(Role.CLERK))
    body = refused(clerk.act(application, "accept"), 409)
    assert body["message"] == "申请当前状态为“草稿”，不能执行“受理”"
    assert ok(clerk.get(f"/applications/{application['public_id']}"))["status"] == "draft"


def test_a_stale_version_is_told_to_refresh(client_as, application):
    owner = Api(client_as(Role.OPERATOR))
    upload_required(owner, application)
    submitted = ok(owner.act(application, "submit"))
    clerk = Api(client_as(Role.CLERK))
    ok(
        clerk.act(
            submitted, "return", items=[{"item": 1, "key": "premises", "note": "场地证明须盖章"}]
        )
    )
    body = refused(clerk.act(submitted, "accept"), 409)
    assert body["message"] == "该申请已被他人处理，请刷新后重试"


def test_a_supplement_deadline_on_a_day_off_is_refused_in_chinese(client_as, personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    owner, clerk = Api(client_as(Role.OPERATOR)), Api(client_as(Role.CLERK))
    vehicle = fleet(operator, 1)[0]
    data = single_data(
        "transport_certificate_new",
        items=[
            {
                "item": "transport_certificate_new",
                "plate": vehicle.plate,
                "plate_colour": vehicle.plate_colour,
            }
        ],
    )
    application = ok(owner.post("/applications", data), 201)
    upload_required(owner, application, skip=("insurance",))
    application = ok(
        owner.act(ok(owner.get(f"/applications/{application['public_id']}")), "submit")
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    while get_calendar().is_working_day(day):
        day += dt.timedelta(days=1)
    body = refused(
        clerk.act(application, "accept", rongque=True, rongque_deadline=day.isoformat()), 400
    )
    assert "不是工作日，请选择工作日" in body["message"]
    assert ok(clerk.get(f"/applications/{application['public_id']}"))["status"] == "submitted"


def test_the_window_queue_puts_excellent_credit_first_then_age(client_as, personas):
    first = make_operator(name="烟台顺达物流有限公司")
    grade_operator(first, "B")
    normal_user = make_user(Role.OPERATOR, "shunda", operator=first)
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    client = client_as(None)
    client.force_login(normal_user)
    early, late = Api(client), Api(client_as(Role.OPERATOR))
    for api in (early, late):
        app = ok(api.post("/applications", single_data("freight_business_new")), 201)
        upload_required(api, app)
        ok(api.act(ok(api.get(f"/applications/{app['public_id']}")), "submit"))
    queue = ok(Api(client_as(Role.CLERK)).get("/queue"))
    assert [q["applicant_name"] for q in queue] == ["烟台鑫达物流有限公司", "烟台顺达物流有限公司"]
    assert [q["tier_name"] for q in queue] == ["守信优良", "信用一般"]


def test_the_contact_phone_is_masked_for_holders_and_full_for_clerks(client_as, application):
    pid = application["public_id"]
    assert (
        ok(Api(client_as(Role.OPERATOR)).get(f"/applications/{pid}"))["contact_phone"]
        == "139****1234"
    )
    assert (
        ok(Api(client_as(Role.CLERK)).get(f"/applications/{pid}"))["contact_phone"] == "13905351234"
    )
