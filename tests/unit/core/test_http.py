import logging
import socket
from typing import Any

import pytest
import requests

from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    AuthError,
    ConfigError,
    DataContractError,
    FatalError,
    RateLimited,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.pagination import CursorPaginator, NextUrlPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.redaction import Redactor
from connectors._core.retry import retry_policy

from .conftest import Reply, Seen

SECRET = "URL-SECRET-MARKER-42"

DINGTALK_TABLE = ErrorTable.from_manifest(
    [
        {"vendor_code": "90002", "action": "rate_limited", "retry_after": 1},
        {"vendor_code": "40014", "action": "refresh_token"},
        {"vendor_code": "33001", "action": "config", "description": "invalid corp"},
        {"vendor_code": "-1", "action": "retry"},
        {"status": 404, "action": "ignore"},
    ]
)


class DingTalkish(ApiClient):
    """errcode in a 200 body, ?access_token= auth, refresh on 40014."""

    def __init__(self, base_url: str, **kw: Any) -> None:
        kw.setdefault("error_table", DINGTALK_TABLE)
        super().__init__(base_url, system="dingtalk", **kw)
        self.token = "tok-1"
        self.refreshes = 0

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs["params"]["access_token"] = self.token
        return kwargs

    def vendor_error(self, resp: requests.Response):
        try:
            body = resp.json()
        except ValueError:
            return None
        if isinstance(body, dict) and body.get("errcode", 0) != 0:
            return str(body["errcode"]), body.get("errmsg")
        return None

    def refresh_auth(self) -> bool:
        self.refreshes += 1
        self.token = f"tok-{self.refreshes + 1}"
        return True


def client(server, sleeps, cls=ApiClient, **kw) -> ApiClient:
    kw.setdefault("retry", retry_policy(sleep=sleeps.append))
    if cls is ApiClient:
        kw.setdefault("system", "test")
    return cls(server.url + "/api", **kw)


def test_get_json_with_timeout_and_user_agent(server, sleeps):
    server.route("/api/ping", Reply(json={"ok": True}))
    with client(server, sleeps) as api:
        assert api.request_json("GET", "/ping", params={"a": 1}) == {"ok": True}
    seen = server.seen[0]
    assert seen.query == {"a": "1"}
    assert seen.headers["User-Agent"] == "hrhub/0.1"


def test_timeout_is_always_passed():
    calls = []

    class Recording(requests.Session):
        def request(self, *args, **kw):
            calls.append(kw)
            raise requests.ConnectTimeout("no network here")

    api = ApiClient(
        "http://127.0.0.1:9",
        system="t",
        session=Recording(),
        retry=retry_policy(max_attempts=2, sleep=lambda s: None),
    )
    with pytest.raises(RetriableError, match="ConnectTimeout"):
        api.request("GET", "/x")
    assert [c["timeout"] for c in calls] == [(5.0, 30.0), (5.0, 30.0)]


def test_vendor_code_in_a_200_is_raised_as_classified(server, sleeps):
    server.route("/api/user/get", Reply(json={"errcode": 33001, "errmsg": "corp not found"}))
    api = client(server, sleeps, DingTalkish)
    with pytest.raises(ConfigError) as info:
        api.request("GET", "/user/get")
    exc = info.value
    assert (exc.status, exc.vendor_code, exc.system) == (200, "33001", "dingtalk")
    assert "invalid corp" in str(exc) and "corp not found" in str(exc)
    assert exc.response is not None and exc.response.status_code == 200
    assert server.hits("/api/user/get") == 1  # config errors are not retried


def test_unknown_vendor_code_is_fatal(server, sleeps):
    server.route("/api/x", Reply(json={"errcode": 88, "errmsg": "no permission"}))
    with pytest.raises(FatalError, match="unclassified") as info:
        client(server, sleeps, DingTalkish).request("GET", "/x")
    assert info.value.vendor_code == "88"


def test_vendor_rate_limit_in_a_200_is_retried(server, sleeps):
    server.route(
        "/api/x",
        [Reply(json={"errcode": 90002, "errmsg": "busy"}), Reply(json={"errcode": 0, "v": 1})],
    )
    assert client(server, sleeps, DingTalkish).request_json("GET", "/x")["v"] == 1
    assert sleeps == [1.0]  # the rule's retry_after


def test_429_retry_after_is_honoured(server, sleeps):
    server.route(
        "/api/x",
        [Reply(429, {"detail": "slow down"}, headers={"Retry-After": "2"}), Reply(json=[1])],
    )
    assert client(server, sleeps).request_json("GET", "/x") == [1]
    assert sleeps == [2.0]
    assert server.hits("/api/x") == 2


def test_429_exhausted_raises_rate_limited(server, sleeps):
    server.route("/api/x", Reply(429, {"detail": "slow"}, headers={"Retry-After": "3"}))
    api = client(server, sleeps, retry=retry_policy(max_attempts=3, sleep=sleeps.append))
    with pytest.raises(RateLimited) as info:
        api.request("GET", "/x")
    assert info.value.retry_after == 3.0 and info.value.status == 429
    assert sleeps == [3.0, 3.0]


