"""The full access matrix: every URL pattern and every API operation, called as every persona
(anonymous, each role, and a second operator and driver holder), on real objects of the fixture
world, against the outcome the policy registry declares.

* denied: pages answer 403 (anonymous: a redirect to the login page), the API 401/403;
* allowed: the gate is passed (no 401/403, no login redirect, no 5xx); business answers such as
  400/404/405/409/422 on an empty form are fine;
* object routes: the owning holder gets a 2xx; any other holder gets 403/404 and never sees the
  owner's names or numbers.

The kwargs of each route come from ``ROUTES`` (route key -> how to fill them from the world); a
new route without an entry fails ``test_every_route_has_a_matrix_entry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from roadcredit.accounts.policy import policy_for
from roadcredit.accounts.roles import HOLDERS, Role
from roadcredit.accounts.tests.test_access_matrix import iter_operations, iter_url_names
from roadcredit.licensing.tests.factories import PDF

from .world import World

API_NAMESPACE = "api-1.0"
LOGIN = "/accounts/login/"
# Holder A is the persona pair (Role.OPERATOR, Role.PRACTITIONER); holder B reaches for A's objects.
PERSONAS: tuple[str, ...] = (
    "anonymous",
    *(role.value for role in Role),
    "operator_b",
    "practitioner_b",
)
HOLDER_PERSONAS = {"operator", "practitioner", "operator_b", "practitioner_b"}
NOT_FOUND_ID = "zzzzzzzzzzzzzzzz"

MATERIAL = {"item": 1, "key": "premises"}
Kwargs = Callable[[World], dict[str, Any]]
OP = "operator"
DR = "practitioner"


@dataclass(frozen=True)
class Route:
    """How to call one route: its kwargs from the world, which holder of side A owns the object
    (``None``: no holder object in the path), and ``gate_only`` when the world holds no such
    object (an allowed caller may then also get 404)."""

    kwargs: Kwargs = lambda w: {}
    owner: str | None = None
    gate_only: bool = False
    query: Callable[[World], dict[str, str]] | None = None
    # Also admitted as owner (an operator sees the drivers it employs).
    co_owner: str | None = None
    # Personas the policy admits but an object-level rule refuses by design (e.g. 三员分立 on
    # another user's background job).
    refused: frozenset[str] = frozenset()
    # POST-only pages: sent as an empty POST so the object check, not the method check, answers.
    method: str = "GET"
    # Operations authenticated by something other than a user (the source systems' token).
    source_token: bool = False
    # A multipart body for operations that take a file.
    files: Callable[[World], dict[str, Any]] | None = None
    # A minimal valid JSON body, so the object check (not the schema) answers another holder.
    body: str = "{}"


def _a(**fill: Callable[[World], Any]) -> Kwargs:
    return lambda w: {key: value(w) for key, value in fill.items()}


NONE = Route()
SYSADMIN_ONLY = frozenset({Role.SYSADMIN.value})
A_OPERATOR = _a(public_id=lambda w: w.a.operator.public_id)
A_VEHICLE = _a(public_id=lambda w: w.a.vehicle.public_id)
A_PRACTITIONER = _a(public_id=lambda w: w.a.practitioner.public_id)
A_LICENCE = _a(public_id=lambda w: w.a.business_licence.public_id)
A_QUALIFICATION = _a(public_id=lambda w: w.a.qualification.public_id)
A_APPLICATION = _a(public_id=lambda w: w.a.application.public_id)
A_REPAIR = _a(public_id=lambda w: w.a.repair.public_id)
A_OBJECTION = _a(public_id=lambda w: w.a.objection.public_id)
A_LIST_ENTRY = _a(public_id=lambda w: w.a.list_entry.public_id)
A_SUBJECT = _a(kind=lambda w: "operator", public_id=lambda w: w.a.operator.public_id)
A_RECORD = _a(public_id=lambda w: w.a.repair_record.public_id)

PAGE_ROUTES: dict[str, Route] = {
    "home": NONE,
    "healthz": NONE,
    "accounts:login": NONE,
    "accounts:logout": NONE,
    "set_language": NONE,
    "javascript-catalog": NONE,
    "admin:index": NONE,
    "api-1.0:openapi-json": NONE,
    "api-1.0:openapi-view": NONE,
    "subjects:search": NONE,
    "subjects:operator_detail": Route(A_OPERATOR, owner=OP),
    "subjects:vehicle_detail": Route(A_VEHICLE, owner=OP),
    "subjects:practitioner_detail": Route(A_PRACTITIONER, owner=DR, co_owner=OP),
    "subjects:uscc_allowlist": NONE,
    "exchange:import_upload": NONE,
    "exchange:import_template": Route(_a(kind=lambda w: "operator")),
    "exchange:import_report": Route(_a(public_id=lambda w: w.import_job_id), gate_only=True),
    # The clerk's import: the system administrator may not follow business jobs (三员分立).
    "core:job_detail": Route(_a(public_id=lambda w: w.import_job_id), refused=SYSADMIN_ONLY),
    "core:job_progress": Route(_a(public_id=lambda w: w.import_job_id), refused=SYSADMIN_ONLY),
    "audit:entries": NONE,
    "audit:heads": NONE,
    "portal:home": NONE,
    "portal:licences": NONE,
    "portal:licence_detail": Route(A_LICENCE, owner=OP),
    "portal:licence_pdf": Route(A_LICENCE, owner=OP),
    "portal:licence_show": Route(A_QUALIFICATION, owner=DR),
    "portal:licence_code": Route(A_QUALIFICATION, owner=DR),
    "portal:credit": NONE,
    "portal:applications": NONE,
    "portal:notices": NONE,
    "portal:notice_detail": Route(_a(public_id=lambda w: w.a.driver_notice.public_id), owner=DR),
    "portal:inspect": NONE,
    "portal:finding_new": Route(_a(scan_id=lambda w: w.scan.public_id)),
    "portal:findings": NONE,
    "portal:finding_detail": Route(_a(public_id=lambda w: w.finding.public_id)),
    "portal:guidance": NONE,
    "portal:guidance_print": NONE,
    "portal:window": NONE,
    "portal:window_notice": Route(A_SUBJECT),
    "statistics:dashboard": NONE,
    "statistics:export": Route(_a(key=lambda w: "issuance_rate")),
    "elicences:stock": NONE,
    "elicences:stock_receive": NONE,
    "elicences:stock_sheet": NONE,
    "elicences:stock_reconcile": NONE,
    "elicences:conversion": NONE,
    "elicences:conversion_template": NONE,
    "elicences:conversion_paper_only": NONE,
    "elicences:conversion_report": Route(
        _a(public_id=lambda w: w.conversion_job_id), gate_only=True
    ),
    "elicences:rates": NONE,
    "elicences:rates_export": NONE,
    "elicences:export": NONE,
    "elicences:export_package": NONE,
    "elicences:licence_convert": Route(A_LICENCE),
    "elicences:licence_issue": NONE,
    "elicences:seal_keys": NONE,
    # An empty POST: the security administrator gets the form back (400), nothing rotates.
    "elicences:seal_key_rotate": Route(method="POST"),
    "elicences:verify": NONE,
    "elicences:verify_pdf": NONE,
    "elicences:status_list": NONE,
    "elicences:status_list_by_id": Route(
        _a(list_id=lambda w: w.a.business_licence.status_list or "default")
    ),
    "elicences:trust_list": NONE,
    "elicences:licence_detail": Route(A_LICENCE, owner=OP),
    "elicences:licence_qr": Route(A_LICENCE, owner=OP),
    "elicences:licence_pdf": Route(A_QUALIFICATION, owner=DR),
    "elicences:licence_print": Route(A_LICENCE),
    "elicences:licence_action": Route(
        _a(public_id=lambda w: w.a.business_licence.public_id, action=lambda w: "suspend")
    ),
    "credit:intake": NONE,
    "credit:intake_batch": Route(_a(pk=lambda w: w.intake_batch.pk)),
    "credit:intake_report": Route(_a(pk=lambda w: w.intake_batch.pk), gate_only=True),
    "credit:link_queue": NONE,
    "credit:link_item": Route(_a(public_id=lambda w: w.link_item.public_id)),
    "credit:rulesets": NONE,
    "credit:ruleset_detail": Route(_a(pk=lambda w: w.ruleset.pk)),
    "credit:ruleset_activate": Route(_a(pk=lambda w: w.ruleset.pk)),
    "credit:repair_list": NONE,
    "credit:repair_apply": Route(_a(record_id=lambda w: w.a.repair_record.public_id), owner=OP),
    "credit:repair_detail": Route(A_REPAIR, owner=OP),
    "credit:repair_decide": Route(A_REPAIR),
    "credit:objection_list": NONE,
    "credit:objection_submit": Route(_a(record_id=lambda w: w.a.driver_record.public_id), owner=DR),
    "credit:objection_detail": Route(A_OBJECTION, owner=DR),
    "credit:objection_decide": Route(A_OBJECTION),
    "credit:lists_public": NONE,
    "credit:lists_export": NONE,
    "credit:lists_manage": NONE,
    "credit:lists_refresh": NONE,
    "credit:list_entry": Route(A_LIST_ENTRY, owner=OP),
    "credit:list_entry_action": Route(A_LIST_ENTRY),
    "credit:list_entry_statement": Route(A_LIST_ENTRY, owner=OP, method="POST"),
    "credit:publicity": NONE,
    "credit:publicity_export": NONE,
    "credit:publicity_action": NONE,
    "credit:explanation": Route(A_SUBJECT, owner=OP),
    "licensing:guides": NONE,
    "licensing:guide_detail": Route(_a(key=lambda w: "freight_business_new")),
    "licensing:apply": NONE,
    "licensing:applications": NONE,
    "licensing:application_detail": Route(A_APPLICATION, owner=OP),
    "licensing:application_action": Route(A_APPLICATION),
    "licensing:material_upload": Route(A_APPLICATION, owner=OP, method="POST"),
    "licensing:material_download": Route(
        _a(public_id=lambda w: w.a.application.public_id, material_id=lambda w: w.a.material_id),
        owner=OP,
    ),
    "licensing:commitment_sign": Route(A_APPLICATION, owner=OP, method="POST"),
    "licensing:notice_pdf": Route(
        _a(
            public_id=lambda w: w.a.application.public_id,
            notice_id=lambda w: w.a.licensing_notice.public_id,
        ),
        owner=OP,
    ),
    "licensing:queue": NONE,
    "licensing:workbench": NONE,
    "licensing:verification_tasks": NONE,
    "licensing:commitment_verify": Route(
        _a(public_id=lambda w: w.a.commitment.public_id)  # type: ignore[union-attr]
    ),
    "licensing:revocation_decide": Route(_a(public_id=lambda w: NOT_FOUND_ID), gate_only=True),
    "licensing:statistics": NONE,
    "verify_short": Route(query=lambda w: {"t": w.a.business_licence.qr_text}),
    "verify_lean": Route(query=lambda w: {"t": w.a.business_licence.qr_text}),
    "verify_short_token": Route(_a(token=lambda w: "not-a-real-token")),
}

API_ROUTES: dict[str, Route] = {
    "me": NONE,
    "subjects_search": NONE,
    "operator_get": Route(A_OPERATOR, owner=OP),
    "operator_update": Route(A_OPERATOR),
    "operator_create": NONE,
    "vehicle_get": Route(A_VEHICLE, owner=OP),
    "vehicle_update": Route(A_VEHICLE),
    "vehicle_create": NONE,
    "practitioner_get": Route(A_PRACTITIONER, owner=DR, co_owner=OP),
    "practitioner_update": Route(A_PRACTITIONER),
    "practitioner_create": NONE,
    "credit_records_list": NONE,
    "credit_record_create": NONE,
    "credit_record_get": Route(A_RECORD),
    "credit_record_decide": Route(A_RECORD),
    "credit_record_status": Route(A_RECORD),
    "credit_intake_push": Route(source_token=True),
    "credit_link_queue_list": NONE,
    "credit_link_queue_resolve": Route(_a(public_id=lambda w: w.link_item.public_id)),
    "credit_link_queue_discard": Route(_a(public_id=lambda w: w.link_item.public_id)),
    "credit_grade_current": Route(A_SUBJECT, owner=OP),
    "credit_grade_history": Route(A_SUBJECT, owner=OP),
    "credit_grade_explain": Route(A_SUBJECT, owner=OP),
    "credit_rulesets_list": NONE,
    "credit_ruleset_load": NONE,
    "credit_ruleset_activate": Route(_a(ruleset_pk=lambda w: w.ruleset.pk)),
    "credit_ruleset_preview": Route(_a(ruleset_pk=lambda w: w.ruleset.pk)),
    "credit_regrade": NONE,
    "credit_repair_list": NONE,
    "credit_repair_apply": NONE,
    "credit_repair_decide": Route(A_REPAIR),
    "credit_objection_list": NONE,
    "credit_objection_submit": NONE,
    "credit_objection_decide": Route(A_OBJECTION),
    "credit_lists_public": NONE,
    "credit_list_entries": NONE,
    "credit_lists_refresh": NONE,
    "credit_listing_notify": Route(A_LIST_ENTRY),
    "credit_listing_statement": Route(
        A_LIST_ENTRY, owner=OP, body='{"text": "公司已完成整改，请求不予列入"}'
    ),
    "credit_listing_decide": Route(A_LIST_ENTRY),
    "credit_listing_remove": Route(A_LIST_ENTRY),
    "credit_listing_cancel": Route(A_LIST_ENTRY),
    "credit_publicity_feed": NONE,
    "credit_publicity_publish": NONE,
    "credit_subject_explanation": Route(A_SUBJECT, owner=OP),
    "credit_notices": NONE,
    "credit_notice_read": Route(_a(public_id=lambda w: w.a.driver_notice.public_id), owner=DR),
    "licence_issue": NONE,
    "licence_get": Route(A_LICENCE, owner=OP),
    "licences_of_subject": Route(A_SUBJECT, owner=OP),
    "licence_pdf": Route(A_QUALIFICATION, owner=DR),
    "licence_change": Route(A_LICENCE),
    "licence_renew": Route(A_LICENCE),
    "licence_replace": Route(A_LICENCE),
    "licence_suspend": Route(A_LICENCE),
    "licence_resume": Route(A_LICENCE),
    "licence_revoke": Route(A_LICENCE),
    "licence_cancel": Route(A_LICENCE),
    "verify_token": NONE,
    "verify_pdf": NONE,
    "status_list": NONE,
    "trust_list": NONE,
    "licence_convert_on_demand": Route(A_LICENCE),
    "service_items_list": NONE,
    "service_item_get": Route(_a(key=lambda w: "freight_business_new")),
    "service_bundles_list": NONE,
    "my_tier": NONE,
    "application_create": NONE,
    "applications_list": NONE,
    "application_get": Route(A_APPLICATION, owner=OP),
    "material_upload": Route(A_APPLICATION, owner=OP, files=lambda w: MATERIAL),
    "material_download": Route(
        _a(public_id=lambda w: w.a.application.public_id, material_id=lambda w: w.a.material_id),
        owner=OP,
    ),
    "notice_pdf": Route(
        _a(
            public_id=lambda w: w.a.application.public_id,
            notice_id=lambda w: w.a.licensing_notice.public_id,
        ),
        owner=OP,
    ),
    "commitment_sign": Route(A_APPLICATION, owner=OP),
    "application_submit": Route(A_APPLICATION, owner=OP),
    "application_resubmit": Route(A_APPLICATION, owner=OP),
    "application_withdraw": Route(A_APPLICATION, owner=OP),
    "application_accept": Route(A_APPLICATION),
    "application_not_accept": Route(A_APPLICATION),
    "application_return": Route(A_APPLICATION),
    "application_start_review": Route(A_APPLICATION),
    "application_first_review": Route(A_APPLICATION),
    "application_approve": Route(A_APPLICATION),
    "application_refuse": Route(A_APPLICATION),
    "application_issue": Route(A_APPLICATION),
    "application_close": Route(A_APPLICATION),
    "application_record_visit": Route(A_APPLICATION),
    "application_credit_panel": Route(A_APPLICATION),
    "window_queue": NONE,
    "review_workbench": NONE,
    "verification_tasks": NONE,
    "commitment_verify": Route(_a(public_id=lambda w: w.a.commitment.public_id)),  # type: ignore[union-attr]
    "revocations_list": NONE,
    "revocation_decide": Route(_a(public_id=lambda w: NOT_FOUND_ID), gate_only=True),
    "licensing_statistics": NONE,
}


def page_keys() -> list[str]:
    keys = [
        name
        for name, _pattern in iter_url_names()
        if not name.startswith("admin:")
        and not (name.startswith(API_NAMESPACE + ":") and policy_for(name) is None)
    ]
    return sorted({*keys, "admin:index"})


def api_operations() -> dict[str, tuple[str, str]]:
    """operation id -> (method, path template under /api)."""
    from config.api import api

    found: dict[str, tuple[str, str]] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                op_id = operation.operation_id or operation.view_func.__name__
                found[op_id] = (sorted(operation.methods)[0], f"/api/{prefix.strip('/')}{path}")
    return found


API_OPERATIONS = api_operations()
PAGE_CASES = [(key, persona) for key in page_keys() for persona in PERSONAS]
API_CASES = [(op_id, persona) for op_id in sorted(API_OPERATIONS) for persona in PERSONAS]


def test_every_route_has_a_matrix_entry() -> None:
    """A new page or operation must be added to the matrix (and so be tested) before it ships."""
    assert set(page_keys()) - set(PAGE_ROUTES) == set()
    assert {op for _p, op, _o in iter_operations()} - set(API_ROUTES) == set()
    assert set(PAGE_ROUTES) - set(page_keys()) == set(), "stale matrix entries"
    assert set(API_ROUTES) - set(API_OPERATIONS) == set(), "stale matrix entries"


def test_the_matrix_counts_its_cases() -> None:
    """The closing note quotes this figure: routes × personas checked (lean ASGI route aside)."""
    assert len(PERSONAS) == 13
    assert len(PAGE_CASES) + len(API_CASES) == (len(PAGE_ROUTES) + len(API_ROUTES)) * 13


def _client(world: World, persona: str) -> Client:
    client = Client()
    account = world.account(persona)
    if account is not None:
        client.force_login(account)
    return client


def _role(persona: str) -> Role | None:
    if persona == "anonymous":
        return None
    if persona.endswith("_b"):
        return Role(persona.removesuffix("_b"))
    return Role(persona)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    return bytes(response.content).decode("utf-8", errors="replace")


def _assert_no_secret(world: World, response: Any, persona: str, key: str) -> None:
    """Holder B must never see holder A's names and numbers (holder A's own pages show its
    name in the header, so A's own personas are not checked)."""
    if not persona.endswith("_b"):
        return
    body = _body(response)
    leaked = [secret for secret in world.a.secrets() if secret in body]
    assert leaked == [], f"{persona} saw holder A's data on {key}: {leaked}"


