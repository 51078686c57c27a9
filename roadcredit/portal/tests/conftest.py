"""Fixtures of the portal tests: the persona accounts and their licences."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from roadcredit.accounts.roles import Role
from roadcredit.elicences.models import Licence
from roadcredit.licensing.tests.conftest import _calendar_dir, working_calendar

from .support import business_licence, qualification, transport_certificate

__all__ = ["_calendar_dir", "working_calendar"]


@pytest.fixture
def xinda(personas: dict[Role, Any]) -> Any:
    """The persona operator 烟台鑫达物流有限公司 (its account: ``personas[Role.OPERATOR]``)."""
    return personas[Role.OPERATOR].operator


@pytest.fixture
def zhang_wei(personas: dict[Role, Any]) -> Any:
    """The persona driver 张伟."""
    return personas[Role.PRACTITIONER].practitioner


@pytest.fixture
def xinda_licence(xinda: Any) -> Licence:
    return business_licence(xinda)


@pytest.fixture
def xinda_truck_certificate(xinda: Any) -> Licence:
    from roadcredit.subjects.tests.factories import make_vehicle

    return transport_certificate(make_vehicle(xinda, plate="鲁F3A826"))


@pytest.fixture
def zhang_wei_certificate(zhang_wei: Any) -> Licence:
    return qualification(zhang_wei)


@pytest.fixture
def operator_client(client_as: Any) -> Client:
    client: Client = client_as(Role.OPERATOR)
    return client


@pytest.fixture
def driver_client(client_as: Any) -> Client:
    client: Client = client_as(Role.PRACTITIONER)
    return client


@pytest.fixture
def inspector_client(client_as: Any) -> Client:
    client: Client = client_as(Role.INSPECTOR)
    return client
