"""Issue 12, Security: "HTTP clients always have timeouts".

Statically: every HTTP call in hrhub's code (requests, a session, httpx, urllib, sockets,
zeep's transport) sets a timeout, and only the one client base (connectors/_core/http.py,
which always passes one) builds a requests Session in the product. At run time: every
registered connector, built from its Airflow connection the way the DAGs build it, sends
each request to its simulator with a finite (connect, read) timeout.
tests/unit/core/test_http.py proves ApiClient itself always passes its timeout.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Iterable
from typing import Any

import pytest

from connectors._core.registry import ConnectorSpec

from .conftest import CASE_IDS, CASES, exercise
from .source_scan import Call, aliases, all_calls, calls_in, dotted

HTTP_BASE = "connectors/_core/http.py"
# Benchmarks time peer clients (pyodata, plain requests) against the loopback simulators.
SESSION_MAKERS = ("connectors/_core/http.py", "hrhub/bench/")

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
NEED_TIMEOUT = {
    *(f"requests.{v}" for v in VERBS),
    *(f"requests.api.{v}" for v in VERBS),
    *(f"httpx.{v}" for v in (*VERBS, "stream")),
    "httpx.Client",
    "httpx.AsyncClient",
    "urllib.request.urlopen",
    "socket.create_connection",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
}
ZEEP_TRANSPORT = "zeep.transports.Transport"


def _sets(call: Call, keyword: str) -> bool:
    given = call.keyword(keyword)
    return given is not None and not (isinstance(given, ast.Constant) and given.value is None)


def _is_session_call(call: Call) -> bool:
    """`<something session>.get(...)` in a module that imports requests."""
    func = call.node.func
    if not isinstance(func, ast.Attribute) or func.attr not in (*VERBS, "send"):
        return False
    receiver = ast.unparse(func.value).lower()
    return "session" in receiver and _imports_requests(call.tree)


@functools.cache
def _imports_requests(tree: ast.Module) -> bool:
    return any(name.split(".")[0] == "requests" for name in aliases(tree).values())


def _is_zeep_transport(call: Call) -> bool:
    """zeep's Transport, or a class of the same module that subclasses it."""
    return call.name == ZEEP_TRANSPORT or call.name in _transport_classes(call.tree)


@functools.cache
def _transport_classes(tree: ast.Module) -> frozenset[str]:
    names = aliases(tree)
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(dotted(base, names) == ZEEP_TRANSPORT for base in node.bases)
    )


def http_problems(calls: Iterable[Call]) -> list[str]:
    """Every HTTP call without a timeout, and every session built outside the client base."""
    problems = []
    for call in calls:
        if call.name in NEED_TIMEOUT or _is_session_call(call):
            if not _sets(call, "timeout"):
                problems.append(f"{call.where}: no timeout=")
        elif _is_zeep_transport(call) and not _sets(call, "operation_timeout"):
            problems.append(f"{call.where}: zeep waits forever without operation_timeout=")
        elif call.name == "requests.Session" and not call.path.startswith(SESSION_MAKERS):
            problems.append(f"{call.where}: a Session outside {HTTP_BASE}; subclass ApiClient")
    return problems


def test_every_http_call_in_the_code_sets_a_timeout() -> None:
    assert http_problems(all_calls()) == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import requests\nrequests.get(url)", "no timeout="),
        ("import requests\nrequests.post(url, timeout=None)", "no timeout="),
        ("import requests\ndef f(self):\n    self.session.request('GET', u)", "no timeout="),
        ("import requests\nwith requests.Session() as s:\n    pass", "a Session outside"),
        ("from urllib.request import urlopen\nurlopen(u)", "no timeout="),
        ("import urllib.request\nurllib.request.urlopen(u)", "no timeout="),
        ("import httpx\nhttpx.Client()", "no timeout="),
        ("import socket\nsocket.create_connection(a)", "no timeout="),
        ("from zeep.transports import Transport\nTransport(timeout=5)", "operation_timeout"),
        (
            "from zeep.transports import Transport\nclass T(Transport):\n    pass\nT(cache=None)",
            "operation_timeout",
        ),
    ],
)
def test_the_static_check_catches_each_way_around(source: str, problem: str) -> None:
    found = http_problems(calls_in(source, "connectors/new/client.py"))
    assert len(found) == 1 and problem in found[0], found


def test_the_static_check_accepts_calls_with_timeouts() -> None:
    source = (
        "import requests\n"
        "def f(self, session):\n"
        "    self.session.request('GET', u, timeout=(5, 30))\n"
        "    session.get(u, timeout=5)\n"
        "    requests.get(u, timeout=5)\n"
        "    requests.Request('GET', u).prepare()\n"
    )
    assert http_problems(calls_in(source, "connectors/new/client.py")) == []
    database = "from sqlmodel import Session\ndef g(session):\n    session.get(Model, 1)\n"
    assert http_problems(calls_in(database, "hrhub/ledger/new.py")) == []


# --- every registered connector, at run time -------------------------------------------------


def _finite(timeout: Any) -> bool:
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    return all(isinstance(t, int | float) and t > 0 and math.isfinite(t) for t in parts)


@pytest.mark.parametrize(("spec", "variant"), CASES, ids=CASE_IDS)
def test_every_connector_sends_every_request_with_a_timeout(
    spec: ConnectorSpec, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = exercise(spec, variant, monkeypatch)
    untimed = [s for s in sent if not _finite(s.timeout)]
    assert untimed == [], f"{spec.system} sent requests without a finite timeout"