def _check(world: World, key: str, route: Route, persona: str, response: Any, *, api: bool) -> None:
    policy = policy_for(key)
    assert policy is not None
    role = _role(persona)
    status = response.status_code
    where = f"{persona} on {key}: {status} {_body(response)[:300]}"
    assert status < 500, where
    if route.source_token:
        # Public in the registry, but only a source system's token opens it.
        assert status == 401, where
        return
    if not policy.allows(role):
        if api:
            assert status == (401 if role is None else 403), where
        elif role is None:
            assert status == 302 and LOGIN in response["Location"], where
        else:
            assert status == 403, where
        _assert_no_secret(world, response, persona, key)
        return
    # Admitted by the policy: the gate is passed.
    assert status not in (401,), where
    if status == 302:
        assert LOGIN not in response["Location"], where
    if persona in route.refused:
        assert status in (403, 404), where
        return
    if role in HOLDERS and route.owner is not None:
        if persona in (route.owner, route.co_owner):
            assert 200 <= status < 400 or status in (400, 405, 409, 422), where
        else:
            # Another holder reaching for holder A's object.
            assert status in (403, 404), where
            _assert_no_secret(world, response, persona, key)
        return
    if persona.endswith("_b") and policy.scope == "own":
        # Holder B on its own lists and pages: nothing of holder A.
        _assert_no_secret(world, response, persona, key)
    assert status != 403, where
    if status == 404:
        assert route.gate_only, where


@pytest.mark.parametrize(("key", "persona"), PAGE_CASES)
def test_page_admits_exactly_the_declared_personas(
    key: str, persona: str, world: World, db: Any
) -> None:
    route = PAGE_ROUTES[key]
    url = reverse(key, kwargs=route.kwargs(world))
    query = route.query(world) if route.query else {}
    client = _client(world, persona)
    response = client.post(url, {}) if route.method == "POST" else client.get(url, query)
    _check(world, key, route, persona, response, api=False)


@pytest.mark.parametrize(("op_id", "persona"), API_CASES)
def test_api_operation_admits_exactly_the_declared_personas(
    op_id: str, persona: str, world: World, db: Any
) -> None:
    route = API_ROUTES[op_id]
    method, template = API_OPERATIONS[op_id]
    path = template.format(**route.kwargs(world))
    client = _client(world, persona)
    if method == "GET":
        response = client.get(path)
    elif route.files is not None:
        upload = SimpleUploadedFile("场地证明.pdf", PDF, content_type="application/pdf")
        response = client.post(path, {**route.files(world), "file": upload})
    else:
        response = client.generic(method, path, route.body, content_type="application/json")
    _check(world, f"api:{op_id}", route, persona, response, api=True)
