"""Helpers the browser tests share: Debian's chromium, Airflow's login form, screenshots.

The tests drive Debian's own chromium (`make install` adds the package); Playwright only
speaks to it and never downloads a browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from hrhub.airflow_env import REPO_ROOT
from hrhub.deployment import Deployment

CHROMIUM = Path("/usr/bin/chromium")
# Headless on a machine with no network beyond loopback: without the background-networking
# flags chromium keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "out" / "browser"
TOKEN_COOKIE = "_token"
LOGIN_PATH = "/auth/login"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# One user per role the hub serves (SimpleAuthManager roles: admin, op, user, viewer).
USERS = {
    "admin": "admin",
    "hr_admin": "op",
    "recruiter": "user",
    "manager": "user",
    "auditor": "viewer",
}


@dataclass(frozen=True)
class AirflowUI:
    """A running API server: where it answers, who may log in, and the ledger its pages read."""

    base_url: str
    users: dict[str, str]
    passwords: dict[str, str]
    ledger_url: str
    deployment: Deployment


def submit_login(page: Page, base_url: str, user: str, password: str) -> None:
    """Fill and submit SimpleAuthManager's login form (a React page that posts to
    /auth/token and sets the `_token` cookie itself); waits for nothing after the click."""
    page.goto(f"{base_url}{LOGIN_PATH}")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def login(page: Page, base_url: str, user: str, password: str, timeout: float = 20_000) -> None:
    """Log in through Airflow's own login form; afterwards the page's browser context holds
    the `_token` cookie and the page shows where the form sent it (Airflow's home page).
    A refused login raises AssertionError with what the form showed."""
    submit_login(page, base_url, user, password)
    try:
        page.wait_for_url(lambda url: urlparse(url).path != LOGIN_PATH, timeout=timeout)
    except PlaywrightTimeoutError:
        shown = re.sub(r"\s+", " ", page.inner_text("body"))[:300]
        raise AssertionError(f"login of {user!r} was refused; the page shows: {shown}") from None
    if not token_cookie(page):
        raise AssertionError(f"login of {user!r} left no {TOKEN_COOKIE} cookie")


def token_cookie(page: Page) -> str | None:
    """The JWT Airflow's login form stored in the page's browser context, if any."""
    return next(
        (c["value"] for c in page.context.cookies() if c["name"] == TOKEN_COOKIE),
        None,
    )


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as out/browser/<name>.png (out/ is not committed) and return it."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
