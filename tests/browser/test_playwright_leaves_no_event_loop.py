"""The browser fixture stops Playwright when its module ends: its sync API keeps an event loop
running in the process until then, and a later test file on the same pytest worker that runs
asyncio code (the interview room's trigger tests) failed with "asyncio.run() cannot be called
from a running event loop"."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.browser


def test_asyncio_runs_here_once_no_browser_module_holds_playwright() -> None:
    # Runs in a module that never asks for `browser`: whatever browser module ran before on
    # this worker has stopped Playwright by now.
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"
