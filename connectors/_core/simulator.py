"""The base every system's simulator is built on: a loopback HTTP server with fault knobs.

The real HR systems are not reachable from development machines or CI, so each connector ships
a faithful local server of its API. This module holds what they all share: the fault model
(`FaultSpec`, parsed from the same `name=value,...` string the CLI takes), a small routing layer,
and the fault injection that runs before a handler sees the request. It is stdlib only, so a
simulator starts in milliseconds and needs nothing beyond the connector's own folder.

All randomness of a server comes from one `random.Random(faults.seed)`, so a run with the same
spec and the same sequence of calls sees the same faults.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "Abort",
    "BadJSON",
    "FaultSpec",
    "Request",
    "Response",
    "SimulatorServer",
    "route",
]

_PROBABILITIES = ("error_rate", "rate_limit", "drop", "drop_after", "duplicate")
_NON_NEGATIVE = ("latency_ms", "token_expiry", "slow_page_ms", "retry_after")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class FaultSpec:
    """What goes wrong, and how often, on a simulator.

    Knobs (all off by default):
    - latency_ms: added to every call.
    - error_rate: share of calls answered with the system's own server error.
    - rate_limit: chance a call starts a burst of `rate_limit_burst` 429s carrying
      `Retry-After: retry_after`.
    - token_expiry: seconds a newly issued token lives (0 = the system's normal lifetime).
    - drop: share of calls whose connection is closed without any response.
    - drop_after: share of those drops that happen after the handler ran (the write landed
      but the reply was lost: the case idempotent writes exist for).
    - slow_page_ms: extra latency on list/page endpoints.
    - duplicate: share of list records repeated in a page.
    - out_of_order: shuffle the records of each page.
    - down: the system is down: every call gets its own server error (maintenance).
    - seed: seeds the server's one random generator.

    A knob may be scoped to one system with its name: `error_rate=0.1,dingtalk.down=true`
    (see `parse_scoped`).
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit: float = 0.0
    rate_limit_burst: int = 3
    retry_after: int = 1
    token_expiry: float = 0.0
    drop: float = 0.0
    drop_after: float = 0.0
    slow_page_ms: float = 0.0
    duplicate: float = 0.0
    out_of_order: bool = False
    down: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _PROBABILITIES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault knob {name} must be between 0 and 1, got {value!r}")
        for name in _NON_NEGATIVE:
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"fault knob {name} must be a finite number >= 0, got {value!r}")
        if self.rate_limit_burst < 1:
            raise ValueError(
                f"fault knob rate_limit_burst must be >= 1, got {self.rate_limit_burst!r}"
            )

    @classmethod
    def none(cls) -> FaultSpec:
        """No faults: the simulator behaves like a healthy system."""
        return cls()

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        """Parse `name=value,...`; an empty string or "none" means no faults.

        Raises ValueError naming the bad knob or value.
        """
        text = (spec or "").strip()
        if text.lower() in ("", "none"):
            return cls.none()
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, raw = item.partition("=")
            name, raw = name.strip(), raw.strip()
            if not sep or not name:
                raise ValueError(f"fault knob {item!r} is not of the form name=value")
            if name not in kinds:
                known = ", ".join(kinds)
                raise ValueError(f"unknown fault knob {name!r} (known: {known})")
            if name in values:
                raise ValueError(f"fault knob {name!r} is given twice")
            values[name] = _parse_value(name, kinds[name], raw)
        return cls(**values)

    @classmethod
    def parse_scoped(
        cls, spec: str | None, systems: Iterable[str]
    ) -> tuple[FaultSpec, dict[str, FaultSpec]]:
        """Parse a spec whose knobs may be scoped to a system (`dingtalk.down=true`).

        Returns the spec for every system, and per named system its own: the unscoped
        knobs with that system's scoped ones on top. ValueError names an unknown system.
        """
        known = list(systems)
        shared: list[str] = []
        scoped: dict[str, list[str]] = {}
        for item in (spec or "").split(","):
            name = item.partition("=")[0].strip()
            system, dot, _ = name.partition(".")
            if not dot:
                shared.append(item)
                continue
            if system not in known:
                raise ValueError(
                    f"fault knob {name!r} names an unknown system {system!r} "
                    f"(known: {', '.join(known)})"
                )
            scoped.setdefault(system, []).append(item.strip()[len(system) + 1 :])
        base = cls.parse(",".join(shared))
        per_system = {}
        for system, items in scoped.items():
            own = cls.parse(",".join(items))
            changed = {
                f.name: getattr(own, f.name)
                for f in dataclasses.fields(cls)
                if getattr(own, f.name) != f.default
            }
            per_system[system] = dataclasses.replace(base, **changed)
        return base, per_system

    def to_spec(self) -> str:
        """The `name=value,...` string that parses back to this spec (defaults left out)."""
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                parts.append(f"{f.name}={_format_value(value)}")
        return ",".join(parts)

    @property
    def active(self) -> bool:
        """True if any knob that changes behaviour is set (the seed alone changes nothing)."""
        return bool(dataclasses.replace(self, seed=0).to_spec())