def test_dropped_connection_is_retried(server, sleeps):
    server.route("/api/x", [Reply(drop=True), Reply(json={"ok": 1})])
    assert client(server, sleeps).request_json("GET", "/x") == {"ok": 1}
    assert len(sleeps) == 1
    assert server.hits("/api/x") == 2


def test_read_timeout_is_retriable(server, sleeps):
    server.route("/api/slow", Reply(json={}, delay=0.2))
    api = client(
        server, sleeps, timeout=(1.0, 0.05), retry=retry_policy(max_attempts=2, sleep=sleeps.append)
    )
    with pytest.raises(RetriableError, match="ReadTimeout"):
        api.request("GET", "/slow")


def test_server_error_then_success(server, sleeps):
    server.route("/api/x", [Reply(503, body=b"maintenance"), Reply(json={"ok": 1})])
    assert client(server, sleeps).request("GET", "/x").json() == {"ok": 1}
    assert len(sleeps) == 1


def test_client_error_is_fatal_with_body_snippet(server, sleeps):
    server.route("/api/x", Reply(400, {"error": {"code": "E42", "message": "bad filter"}}))
    with pytest.raises(FatalError, match="bad filter") as info:
        client(server, sleeps).request("GET", "/x")
    assert info.value.status == 400
    assert sleeps == []


def test_ignore_rule_returns_the_response(server, sleeps):
    server.route("/api/gone", Reply(404, {"errcode": 0}))
    resp = client(server, sleeps, DingTalkish).request("GET", "/gone")
    assert resp.status_code == 404


def test_refreshable_auth_error_refreshes_once(server, sleeps):
    def handler(seen: Seen) -> Reply:
        if seen.query["access_token"] == "tok-1":
            return Reply(json={"errcode": 40014, "errmsg": "invalid access_token"})
        return Reply(json={"errcode": 0, "ok": True})

    server.route("/api/x", handler)
    api = client(server, sleeps, DingTalkish)
    assert api.request_json("GET", "/x")["ok"] is True
    assert api.refreshes == 1
    assert [s.query["access_token"] for s in server.seen] == ["tok-1", "tok-2"]


def test_auth_still_rejected_after_refresh_raises(server, sleeps):
    server.route("/api/x", Reply(json={"errcode": 40014, "errmsg": "invalid access_token"}))
    api = client(server, sleeps, DingTalkish)
    with pytest.raises(AuthError) as info:
        api.request("GET", "/x")
    assert info.value.refreshable and api.refreshes == 1
    assert server.hits("/api/x") == 2


def test_plain_401_is_not_refreshed(server, sleeps):
    server.route("/api/x", Reply(401, {"detail": "bad credentials"}))
    api = client(server, sleeps, DingTalkish)
    with pytest.raises(AuthError) as info:
        api.request("GET", "/x")
    assert not info.value.refreshable and api.refreshes == 0


def test_rate_budget_is_acquired_per_attempt(server, sleeps):
    acquired: list[float] = []

    class Counting(RateBudget):
        def acquire(self) -> float:
            acquired.append(super().acquire())
            return acquired[-1]

    server.route("/api/x", [Reply(503), Reply(json={})])
    client(server, sleeps, rate_budget=Counting(10, 1.0)).request("GET", "/x")
    assert len(acquired) == 2


def test_retry_false_sends_once(server, sleeps):
    server.route("/api/x", Reply(503))
    with pytest.raises(RetriableError):
        client(server, sleeps).request("POST", "/x", json={"a": 1}, retry=False)
    assert server.hits("/api/x") == 1 and sleeps == []


def test_secret_in_the_url_never_appears_in_errors_or_logs(server, sleeps, caplog):
    server.route("/api/x", Reply(500, {"detail": "oops"}))

    class Leaky(DingTalkish):
        def before_request(self, kwargs):
            kwargs["params"]["access_token"] = SECRET
            return kwargs

    api = client(server, sleeps, Leaky, redactor=Redactor())  # the value was never registered
    with caplog.at_level(logging.DEBUG), pytest.raises(RetriableError) as info:
        api.request("GET", "/x")
    assert SECRET not in str(info.value)
    assert "access_token=***" in str(info.value)
    assert SECRET not in caplog.text
    assert "retrying in" in caplog.text


def test_secret_in_the_url_of_a_refused_connection(sleeps):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = ApiClient(
        f"http://127.0.0.1:{port}",
        system="t",
        redactor=Redactor(),
        retry=retry_policy(max_attempts=2, sleep=sleeps.append),
    )
    with pytest.raises(RetriableError) as info:
        api.request("GET", "/x", params={"access_token": SECRET})
    assert SECRET not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert len(sleeps) == 1


