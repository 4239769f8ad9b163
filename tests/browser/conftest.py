"""Browser tests: Debian's headless chromium, driven by Playwright, against a real Airflow API
server with hrhub's plugin, logged in through Airflow's own login form.

Fixtures: `browser` (one chromium per session), `page` (a fresh browser context per test, so
no cookie leaks between tests), `airflow_ui` (one API server per test module, in a temporary
AIRFLOW_HOME). A module changes the server's users or environment by overriding
`airflow_ui_users` or `airflow_ui_env`. Helpers live in tests/browser/helpers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hrhub.deployment import airflow_api_server
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, USERS, AirflowUI


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (`make install` adds it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless; Playwright downloads nothing.

    Per module, not per session: Playwright's sync API keeps an event loop running in the
    test process until it stops, and a later test file on the same worker that calls
    asyncio.run() (tests/airflow/test_event_driven.py) would fail."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a browser context of its own (no cookies from other tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def airflow_ui_users() -> dict[str, str]:
    """SimpleAuthManager users (name -> role) of the module's API server."""
    return dict(USERS)


@pytest.fixture(scope="module")
def airflow_ui_env() -> dict[str, str]:
    """Extra environment of the module's API server (e.g. HRHUB_DATABASE_URL)."""
    return {}


@pytest.fixture(scope="module")
def airflow_ui(
    tmp_path_factory: pytest.TempPathFactory,
    airflow_ui_users: dict[str, str],
    airflow_ui_env: dict[str, str],
) -> Iterator[AirflowUI]:
    """Airflow's API server with hrhub's plugin on a fresh SQLite metadata database; the
    ledger is a SQLite file of its own unless `airflow_ui_env` names one."""
    require_chromium()
    home: Path = tmp_path_factory.mktemp("airflow_ui")
    env = {"HRHUB_DATABASE_URL": f"sqlite:///{home / 'ledger.db'}", **airflow_ui_env}
    with airflow_api_server(home / "airflow_home", airflow_ui_users, env) as deployment:
        yield AirflowUI(
            base_url=deployment.api_url,
            users=dict(airflow_ui_users),
            passwords=deployment.passwords(),
            ledger_url=env["HRHUB_DATABASE_URL"],
            deployment=deployment,
        )