def _parse_value(name: str, kind: Any, raw: str) -> Any:
    if not raw:
        raise ValueError(f"fault knob {name!r} has no value")
    if kind in (bool, "bool"):
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"fault knob {name!r} expects true or false, got {raw!r}")
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"fault knob {name!r} expects a whole number, got {raw!r}") from None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"fault knob {name!r} expects a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"fault knob {name!r} expects a finite number, got {raw!r}")
    return value


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class BadJSON(ValueError):
    """The request body is not valid JSON; the server answers 400 via `bad_json()`."""


@dataclass
class Request:
    """One HTTP request as a handler sees it. Header names are lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""
    is_page: bool = False

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON; None for an empty body; BadJSON if it does not parse."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadJSON(f"request body is not valid JSON: {exc}") from exc


@dataclass
class Response:
    """What a handler returns. dict/list bodies become JSON, str text, bytes are sent as is."""

    status: int = 200
    body: dict[str, Any] | list[Any] | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def encode(self) -> tuple[bytes, str | None]:
        """The wire body and its content type."""
        if self.body is None:
            return b"", self.content_type
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), self.content_type or "text/plain; charset=utf-8"
        data = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
        return data.encode("utf-8"), self.content_type or "application/json"


class Abort(Exception):
    """Raise from a handler (or a helper it calls) to answer with `response` at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


F = TypeVar("F", bound=Callable[..., Response])


def route(method: str, pattern: str, *, page: bool = False) -> Callable[[F], F]:
    """Declare a handler method for `method` and a regex on the path (named groups -> kwargs).

    `page=True` marks a list/page endpoint: slow_page_ms applies to it.
    """

    def decorate(func: F) -> F:
        routes = list(getattr(func, "_sim_routes", ()))
        routes.append((method.upper(), pattern, page))
        func._sim_routes = routes  # type: ignore[attr-defined]
        return func

    return decorate


@dataclass(frozen=True)
class _Route:
    method: str
    regex: re.Pattern[str]
    page: bool
    attr: str


