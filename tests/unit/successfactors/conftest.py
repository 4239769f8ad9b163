"""Shared fixtures: sample records and the path of SAP's reference EDMX (outside the repo)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.successfactors.edm import ENTITY_SETS, EntitySetDef

from .edmx_reader import EdmxInfo, read_edmx

REFERENCE_DIR = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "successfactors"
)


@pytest.fixture
def candidate() -> EntitySetDef:
    return ENTITY_SETS["Candidate"]


@pytest.fixture
def application() -> EntitySetDef:
    return ENTITY_SETS["JobApplication"]


@pytest.fixture
def candidates() -> list[dict]:
    return [
        {
            "candidateId": 1,
            "firstName": "Li",
            "lastName": "O'Neil",
            "country": "CN",
            "city": "Shanghai",
            "externalCandidate": True,
            "lastModifiedDateTime": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
        {
            "candidateId": 2,
            "firstName": "Bob",
            "lastName": "Smith",
            "country": "US",
            "city": None,
            "externalCandidate": False,
            "lastModifiedDateTime": datetime(2023, 6, 1, tzinfo=UTC),
        },
        {
            "candidateId": 3,
            "firstName": "Ann",
            "lastName": "Lee",
            "country": None,
            "city": "Berlin",
            "externalCandidate": True,
            "lastModifiedDateTime": datetime(2024, 1, 1, tzinfo=UTC),
        },
    ]


@pytest.fixture
def applications() -> list[dict]:
    return [
        {"applicationId": 741, "candidateId": 1, "jobReqId": 10, "averageRating": Decimal("4.5")},
        {"applicationId": 742, "candidateId": 2, "jobReqId": 10, "averageRating": None},
    ]


FILES = ("RCMCandidate.edmx", "RCMJobApplication.edmx")


@pytest.fixture(scope="session")
def sap() -> EdmxInfo:
    paths = [REFERENCE_DIR / f for f in FILES]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"SAP reference EDMX not found in {REFERENCE_DIR}: {', '.join(missing)}")
    info = EdmxInfo()
    for path in paths:
        read_edmx(path.read_bytes(), into=info)
    return info
