"""A real HTTP server on 127.0.0.1 (free port) whose routes each test scripts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the socket without answering
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any


Handler = Callable[[Seen], Reply]


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, path: str, reply: Handler | Reply | list[Reply]) -> None:
        """A handler, one reply, or replies served in order (the last one repeats)."""
        if isinstance(reply, Reply):
            self.routes[path] = lambda _seen: reply
        elif isinstance(reply, list):
            queue = list(reply)
            self.routes[path] = lambda _seen: queue.pop(0) if len(queue) > 1 else queue[0]
        else:
            self.routes[path] = reply

    def hits(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class _Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    dict(self.headers),
                    json.loads(raw) if raw.startswith((b"{", b"[")) else None,
                )
                loopback.seen.append(seen)
                handler = loopback.routes.get(parts.path)
                reply = handler(seen) if handler else Reply(404, {"detail": "no route"})
                if reply.delay:
                    threading.Event().wait(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                body = json.dumps(reply.json).encode() if reply.json is not None else reply.body
                self.send_response(reply.status)
                ctype = "application/json" if reply.json is not None else "text/plain"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Handler


@pytest.fixture
def server() -> Iterator[Loopback]:
    loopback = Loopback()
    yield loopback
    loopback.close()


@pytest.fixture
def sleeps() -> list[float]:
    """Waits recorded by an injected fake sleep."""
    return []