class SimulatorServer:
    """A threaded HTTP server on 127.0.0.1 with routing and fault injection.

    Subclasses set `system`, declare handlers with `@route`, and override `fault_error`,
    `fault_rate_limited`, `not_found`, `method_not_allowed`, `bad_json` and `server_error`
    to answer in their system's own error format. Handlers hold `self.lock` while touching
    shared state: requests are served on many threads.
    """

    system: ClassVar[str] = "simulator"
    max_calls: ClassVar[int] = 10_000
    _routes: ClassVar[tuple[_Route, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: list[_Route] = []
        seen: set[str] = set()
        for klass in cls.__mro__:
            for attr, value in vars(klass).items():
                if attr in seen:
                    continue
                seen.add(attr)
                for method, pattern, page in getattr(value, "_sim_routes", ()):
                    found.append(_Route(method, re.compile(pattern), page, attr))
        cls._routes = tuple(found)

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.counters: Counter[str] = Counter()
        self._local = threading.local()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_faults(faults)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Bind (port 0 = a free port), serve on a daemon thread, return the base URL."""
        if self._httpd is not None:
            return self.url
        httpd = _HTTPServer((self.host, self.port), _RequestHandler)
        httpd.simulator = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"simulator-{self.system}",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:54321."""
        if self._httpd is None:
            raise RuntimeError(f"{self.system} simulator is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def connection_extra(self) -> dict[str, str]:
        """Connection extras only a running simulator knows (a second host's URL, say)."""
        return {}

    # -- faults and hooks for subclasses -----------------------------------------------------

    def set_faults(self, faults: FaultSpec | str | None) -> None:
        """Replace the fault spec; the random generator restarts from its seed."""
        spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        with self.lock:
            self.faults = spec
            self.rng = random.Random(spec.seed)
            self._burst_left = 0

    def token_lifetime(self, default_seconds: float | None) -> float | None:
        """Seconds a token issued now lives: the token_expiry knob, else the system's default
        (None = never expires)."""
        return self.faults.token_expiry if self.faults.token_expiry > 0 else default_seconds

    def apply_list_faults(self, records: Iterable[Any]) -> list[Any]:
        """Repeat a share of records (duplicate) and shuffle them (out_of_order)."""
        out: list[Any] = []
        with self.lock:
            for record in records:
                out.append(record)
                if self.faults.duplicate and self.rng.random() < self.faults.duplicate:
                    out.append(record)
                    self.counters["duplicated"] += 1
            if self.faults.out_of_order and len(out) > 1:
                self.rng.shuffle(out)
                self.counters["shuffled_pages"] += 1
        return out

    @property
    def current_request(self) -> Request | None:
        """The request this thread is serving: a simulator with several faces (SOAP and REST on
        one port) answers faults in the format of the face that was called."""
        return getattr(self._local, "request", None)

    @property
    def is_page_endpoint(self) -> bool:
        """True while the current thread serves a route declared with page=True."""
        return getattr(self._local, "is_page", False)

    def reset_stats(self) -> None:
        with self.lock:
            self.calls.clear()
            self.counters.clear()

    def fault_error(self) -> Response:
        """The system's own server error (error_rate). Default: 503 JSON."""
        return Response(503, {"error": "service_unavailable", "message": "simulated fault"})

    def fault_rate_limited(self, retry_after: int) -> Response:
        """The system's own throttling answer (rate_limit). Default: 429 + Retry-After."""
        return Response(
            429,
            {"error": "rate_limited", "message": f"retry after {retry_after} s"},
            headers={"Retry-After": str(retry_after)},
        )

    def not_found(self, req: Request) -> Response:
        return Response(404, {"error": "not_found", "message": f"no route for {req.path}"})

    def method_not_allowed(self, req: Request, allowed: list[str]) -> Response:
        return Response(
            405,
            {"error": "method_not_allowed", "message": f"{req.method} not allowed"},
            headers={"Allow": ", ".join(allowed)},
        )

    def bad_json(self, req: Request, exc: BadJSON) -> Response:
        return Response(400, {"error": "bad_request", "message": str(exc)})

    def server_error(self, req: Request, exc: Exception) -> Response:
        """A handler raised: answer 500 with the error, keep serving."""
        return Response(
            500,
            {"error": "internal_error", "message": f"{type(exc).__name__}: {exc}"},
        )

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, req: Request) -> Response | None:
        """Faults, then routing. None means: drop the connection without an answer."""
        faults = self.faults
        self._local.request = req
        with self.lock:
            self.calls.append((req.method, req.path))
            if len(self.calls) > self.max_calls:
                del self.calls[: len(self.calls) - self.max_calls]
            self.counters["requests"] += 1
            drop = bool(faults.drop) and self.rng.random() < faults.drop
            drop_after = drop and bool(faults.drop_after) and self.rng.random() < faults.drop_after
            limited = not drop and self._draw_rate_limit(faults)
            error = not (drop or limited) and (
                faults.down or (bool(faults.error_rate) and self.rng.random() < faults.error_rate)
            )
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if drop and not drop_after:
            self._count("dropped")
            return None
        if limited:
            self._count("rate_limited")
            resp = self.fault_rate_limited(faults.retry_after)
            resp.headers.setdefault("Retry-After", str(faults.retry_after))
            return resp
        if error:
            self._count("down" if faults.down else "faulted")
            return self.fault_error()
        resp = self._dispatch(req)
        if drop_after:
            self._count("dropped")
            self._count("dropped_after")
            return None
        return resp

    def _draw_rate_limit(self, faults: FaultSpec) -> bool:
        if self._burst_left > 0:
            self._burst_left -= 1
            return True
        if faults.rate_limit and self.rng.random() < faults.rate_limit:
            self._burst_left = faults.rate_limit_burst - 1
            return True
        return False

    def _count(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1

    def _dispatch(self, req: Request) -> Response:
        allowed: list[str] = []
        for r in self._routes:
            match = r.regex.fullmatch(req.path)
            if match is None:
                continue
            if r.method != req.method:
                allowed.append(r.method)
                continue
            req.is_page = r.page
            self._local.is_page = r.page
            try:
                if r.page and self.faults.slow_page_ms:
                    self._count("slow_pages")
                    time.sleep(self.faults.slow_page_ms / 1000)
                return getattr(self, r.attr)(req, **match.groupdict())
            except Abort as abort:
                return abort.response
            except BadJSON as exc:
                return self.bad_json(req, exc)
            except Exception as exc:
                self._count("handler_errors")
                return self.server_error(req, exc)
            finally:
                self._local.is_page = False
        if allowed:
            return self.method_not_allowed(req, sorted(set(allowed)))
        self._count("not_found")
        return self.not_found(req)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    simulator: SimulatorServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-request are normal under fault tests: stay quiet."""


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr log; `calls` and `counters` record traffic."""

    def _serve(self) -> None:
        sim = self.server.simulator
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        req = Request(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        try:
            resp = sim.handle(req)
        except Exception as exc:  # a broken hook must not kill the connection thread
            resp = Response(500, {"error": "internal_error", "message": repr(exc)})
        if resp is None:
            self._drop()
            return
        self._send(resp)

    # MERGE is OData v2's partial update (pyodata and SAP clients send it as a real method).
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_MERGE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, resp: Response) -> None:
        data, content_type = resp.encode()
        try:
            self.send_response(resp.status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in resp.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD" and data:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True
