"""The simulator base: fault spec parsing, routing, and every fault knob over real loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from connectors._core.simulator import (
    Abort,
    BadJSON,
    FaultSpec,
    Request,
    Response,
    SimulatorServer,
    route,
)


class ToySimulator(SimulatorServer):
    """A tiny system exercising every hook the base offers."""

    system = "toy"

    def __init__(self, faults: FaultSpec | str | None = None) -> None:
        super().__init__(faults)
        self.tokens: dict[str, float | None] = {}
        self.handled = 0

    @route("GET", r"^/items/$", page=True)
    def list_items(self, req: Request) -> Response:
        return Response(
            200, {"items": self.apply_list_faults(range(10)), "page": self.is_page_endpoint}
        )

    @route("GET", r"^/items/(?P<item_id>\d+)/$")
    def get_item(self, req: Request, item_id: str) -> Response:
        return Response(200, {"id": int(item_id), "page": self.is_page_endpoint})

    @route("POST", r"^/echo/$")
    def echo(self, req: Request) -> Response:
        with self.lock:
            self.handled += 1
        return Response(201, {"got": req.json(), "q": req.arg("q")})

    @route("GET", r"^/boom/$")
    def boom(self, req: Request) -> Response:
        raise RuntimeError("kaput")

    @route("GET", r"^/teapot/$")
    def teapot(self, req: Request) -> Response:
        raise Abort(Response(418, "short and stout"))

    @route("POST", r"^/token/$")
    def issue(self, req: Request) -> Response:
        lifetime = self.token_lifetime(3600)
        token = f"t{len(self.tokens)}"
        with self.lock:
            self.tokens[token] = time.monotonic() + lifetime if lifetime else None
        return Response(200, {"token": token})

    @route("GET", r"^/me/$")
    def me(self, req: Request) -> Response:
        token = (req.header("Authorization") or "").removeprefix("Bearer ")
        expires = self.tokens.get(token, 0.0)
        if expires is not None and expires <= time.monotonic():
            return Response(401, {"error": "token expired"})
        return Response(200, {"ok": True})


@pytest.fixture
def toy() -> Iterator[ToySimulator]:
    with ToySimulator() as server:
        yield server


def statuses(url: str, n: int, path: str = "/items/1/") -> list[int]:
    with requests.Session() as s:
        return [s.get(url + path, timeout=5).status_code for _ in range(n)]


# -- FaultSpec ------------------------------------------------------------------------------


def test_parse_the_documented_example() -> None:
    spec = FaultSpec.parse("error_rate=0.1,rate_limit=0.05,token_expiry=1,drop=0.02,latency_ms=20")
    assert spec == FaultSpec(
        error_rate=0.1, rate_limit=0.05, token_expiry=1.0, drop=0.02, latency_ms=20.0
    )
    assert spec.active


def test_parse_every_knob_and_round_trip() -> None:
    text = (
        " latency_ms=5 , error_rate=0.5,rate_limit=1,rate_limit_burst=2,retry_after=0,"
        "token_expiry=0.2,drop=0.1,drop_after=1,slow_page_ms=30,duplicate=0.25,"
        "out_of_order=yes,seed=7,"
    )
    spec = FaultSpec.parse(text)
    assert spec.out_of_order is True and spec.seed == 7 and spec.rate_limit_burst == 2
    assert FaultSpec.parse(spec.to_spec()) == spec
    assert spec.to_spec().startswith("latency_ms=5,error_rate=0.5,")


@pytest.mark.parametrize("text", [None, "", "  ", "none", "NONE"])
def test_empty_spec_means_no_faults(text: str | None) -> None:
    assert FaultSpec.parse(text) == FaultSpec.none()
    assert FaultSpec.none().to_spec() == ""
    assert not FaultSpec.none().active
    assert not FaultSpec(seed=3).active


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("error_rat=0.1", "unknown fault knob 'error_rat'"),
        ("error_rate=1.5", "error_rate must be between 0 and 1"),
        ("drop=-0.1", "drop must be between 0 and 1"),
        ("latency_ms=-3", "latency_ms must be a finite number >= 0"),
        ("latency_ms=fast", "'latency_ms' expects a number, got 'fast'"),
        ("latency_ms=inf", "'latency_ms' expects a finite number"),
        ("seed=1.5", "'seed' expects a whole number"),
        ("rate_limit_burst=0", "rate_limit_burst must be >= 1"),
        ("out_of_order=maybe", "'out_of_order' expects true or false"),
        ("error_rate", "is not of the form name=value"),
        ("error_rate=", "'error_rate' has no value"),
        ("drop=0.1,drop=0.2", "'drop' is given twice"),
    ],
)
def test_parse_rejects_bad_specs_naming_the_knob(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        FaultSpec.parse(text)


def test_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        FaultSpec(duplicate=2)


# -- Request / Response ---------------------------------------------------------------------


def test_request_json_and_helpers() -> None:
    req = Request(
        "POST", "/x/", {"a": ["1", "2"]}, {"content-type": "application/json"}, b'{"k":1}'
    )
    assert req.json() == {"k": 1}
    assert req.arg("a") == "1" and req.arg("b", "d") == "d"
    assert req.header("Content-Type") == "application/json"
    assert Request("POST", "/x/").json() is None
    with pytest.raises(BadJSON, match="not valid JSON"):
        Request("POST", "/x/", body=b"{nope").json()


def test_response_encoding() -> None:
    assert Response(200, {"名": 1}).encode() == ('{"名":1}'.encode(), "application/json")
    assert Response(200, "hi").encode() == (b"hi", "text/plain; charset=utf-8")
    assert Response(200, b"\x00").encode() == (b"\x00", "application/octet-stream")
    assert Response(204).encode() == (b"", None)


# -- server basics --------------------------------------------------------------------------


def test_start_returns_loopback_url_and_stop_frees_it() -> None:
    server = ToySimulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    url = server.start()
    assert url.startswith("http://127.0.0.1:") and server.url == url
    assert server.start() == url  # idempotent
    assert requests.get(url + "/items/3/", timeout=5).json() == {"id": 3, "page": False}
    server.stop()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/items/3/", timeout=2)


def test_routing_errors_and_handler_failures(toy: ToySimulator) -> None:
    missing = requests.get(toy.url + "/nowhere", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = requests.delete(toy.url + "/items/1/", timeout=5)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET"
    boom = requests.get(toy.url + "/boom/", timeout=5)
    assert boom.status_code == 500 and "RuntimeError: kaput" in boom.json()["message"]
    teapot = requests.get(toy.url + "/teapot/", timeout=5)
    assert teapot.status_code == 418 and teapot.text == "short and stout"
    bad = requests.post(toy.url + "/echo/", data=b"{oops", timeout=5)
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["message"]
    # the server lives on after all of that
    ok = requests.post(toy.url + "/echo/?q=1", json={"a": [1]}, timeout=5)
    assert ok.status_code == 201 and ok.json() == {"got": {"a": [1]}, "q": "1"}
    assert toy.counters["handler_errors"] == 1 and toy.counters["not_found"] == 1
    assert ("GET", "/boom/") in toy.calls and toy.counters["requests"] == 6


def test_page_flag_only_on_page_routes(toy: ToySimulator) -> None:
    assert requests.get(toy.url + "/items/", timeout=5).json()["page"] is True
    assert requests.get(toy.url + "/items/1/", timeout=5).json()["page"] is False


def test_call_log_is_bounded(toy: ToySimulator) -> None:
    toy.max_calls = 5  # type: ignore[misc]
    statuses(toy.url, 8)
    assert len(toy.calls) == 5 and toy.counters["requests"] == 8
    toy.reset_stats()
    assert toy.calls == [] and not toy.counters


def test_concurrent_requests(toy: ToySimulator) -> None:
    def post(i: int) -> int:
        return requests.post(toy.url + "/echo/", json={"i": i}, timeout=5).status_code

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(post, range(64))) == {201}
    assert toy.handled == 64


# -- fault knobs ----------------------------------------------------------------------------


def test_latency(toy: ToySimulator) -> None:
    toy.set_faults("latency_ms=60")
    start = time.perf_counter()
    requests.get(toy.url + "/items/1/", timeout=5)
    assert time.perf_counter() - start >= 0.06


def test_slow_page_only_slows_page_endpoints(toy: ToySimulator) -> None:
    toy.set_faults("slow_page_ms=150")
    start = time.perf_counter()
    requests.get(toy.url + "/items/1/", timeout=5)
    assert time.perf_counter() - start < 0.12
    start = time.perf_counter()
    requests.get(toy.url + "/items/", timeout=5)
    assert time.perf_counter() - start >= 0.15
    assert toy.counters["slow_pages"] == 1


def test_drop_closes_without_response(toy: ToySimulator) -> None:
    toy.set_faults("drop=1")
    with pytest.raises(requests.ConnectionError):
        requests.get(toy.url + "/items/1/", timeout=5)
    assert toy.counters["dropped"] == 1
    toy.set_faults(None)
    assert requests.get(toy.url + "/items/1/", timeout=5).status_code == 200


def test_drop_after_runs_the_handler_then_loses_the_reply(toy: ToySimulator) -> None:
    toy.set_faults("drop=1,drop_after=1")
    with pytest.raises(requests.ConnectionError):
        requests.post(toy.url + "/echo/", json={"x": 1}, timeout=5)
    assert toy.handled == 1 and toy.counters["dropped_after"] == 1


def test_error_rate_one_fails_every_call(toy: ToySimulator) -> None:
    toy.set_faults("error_rate=1")
    assert statuses(toy.url, 5) == [503] * 5
    assert requests.get(toy.url + "/items/1/", timeout=5).json()["error"] == "service_unavailable"
    assert toy.counters["faulted"] == 6


def test_down_answers_every_call_with_the_server_error(toy: ToySimulator) -> None:
    toy.set_faults("down=true")
    assert statuses(toy.url, 4) == [503] * 4
    assert toy.counters["down"] == 4 and toy.counters["faulted"] == 0
    toy.set_faults(None)
    assert statuses(toy.url, 2) == [200] * 2


def test_scoped_knobs_apply_to_their_system_over_the_shared_ones() -> None:
    shared, scoped = FaultSpec.parse_scoped(
        "error_rate=0.1,seed=3,dingtalk.down=true,yonyou.error_rate=0.2,yonyou.drop=0.05",
        ["successfactors", "yonyou", "dingtalk"],
    )
    assert shared == FaultSpec(error_rate=0.1, seed=3)
    assert scoped == {
        "dingtalk": FaultSpec(error_rate=0.1, seed=3, down=True),
        "yonyou": FaultSpec(error_rate=0.2, seed=3, drop=0.05),
    }
    assert FaultSpec.parse_scoped("", ["yonyou"]) == (FaultSpec.none(), {})
    with pytest.raises(ValueError, match=r"unknown system 'workday'.*known: yonyou"):
        FaultSpec.parse_scoped("workday.down=true", ["yonyou"])
    with pytest.raises(ValueError, match="unknown fault knob 'dwon'"):
        FaultSpec.parse_scoped("yonyou.dwon=true", ["yonyou"])


def test_rate_limit_bursts_with_retry_after(toy: ToySimulator) -> None:
    toy.set_faults("rate_limit=1,rate_limit_burst=2,retry_after=4")
    resp = requests.get(toy.url + "/items/1/", timeout=5)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "4"
    # a burst, once started, runs its full length (back-to-back bursts join up)
    toy.set_faults("rate_limit=0.3,rate_limit_burst=3,seed=5")
    seq = statuses(toy.url, 40)
    assert 429 in seq and 200 in seq
    pattern = "".join("x" if s == 429 else "." for s in seq).rstrip("x")  # last may be cut
    assert all(len(run) % 3 == 0 for run in pattern.split(".") if run)


def test_token_expiry_knob(toy: ToySimulator) -> None:
    token = requests.post(toy.url + "/token/", timeout=5).json()["token"]
    assert requests.get(toy.url + "/me/", headers={"Authorization": f"Bearer {token}"}).ok
    toy.set_faults("token_expiry=0.2")
    assert toy.token_lifetime(3600) == 0.2 and toy.token_lifetime(None) == 0.2
    token = requests.post(toy.url + "/token/", timeout=5).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(toy.url + "/me/", headers=headers, timeout=5).status_code == 200
    time.sleep(0.3)
    assert requests.get(toy.url + "/me/", headers=headers, timeout=5).status_code == 401


def test_duplicate_and_out_of_order(toy: ToySimulator) -> None:
    toy.set_faults("duplicate=1")
    items = requests.get(toy.url + "/items/", timeout=5).json()["items"]
    assert items == [i for i in range(10) for _ in (0, 1)]
    toy.set_faults("out_of_order=true,seed=1")
    items = requests.get(toy.url + "/items/", timeout=5).json()["items"]
    assert sorted(items) == list(range(10)) and items != list(range(10))


def fault_trace(spec: str) -> list[Any]:
    """Statuses, drops and page contents of a fixed call sequence under `spec`."""
    trace: list[Any] = []
    with ToySimulator(spec) as server:
        for i in range(30):
            path = "/items/" if i % 3 == 0 else "/items/1/"
            try:
                resp = requests.get(server.url + path, timeout=5)
            except requests.ConnectionError:
                trace.append("dropped")
                continue
            body = resp.json() if resp.status_code == 200 else None
            trace.append((resp.status_code, body))
    return trace


def test_same_seed_same_faults() -> None:
    spec = "error_rate=0.2,rate_limit=0.1,drop=0.1,duplicate=0.3,out_of_order=true"
    first = fault_trace(spec + ",seed=11")
    assert first == fault_trace(spec + ",seed=11")
    assert first != fault_trace(spec + ",seed=12")
    kinds = {t if t == "dropped" else t[0] for t in first}
    assert {"dropped", 200, 503} <= kinds
