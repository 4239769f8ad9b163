"""Fixtures of the security suite: a loopback trap that records any request a parser or
client makes to it, and a file whose contents must never show up anywhere."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from connectors._core.registry import ConnectorSpec, registry
from tests.conformance.test_connector_conformance import hook_for

SECRET_TEXT = "TOP-SECRET-FILE-4711"


@dataclass
class Trap:
    """An HTTP server on 127.0.0.1: serves `pages` by path, records every request."""

    server: ThreadingHTTPServer
    pages: dict[str, bytes] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def _handler(trap: Callable[[], Trap]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            trap().seen.append(self.path)
            # Whatever is asked for gets a document that would leak the marker if used.
            body = trap().pages.get(
                self.path.split("?")[0],
                f'<!ENTITY leak "{SECRET_TEXT}">'.encode(),
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def trap() -> Iterator[Trap]:
    holder: list[Trap] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lambda: holder[0]))
    server.daemon_threads = True
    holder.append(Trap(server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET_TEXT, encoding="utf-8")
    return path


# Every registered connector, once per product it serves (Yonyou: NC and YonBIP).
CASES = [(spec, variant) for spec in registry().values() for variant in spec.variants]
CASE_IDS = ["-".join(filter(None, (spec.system, variant))) for spec, variant in CASES]


@dataclass(frozen=True)
class Sent:
    """One request as it left through requests' transport adapter."""

    call: str  # "GET /path"
    timeout: Any
    verify: Any


def exercise(spec: ConnectorSpec, variant: str, monkeypatch: pytest.MonkeyPatch) -> list[Sent]:
    """Build the connector's client from its Airflow connection (as the DAGs do) against its
    simulator, test the connection and read the first page of every stream; every request
    sent on the way."""
    sent: list[Sent] = []
    original = HTTPAdapter.send

    def recording(self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        call = f"{request.method} {request.path_url.split('?')[0]}"
        sent.append(Sent(call, kwargs.get("timeout"), kwargs.get("verify")))
        return original(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", recording)
    extra = spec.variants[variant]
    server = spec.simulator_class()()
    server.start()
    try:
        hook = hook_for(spec, server, monkeypatch, extra)
        ok, message = hook.test_connection()
        assert ok, message
        client = hook.get_conn()
        for stream in spec.streams_for(extra.get("flavor")):
            next(iter(client.read_stream(stream.name, since=None, overlap_seconds=0)), None)
        hook.close()
    finally:
        server.stop()
    assert sent, f"{spec.system}: no request went through requests: the check proved nothing"
    return sent


# The ledger on SQLite and on a throwaway PostgreSQL: the ledger tests' own fixtures.
from tests.unit.ledger.conftest import ledger, ledger_url, pg_engine, pg_url  # noqa: E402, F401
