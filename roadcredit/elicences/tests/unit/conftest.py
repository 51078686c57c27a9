"""Fixtures of the pure e-licence tests: one in-memory signer and its trust store."""

from __future__ import annotations

import pytest

from roadcredit.elicences.tests.unit.support import (
    CERT_FROM,
    ISSUER,
    InMemorySigner,
    licence_claims,
)
from roadcredit.elicences.tokens import LicenceClaims
from roadcredit.elicences.trustlist import TrustStore


@pytest.fixture(scope="session")
def signer() -> InMemorySigner:
    return InMemorySigner()


@pytest.fixture(scope="session")
def trust(signer: InMemorySigner) -> TrustStore:
    return TrustStore([signer.trusted()], issuer=ISSUER, issued_at=CERT_FROM)


@pytest.fixture
def claims() -> LicenceClaims:
    return licence_claims()