def test_paginate_next_url(server, sleeps):
    server.route(
        "/api/items",
        lambda seen: Reply(
            json={
                "data": [{"id": int(seen.query.get("page", 1))}],
                "next": None
                if seen.query.get("page") == "3"
                else f"items?page={int(seen.query.get('page', 1)) + 1}",
            }
        ),
    )
    pages = list(
        client(server, sleeps).paginate(
            "/items", paginator=NextUrlPaginator("next"), data_selector="data"
        )
    )
    assert pages == [[{"id": 1}], [{"id": 2}], [{"id": 3}]]


def test_paginate_odata_results(server, sleeps):
    def handler(seen: Seen) -> Reply:
        if "$skiptoken" in seen.query:
            return Reply(json={"d": {"results": [{"id": 2}]}})
        return Reply(json={"d": {"results": [{"id": 1}], "__next": "Candidate?$skiptoken=x1"}})

    server.route("/api/Candidate", handler)
    pages = client(server, sleeps).paginate(
        "Candidate",
        paginator=NextUrlPaginator("d.__next"),
        data_selector="d.results",
        params={"$format": "json"},
    )
    assert [r["id"] for page in pages for r in page] == [1, 2]
    assert server.seen[0].query == {"$format": "json"}


def test_paginate_cursor_in_post_body(server, sleeps):
    def handler(seen: Seen) -> Reply:
        offset = seen.json.get("offset", 0)
        result = {"data_list": [f"u{offset}"]}
        if offset < 100:
            result["next_cursor"] = offset + 50
        return Reply(json={"errcode": 0, "result": result})

    server.route("/api/queryonjob", handler)
    api = client(server, sleeps, DingTalkish)
    pages = api.paginate(
        "/queryonjob",
        method="POST",
        json={"status_list": "2,3", "size": 50},
        paginator=CursorPaginator("result.next_cursor", "offset", param_location="body"),
        data_selector="result.data_list",
    )
    assert [u for page in pages for u in page] == ["u0", "u50", "u100"]
    assert all(s.json["status_list"] == "2,3" for s in server.seen)


def test_cross_origin_next_link_is_refused(server, sleeps):
    server.route("/api/items", Reply(json={"data": [1], "next": "http://evil.example/items?p=2"}))
    pages = client(server, sleeps).paginate(
        "/items", paginator=NextUrlPaginator(), data_selector="data"
    )
    assert next(pages) == [1]  # the valid page is delivered first
    with pytest.raises(FatalError, match="cross-origin next link"):
        next(pages)
    assert server.hits("/api/items") == 1


def test_paginate_contract_errors(server, sleeps):
    server.route("/api/a", Reply(json={"rows": []}))
    server.route("/api/b", Reply(json={"data": {"id": 1}}))
    server.route("/api/c", Reply(body=b"<html>login</html>"))
    api = client(server, sleeps)
    for path, words in [("/a", "no 'data'"), ("/b", "expected a list"), ("/c", "not JSON")]:
        with pytest.raises(DataContractError, match=words):
            list(api.paginate(path, paginator=NextUrlPaginator(), data_selector="data"))


def test_null_data_is_an_empty_page(server, sleeps):
    server.route("/api/a", Reply(json={"data": None}))
    assert list(
        client(server, sleeps).paginate("/a", paginator=NextUrlPaginator(), data_selector="data")
    ) == [[]]


@pytest.mark.parametrize(
    ("base", "kw"),
    [
        ("ftp://h", {}),
        ("127.0.0.1:80", {}),
        ("http://h", {"timeout": (0, 1)}),
        ("http://h", {"timeout": (1,)}),
        ("http://h", {"timeout": 5.0}),
    ],
)
def test_bad_config(base, kw):
    with pytest.raises(ConfigError):
        ApiClient(base, system="t", **kw)


def test_url_joining_and_session_ownership():
    api = ApiClient("http://h/odata/v2/", system="t")
    assert api.url("/Candidate") == "http://h/odata/v2/Candidate"
    assert api.url("Candidate") == "http://h/odata/v2/Candidate"
    assert api.url("https://other/x") == "https://other/x"
    assert api.url("") == "http://h/odata/v2"

    closed = []

    class Tracking(requests.Session):
        def close(self):
            closed.append(self)

    shared = Tracking()
    with ApiClient("http://h", system="t", session=shared):
        pass
    assert closed == []  # an injected session belongs to the caller


def test_a_call_may_take_its_own_timeout(monkeypatch) -> None:
    """`request(timeout=...)` replaces the client's (connect, read) for that call only."""
    seen: list[object] = []
    client = ApiClient("https://api.example.com", system="demo", timeout=(1.0, 2.0))

    def fake(**kwargs: object) -> object:
        seen.append(kwargs["timeout"])
        resp = requests.Response()
        resp.status_code, resp._content, resp.url = 200, b"{}", str(kwargs["url"])
        resp.request = requests.Request("GET", str(kwargs["url"])).prepare()
        return resp

    monkeypatch.setattr(client.session, "request", fake)
    client.request("GET", "/slow", timeout=(1.0, 30.0))
    client.request("GET", "/fast")
    assert seen == [(1.0, 30.0), (1.0, 2.0)]
