"""The web pages under test: the real app with a test authenticator (the token is the login,
"expired"/"forged" are refused as Airflow's auth manager refuses them) over a seeded ledger.

The browser tests (tests/browser) run the same app inside a real Airflow API server with
Airflow's own auth manager; these tests cover what each page shows and refuses, fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hrhub.ledger import Ledger
from hrhub.web import WebSettings, create_app
from hrhub.web.auth import Refused
from hrhub.web.roles import RoleDirectory
from tests.web.world import World, build_world

ROLES = (
    "hr:hr_admin,"
    "rec:recruiter:recruiter01,"
    "rec2:recruiter:recruiter02,"
    "boss:recruiting_manager,"
    "aud:auditor"
)
SECRET = "test-form-secret"


async def token_is_login(token: str, method: str) -> str:
    if token == "expired":
        raise Refused(401, "session_expired", "Signature has expired")
    if token == "forged":
        raise Refused(401, "session_invalid", "Signature verification failed")
    return token


@pytest.fixture
def world(tmp_path) -> Iterator[World]:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        yield build_world(ledger)
    finally:
        ledger.close()


@pytest.fixture
def client(world: World) -> TestClient:
    settings = WebSettings(
        roles=RoleDirectory.parse(ROLES),
        authenticate=token_is_login,
        secret=SECRET,
        ledger_url=world.ledger.url,
    )
    return TestClient(create_app(settings))


def as_user(client: TestClient, login: str) -> TestClient:
    """The client carrying `login`'s session cookie (the test authenticator's token)."""
    client.cookies.set("_token", login)
    return client
