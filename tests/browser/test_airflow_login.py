"""Every hub user logs in through Airflow's own login form in a real browser and lands on
Airflow's home page as themselves; a wrong password is refused on the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    LOGIN_PATH,
    PNG_SIGNATURE,
    USERS,
    AirflowUI,
    login,
    screenshot,
    submit_login,
    token_cookie,
)

pytestmark = [pytest.mark.browser, pytest.mark.airflow]


@pytest.mark.parametrize("user", sorted(USERS))
def test_user_logs_in_and_lands_on_airflow_home(
    airflow_ui: AirflowUI, page: Page, user: str
) -> None:
    login(page, airflow_ui.base_url, user, airflow_ui.passwords[user])

    assert page.url.rstrip("/") == airflow_ui.base_url
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.get_by_role("link", name="Dags", exact=True)).to_be_visible()
    # The user menu names who is signed in.
    page.get_by_role("button", name="User").click()
    expect(page.get_by_role("menu")).to_contain_text(f"{user} (id: {user})")
    # The cookie the form set authenticates this user on Airflow's own API.
    me = page.request.get(f"{airflow_ui.base_url}/ui/auth/me")
    assert me.ok, me.status
    assert me.json()["username"] == user

    shot = screenshot(page, f"airflow_home_{user}")
    assert shot.stat().st_size > len(PNG_SIGNATURE)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)


def test_wrong_password_is_refused_on_the_form(airflow_ui: AirflowUI, page: Page) -> None:
    wrong = airflow_ui.passwords["recruiter"] + "x"
    submit_login(page, airflow_ui.base_url, "recruiter", wrong)

    expect(page.get_by_text("Invalid credentials")).to_be_visible()
    expect(page.get_by_text("401 Unauthorized")).to_be_visible()
    assert page.url.startswith(f"{airflow_ui.base_url}{LOGIN_PATH}")
    assert token_cookie(page) is None
    # Another user's password does not open this user's account either.
    submit_login(page, airflow_ui.base_url, "recruiter", airflow_ui.passwords["admin"])
    expect(page.get_by_text("Invalid credentials")).to_be_visible()
    assert token_cookie(page) is None

    shot = screenshot(page, "airflow_login_refused")
    assert shot.read_bytes().startswith(PNG_SIGNATURE)


def test_login_helper_reports_a_refused_login(airflow_ui: AirflowUI, page: Page) -> None:
    with pytest.raises(AssertionError, match="Invalid credentials"):
        login(page, airflow_ui.base_url, "auditor", "not-the-password", timeout=5_000)
