"""The DingTalk simulator over real loopback HTTP: both hosts, tokens, limits, work
notifications and their quotas, attendance, smart HR, pre-entries, robots and faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors._core.simulator import Request
from connectors.dingtalk.simulator import DingTalkSimulator

AS_OF = datetime(2024, 6, 17, 10, 30)  # a Monday morning, China time
FMT = "%Y-%m-%d %H:%M:%S"
APP = {"appkey": DingTalkSimulator.APP_KEY, "appsecret": DingTalkSimulator.APP_SECRET}
AGENT = DingTalkSimulator.AGENT_ID
SEND = "/topapi/message/corpconversation/asyncsend_v2"
PROGRESS = "/topapi/message/corpconversation/getsendprogress"
RESULT = "/topapi/message/corpconversation/getsendresult"
GROUP_ROBOT, GROUP_SECRET, OPS_ROBOT = "hiring-group-robot", "SEC-hrhub-hiring-group", "ops-robot"
EPOCH_CHINA = datetime(1970, 1, 1, 8)


class FakeClock:
    """Injected as `clock` (simulator time) or `rate_clock` (throttling windows)."""

    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def ms(local: datetime) -> int:
    return (local - EPOCH_CHINA) // timedelta(milliseconds=1)


def local(ms_value: int) -> datetime:
    return EPOCH_CHINA + timedelta(milliseconds=ms_value)


class Api:
    """One app on one simulator: a keep-alive session that knows the token."""

    def __init__(self, sim: DingTalkSimulator) -> None:
        self.sim = sim
        self.http = requests.Session()
        self.token = self.get("/gettoken", **APP)["access_token"]

    def next_day(self, clock: FakeClock) -> None:
        """Move to Tuesday 00:30 (the token expires on the way: fetch a new one)."""
        clock.advance(14 * 3600)
        self.token = self.get("/gettoken", **APP)["access_token"]

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        resp = self.http.get(self.sim.url + path, params=params, timeout=5)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def post(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Any:
        params = {"access_token": self.token if token is None else token}
        resp = self.http.post(self.sim.url + path, params=params, json=body, timeout=5, **kw)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def ok(self, path: str, body: Any = None) -> dict[str, Any]:
        answer = self.post(path, body)
        assert answer["errcode"] == 0, answer
        assert answer["errmsg"] == "ok" and answer["request_id"]
        return answer

    def v1(self, path: str, body: Any, token: str | None = None) -> requests.Response:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        return self.http.post(self.sim.api_url + path, json=body, headers=headers, timeout=5)

    def send(self, userids: list[str], msg: dict[str, Any] | None = None, **extra: Any) -> int:
        body = {"agent_id": AGENT, "userid_list": ",".join(userids), **extra}
        body["msg"] = msg or text("面试邀请")
        return int(self.ok(SEND, body)["task_id"])

    def result(self, task_id: int) -> dict[str, Any]:
        return self.ok(RESULT, {"agent_id": AGENT, "task_id": task_id})["send_result"]


def text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make(clock: FakeClock) -> Iterator[Callable[..., DingTalkSimulator]]:
    """Start simulators at AS_OF on the fake clock (no per-API ceiling unless asked)."""
    started: list[DingTalkSimulator] = []

    def start(**kw: Any) -> DingTalkSimulator:
        kw.setdefault("api_qps", None)
        server = DingTalkSimulator(as_of=AS_OF, clock=clock, **kw)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim(make: Callable[..., DingTalkSimulator]) -> DingTalkSimulator:
    return make()


@pytest.fixture
def api(sim: DingTalkSimulator) -> Iterator[Api]:
    client = Api(sim)
    yield client
    client.http.close()


def active(sim: DingTalkSimulator, n: int) -> list[str]:
    return [u["userid"] for u in sim.users if u["status"] != "departed"][:n]


def departed(sim: DingTalkSimulator) -> dict[str, Any]:
    return next(u for u in sim.users if u["status"] == "departed")


def attendance_ids(sim: DingTalkSimulator) -> list[str]:
    return [u["userid"] for u in sim.users if u["attendance"]]


# -- seed -------------------------------------------------------------------------------------


def test_seed_is_deterministic_and_shaped_like_a_corp(make: Callable[..., Any]) -> None:
    a, b, other = make(seed=7), make(seed=7), make(seed=8)
    assert a.users == b.users and a.users != other.users
    assert len(a.users) == 300
    assert len({u["userid"] for u in a.users}) == 300
    assert len({u["mobile"] for u in a.users}) == 300
    assert all(len(u["userid"]) == 12 and u["userid"].isdigit() for u in a.users)
    assert all(u["mobile"].startswith("13") and len(u["mobile"]) == 11 for u in a.users)
    assert {u["dept_id"] for u in a.users} == {1, 2, 3, 4, 5}
    assert {u["status"] for u in a.users} >= {3, 2, 5, -1, "departed"}
    assert [u["attendance"] for u in a.users[:60]] == [True] * 60
    assert not any(u["attendance"] for u in a.users[60:])
    assert a.count_stream("attendance_results") == b.count_stream("attendance_results")
    with pytest.raises(KeyError):
        a.count_stream("candidates")


# -- tokens and envelope ----------------------------------------------------------------------


def test_token_is_reused_while_valid_and_renewed_after_expiry(
    sim: DingTalkSimulator, api: Api, clock: FakeClock
) -> None:
    first = api.get("/gettoken", **APP)
    assert first["errcode"] == 0 and first["expires_in"] == 7200 and first["request_id"]
    clock.advance(3600)
    again = api.get("/gettoken", **APP)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 3600  # what is left of the same token
    clock.advance(3601)
    stale = api.post("/topapi/v2/user/getbymobile", {"mobile": sim.users[0]["mobile"]})
    assert (stale["errcode"], stale["errmsg"]) == (42001, "access_token超时")
    fresh = api.get("/gettoken", **APP)
    assert fresh["access_token"] != first["access_token"] and fresh["expires_in"] == 7200
    api.token = fresh["access_token"]
    api.ok("/topapi/v2/user/getbymobile", {"mobile": sim.users[0]["mobile"]})
    assert sim.counters["gettoken"] == 4


def test_token_expiry_knob_shortens_the_lifetime(
    make: Callable[..., DingTalkSimulator], clock: FakeClock
) -> None:
    api = Api(make(faults="token_expiry=60"))
    assert api.get("/gettoken", **APP)["expires_in"] == 60
    clock.advance(61)
    assert api.post("/topapi/attendance/getsimplegroups", {})["errcode"] == 42001


def test_old_corpid_form_wrong_secret_and_missing_token(api: Api) -> None:
    old = api.get("/gettoken", corpid=APP["appkey"], corpsecret=APP["appsecret"])
    assert old["access_token"] == api.token
    wrong = api.get("/gettoken", appkey=APP["appkey"], appsecret="nope")
    assert (wrong["errcode"], wrong["errmsg"]) == (40089, "不合法的corpid或corpsecret")
    assert "access_token" not in wrong
    assert api.get("/gettoken")["errcode"] == 40089
    for token in ("", "not-a-token"):
        answer = api.post("/topapi/attendance/getsimplegroups", {}, token=token)
        assert (answer["errcode"], answer["errmsg"]) == (40014, "不合法的access_token")
        assert answer["request_id"]


def test_v1_token_shares_the_store_and_the_header_authenticates(
    sim: DingTalkSimulator, api: Api, clock: FakeClock
) -> None:
    body = {"appKey": APP["appkey"], "appSecret": APP["appsecret"]}
    resp = api.v1("/v1.0/oauth2/accessToken", body)
    assert resp.status_code == 200
    assert resp.json() == {"accessToken": api.token, "expireIn": 7200}
    wrong = api.v1("/v1.0/oauth2/accessToken", {**body, "appSecret": "nope"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalidClientIdOrSecret" and wrong.json()["requestid"]
    missing = api.v1("/v1.0/oauth2/accessToken", {"appKey": APP["appkey"]})
    assert (missing.status_code, missing.json()["code"]) == (400, "MissingParameter")
    hire = {"agentId": AGENT, "name": "林晓雨", "mobile": "19900001234"}
    for token in (None, "bogus"):
        denied = api.v1("/v1.0/hrm/preentries", hire, token)
        assert denied.status_code == 401
        assert denied.json()["code"] == "InvalidAuthentication"
        assert denied.json()["message"] == "不合法的access_token"
    clock.advance(7201)
    assert api.v1("/v1.0/hrm/preentries", hire, api.token).status_code == 401
    assert sim.preentries == {}


def test_each_host_serves_only_its_own_paths(sim: DingTalkSimulator, api: Api) -> None:
    wrong_host = api.http.post(sim.url + "/v1.0/oauth2/accessToken", json={}, timeout=5)
    assert wrong_host.status_code == 404
    assert (wrong_host.json()["errcode"], wrong_host.json()["errmsg"]) == (
        404,
        "请求的URI地址不存在",
    )
    other = api.http.get(sim.api_url + "/gettoken", params=APP, timeout=5)
    assert (other.status_code, other.json()["code"]) == (404, "ApiNotFound")
    get_a_post = api.http.get(sim.url + SEND, params={"access_token": api.token}, timeout=5)
    assert (get_a_post.status_code, get_a_post.json()["errcode"]) == (200, 43002)
    bad_json = api.http.post(
        sim.url + SEND, params={"access_token": api.token}, data=b"{not json", timeout=5
    )
    assert bad_json.json()["errcode"] == 40035
    assert sim.connection_extra() == {"api_url": sim.api_url}


def test_revoked_smart_hr_permission_is_88_with_sub_code(sim: DingTalkSimulator, api: Api) -> None:
    sim.revoke_permission("smartwork")
    for path, body in (
        ("/topapi/smartwork/hrm/employee/queryonjob", {"status_list": "3", "size": 10}),
        ("/topapi/smartwork/hrm/employee/addpreentry", {"param": {"name": "x", "mobile": "1"}}),
    ):
        answer = api.post(path, body)
        assert (answer["errcode"], answer["errmsg"]) == (88, "no permission")
        assert (answer["sub_code"], answer["sub_msg"]) == ("60011", "应用尚未开通智能人事权限")
    hire = {"agentId": AGENT, "name": "林晓雨", "mobile": "19900001234"}
    denied = api.v1("/v1.0/hrm/preentries", hire, api.token)
    assert denied.status_code == 403
    assert denied.json()["code"] == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    api.ok("/topapi/v2/user/getbymobile", {"mobile": sim.users[0]["mobile"]})  # not smart HR
    sim.grant_permission("smartwork")
    api.ok("/topapi/smartwork/hrm/employee/queryonjob", {"status_list": "3", "size": 10})


# -- throttling -------------------------------------------------------------------------------


def test_api_qps_ceiling_is_90002_on_oapi_and_429_on_api(
    make: Callable[..., DingTalkSimulator],
) -> None:
    rate = FakeClock()
    sim = make(api_qps=5, rate_clock=rate)
    api = Api(sim)
    answers = [api.post("/topapi/attendance/getsimplegroups", {})["errcode"] for _ in range(6)]
    assert answers == [0, 0, 0, 0, 0, 90002]
    assert sim.over_limit["api_qps"] == 1
    api.ok("/topapi/v2/user/getbymobile", {"mobile": sim.users[0]["mobile"]})  # per API
    rate.advance(1.01)  # the window slides
    api.ok("/topapi/attendance/getsimplegroups", {})
    body = {"appKey": APP["appkey"], "appSecret": APP["appsecret"]}
    codes = [api.v1("/v1.0/oauth2/accessToken", body).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    last = api.v1("/v1.0/oauth2/accessToken", body)
    assert (last.status_code, last.json()["code"]) == (429, "Throttling")


def test_ip_limit_bans_every_call_with_the_nonstandard_body(
    make: Callable[..., DingTalkSimulator],
) -> None:
    rate = FakeClock()
    sim = make(ip_limit=(20, 20.0), ip_ban_seconds=300.0, rate_clock=rate)
    api = Api(sim)  # call 1
    for _ in range(19):
        api.ok("/topapi/attendance/getsimplegroups", {})
    ban = {"status": 1111, "wait": 5, "punish": "deny", "message": "请求过于频繁，请稍后再试"}
    assert api.post("/topapi/attendance/getsimplegroups", {}) == ban
    assert api.get("/gettoken", **APP) == ban
    v1 = api.v1("/v1.0/oauth2/accessToken", {"appKey": "k", "appSecret": "s"})
    assert (v1.status_code, v1.json()) == (200, ban)
    assert sim.over_limit["ip"] == 3
    rate.advance(299)
    assert api.get("/gettoken", **APP) == ban
    rate.advance(2)
    assert api.get("/gettoken", **APP)["access_token"] == api.token


# -- work notifications -----------------------------------------------------------------------


def test_asyncsend_progress_and_result_shapes(sim: DingTalkSimulator, api: Api) -> None:
    users = active(sim, 3)
    task = api.send(users)
    assert task in sim.sent_tasks and sim.sent_tasks[task]["delivered"] == users
    assert sim.sent_tasks[task]["msg"] == text("面试邀请")
    progress = api.ok(PROGRESS, {"agent_id": AGENT, "task_id": task})["progress"]
    assert progress == {"progress_in_percent": 100, "status": 2}
    result = api.result(task)
    assert result == {
        "invalid_user_id_list": [],
        "forbidden_user_id_list": [],
        "failed_user_id_list": [],
        "read_user_id_list": [],
        "unread_user_id_list": users,
        "invalid_dept_id_list": [],
        "forbidden_list": [],
    }
    assert sim.counters["asyncsend_v2"] == 1 and sim.counters["getsendresult"] == 1
    unknown = api.post(PROGRESS, {"agent_id": AGENT, "task_id": 12345})
    assert unknown["errcode"] == 40035
    assert api.post(RESULT, {"agent_id": 1, "task_id": task})["errcode"] == 40035


@pytest.mark.parametrize(
    "msg",
    [
        {"msgtype": "markdown", "markdown": {"title": "t", "text": "正文"}},
        {
            "msgtype": "action_card",
            "action_card": {
                "title": "t",
                "markdown": "m",
                "single_title": "看",
                "single_url": "https://e.example/1",
            },
        },
        {
            "msgtype": "action_card",
            "action_card": {
                "title": "t",
                "markdown": "m",
                "btn_orientation": "1",
                "btn_json_list": [{"title": "a", "action_url": "https://e/a"}],
            },
        },
        {
            "msgtype": "oa",
            "oa": {
                "message_url": "https://e/o",
                "head": {"bgcolor": "FFBBBBBB", "text": "头"},
                "body": {"title": "标题", "form": [{"key": "k", "value": "v"}]},
            },
        },
        {
            "msgtype": "link",
            "link": {
                "messageUrl": "https://e/l",
                "picUrl": "@lADOADmaWMzazQKA",
                "title": "t",
                "text": "x",
            },
        },
    ],
)
def test_every_msgtype_is_accepted(sim: DingTalkSimulator, api: Api, msg: dict) -> None:
    task = api.send(active(sim, 1), msg)
    assert sim.sent_tasks[task]["msg"] == msg


def test_asyncsend_refuses_what_dingtalk_refuses(sim: DingTalkSimulator, api: Api) -> None:
    base = {"agent_id": AGENT, "userid_list": active(sim, 1)[0], "msg": text("x")}

    def errcode(**change: Any) -> tuple[int, str]:
        answer = api.post(SEND, {**base, **change})
        return answer["errcode"], answer["errmsg"]

    over = ",".join(f"u{n}" for n in range(101))
    assert errcode(userid_list=over) == (40035, "不合法的参数: userid_list最多100个")
    assert sim.over_limit["userid_list"] == 1
    assert errcode(dept_id_list=",".join(str(n) for n in range(21)))[0] == 40035
    assert sim.over_limit["dept_id_list"] == 1
    assert errcode(userid_list="", dept_id_list="", to_all_user=False) == (1430000, "no recipient")
    assert errcode(agent_id=999)[0] == 40035
    assert errcode(msg={"msgtype": "image", "image": {"media_id": "@x"}})[0] == 40035
    assert errcode(msg={"msgtype": "markdown", "markdown": {"text": "no title"}})[0] == 40035
    no_button = {"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m"}}
    assert errcode(msg=no_button)[0] == 40035
    assert sim.sent_tasks == {}


def test_msg_over_2048_bytes_is_refused(sim: DingTalkSimulator, api: Api) -> None:
    def sized(n: int) -> dict[str, Any]:
        overhead = len(json.dumps(text(""), ensure_ascii=False).encode())
        return text("x" * (n - overhead))

    assert len(json.dumps(sized(2049), ensure_ascii=False).encode()) == 2049
    answer = api.post(
        SEND, {"agent_id": AGENT, "userid_list": active(sim, 1)[0], "msg": sized(2049)}
    )
    assert (answer["errcode"], answer["errmsg"]) == (40035, "消息内容超过2048字节")
    assert sim.over_limit["msg_bytes"] == 1
    assert api.send(active(sim, 1), sized(2048)) in sim.sent_tasks


def test_unknown_departed_and_dept_recipients(sim: DingTalkSimulator, api: Api) -> None:
    good = active(sim, 2)
    gone = departed(sim)["userid"]
    task = api.send([good[0], "no-such-user", gone, good[1], good[0]], dept_id_list="3,99")
    result = api.result(task)
    assert result["invalid_user_id_list"] == ["no-such-user", gone]
    assert result["invalid_dept_id_list"] == ["99"]
    dept3 = {u["userid"] for u in sim.users if u["dept_id"] == 3 and u["status"] != "departed"}
    delivered = set(result["unread_user_id_list"])
    assert delivered == set(good) | dept3
    assert len(result["unread_user_id_list"]) == len(delivered)  # no one twice
    everyone = api.result(api.send([], text("全员通知"), to_all_user=True))
    assert len(everyone["unread_user_id_list"]) == len(active(sim, 10**6))


def test_same_content_twice_a_day_is_forbidden_143106(
    sim: DingTalkSimulator, api: Api, clock: FakeClock
) -> None:
    users = active(sim, 2)
    api.send(users[:1])
    second = api.result(api.send(users))
    assert second["forbidden_user_id_list"] == [users[0]]
    assert second["forbidden_list"] == [{"code": "143106", "count": 1, "userid": users[0]}]
    assert second["unread_user_id_list"] == [users[1]]
    other = api.result(api.send(users[:1], text("另一条")))
    assert other["unread_user_id_list"] == [users[0]]
    api.next_day(clock)
    assert api.result(api.send(users[:1]))["unread_user_id_list"] == [users[0]]


def test_the_501st_message_of_a_day_is_forbidden_143105(
    sim: DingTalkSimulator, api: Api, clock: FakeClock
) -> None:
    userid = active(sim, 1)[0]
    for n in range(500):
        api.send([userid], text(f"消息 {n}"))
    assert all(t["delivered"] == [userid] for t in sim.sent_tasks.values())
    over = api.result(api.send([userid], text("第501条")))
    assert over["forbidden_list"] == [{"code": "143105", "count": 500, "userid": userid}]
    assert over["unread_user_id_list"] == []
    api.next_day(clock)
    assert api.result(api.send([userid], text("第501条")))["unread_user_id_list"] == [userid]


def test_progress_and_read_receipts_follow_the_clock(
    make: Callable[..., DingTalkSimulator], clock: FakeClock
) -> None:
    sim = make(task_seconds=30, read_delay=(60.0, 600.0), never_read_share=0.3)
    api = Api(sim)
    users = active(sim, 60)
    task = api.send(users)
    args = {"agent_id": AGENT, "task_id": task}
    assert api.ok(PROGRESS, args)["progress"] == {"progress_in_percent": 0, "status": 1}
    clock.advance(15)
    assert api.ok(PROGRESS, args)["progress"] == {"progress_in_percent": 50, "status": 1}
    assert api.result(task)["unread_user_id_list"] == users
    clock.advance(15)
    assert api.ok(PROGRESS, args)["progress"]["status"] == 2
    assert api.result(task)["read_user_id_list"] == []  # no one reads within 60 s
    clock.advance(270)  # 5 minutes after the send
    halfway = set(api.result(task)["read_user_id_list"])
    clock.advance(600)
    final = api.result(task)
    read = set(final["read_user_id_list"])
    assert halfway < read
    assert 20 <= len(read) <= 55  # 30% never read
    assert read | set(final["unread_user_id_list"]) == set(users)
    never = next(u for u in users if u not in read)
    sim.mark_read(task, never)
    assert never in api.result(task)["read_user_id_list"]
    with pytest.raises(ValueError):
        sim.mark_read(task, departed(sim)["userid"])


def test_recall_keeps_the_result_shape(sim: DingTalkSimulator, api: Api) -> None:
    users = active(sim, 2)
    task = api.send(users)
    before = api.result(task)
    api.ok("/topapi/message/corpconversation/recall", {"agent_id": AGENT, "msg_task_id": task})
    assert sim.sent_tasks[task]["recalled"] is True
    assert api.result(task) == before and "recalled" not in before
    unknown = api.post(
        "/topapi/message/corpconversation/recall", {"agent_id": AGENT, "msg_task_id": 1}
    )
    assert unknown["errcode"] == 40035


def test_asyncsend_is_fast_for_100_recipients_among_100k(clock: FakeClock) -> None:
    started = time.perf_counter()
    big = DingTalkSimulator(users=100_000, as_of=AS_OF, clock=clock, api_qps=None)
    assert time.perf_counter() - started < 3.0
    token = big._issue_token(big.APP_KEY, big.APP_SECRET)
    assert token is not None
    ids = [u["userid"] for u in big.users if u["status"] != "departed"]
    msg = {"msgtype": "markdown", "markdown": {"title": "面试邀请", "text": "您好，" * 200}}
    bodies = [
        json.dumps(
            {"agent_id": AGENT, "userid_list": ",".join(ids[n * 100 : n * 100 + 100]), "msg": msg}
        ).encode()
        for n in range(200)
    ]
    started = time.perf_counter()
    for body in bodies:
        resp = big.handle(Request("POST", SEND, query={"access_token": [token[0]]}, body=body))
        assert resp is not None and resp.body["errcode"] == 0  # type: ignore[index]
    per_call = (time.perf_counter() - started) / len(bodies)
    assert per_call < 0.005
    assert sum(len(t["delivered"]) for t in big.sent_tasks.values()) == 20_000


# -- users ------------------------------------------------------------------------------------


def test_getbymobile(sim: DingTalkSimulator, api: Api) -> None:
    user = next(u for u in sim.users if u["status"] == 3)
    path = "/topapi/v2/user/getbymobile"
    found = api.ok(path, {"mobile": user["mobile"], "support_exclusive_account_search": True})
    assert found["result"] == {"userid": user["userid"], "exclusive_account_userid_list": []}
    assert api.ok(path, {"mobile": "+86-" + user["mobile"]})["result"]["userid"] == user["userid"]
    api.ok(
        "/topapi/smartwork/hrm/employee/addpreentry",
        {"param": {"name": "新人", "mobile": "18600000001"}},
    )
    for mobile in ("13000000000", departed(sim)["mobile"], "18600000001"):
        answer = api.post(path, {"mobile": mobile})
        assert (answer["errcode"], answer["errmsg"]) == (60121, "找不到该用户")
    for mobile in ("12345", "23812345678", "1381234567a", None):
        answer = api.post(path, {"mobile": mobile})
        assert (answer["errcode"], answer["errmsg"]) == (40104, "无效的手机号码")
    assert sim.user_by_mobile(user["mobile"]) == user
    assert sim.user_by_mobile("13000000000") is None


def test_getuserinfo_takes_a_login_code_once(
    sim: DingTalkSimulator, api: Api, clock: FakeClock
) -> None:
    user = sim.users[5]
    code = sim.auth_code_for(user["userid"])
    result = api.ok("/topapi/v2/user/getuserinfo", {"code": code})["result"]
    assert (result["userid"], result["name"]) == (user["userid"], user["name"])
    assert result["unionid"] and result["unionid"] != user["userid"]
    assert api.post("/topapi/v2/user/getuserinfo", {"code": code})["errcode"] == 40078
    late = sim.auth_code_for(user["userid"])
    clock.advance(301)
    assert api.post("/topapi/v2/user/getuserinfo", {"code": late})["errcode"] == 40078
    assert api.post("/topapi/v2/user/getuserinfo", {"code": "made-up"})["errcode"] == 40078
    with pytest.raises(KeyError):
        sim.auth_code_for(departed(sim)["userid"])


# -- attendance -------------------------------------------------------------------------------


def results_page(
    api: Api, users: list[str], start: date, days: int, offset: int = 0, limit: int = 50
) -> dict[str, Any]:
    body = {
        "workDateFrom": f"{start} 00:00:00",
        "workDateTo": f"{start + timedelta(days=days)} 00:00:00",
        "userIdList": users,
        "offset": offset,
        "limit": limit,
        "isI18n": False,
    }
    return api.post("/attendance/list", body)


def read_results(api: Api, users: list[str], start: date, days: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = results_page(api, users, start, days, offset=len(rows))
        assert page["errcode"] == 0
        rows.extend(page["recordresult"])
        if not page["hasMore"]:
            return rows


def test_attendance_list_limits(sim: DingTalkSimulator, api: Api) -> None:
    staff = attendance_ids(sim)
    monday = date(2024, 6, 10)
    assert results_page(api, staff[:5], monday, 7)["errcode"] == 0
    assert results_page(api, staff[:5], monday, 8)["errcode"] == 40035
    assert results_page(api, staff[:51], monday, 1)["errcode"] == 40035
    assert sim.over_limit["userid_list"] == 1
    for offset, limit in ((0, 51), (0, 0), (-1, 10)):
        assert results_page(api, staff[:5], monday, 1, offset, limit)["errcode"] == 40035
    bad_date = api.post(
        "/attendance/list",
        {
            "workDateFrom": "2024-06-10",
            "workDateTo": "2024-06-11 00:00:00",
            "userIdList": staff[:1],
        },
    )
    assert bad_date["errcode"] == 40035


def test_attendance_list_pages_to_exactly_the_stream(sim: DingTalkSimulator, api: Api) -> None:
    staff = attendance_ids(sim)
    rows = []
    for chunk in (staff[:50], [*staff[50:], "no-such-user", departed(sim)["userid"]]):
        for start in (date(2024, 6, 4), date(2024, 6, 11)):  # two windows of 7 days
            rows += read_results(api, chunk, start, 6)
    assert len(rows) == sim.count_stream("attendance_results") > 1000
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["userId"] for r in rows} == set(staff)
    assert {r["timeResult"] for r in rows} == {"Normal", "Late", "Early", "NotSigned"}
    assert {r["sourceType"] for r in rows} == {"USER", "SYSTEM", "APPROVE"}
    assert {r["locationResult"] for r in rows} <= {"Normal", "Outside", "NotSigned"}
    days = {local(r["workDate"]) for r in rows}
    assert all(d.hour == d.minute == 0 and d.weekday() < 5 for d in days)
    assert min(days) == datetime(2024, 6, 4) and max(days) == datetime(2024, 6, 17)
    for r in rows:
        base = local(r["baseCheckTime"])
        assert base.date() == local(r["workDate"]).date()
        assert base.hour == (9 if r["checkType"] == "OnDuty" else 18)
        if r["timeResult"] == "NotSigned" or r["sourceType"] == "APPROVE":
            assert r["userCheckTime"] == r["baseCheckTime"] and "recordId" not in r
        else:
            assert isinstance(r["recordId"], int)
        if r["timeResult"] == "Late":
            assert r["userCheckTime"] > r["baseCheckTime"]
        if r["timeResult"] == "Early":
            assert r["userCheckTime"] < r["baseCheckTime"]
        assert ("procInstId" in r) == (r["sourceType"] == "APPROVE")
    today = [r for r in rows if local(r["workDate"]).date() == AS_OF.date()]
    assert {r["checkType"] for r in today} == {"OnDuty"}  # 18:00 has not come yet at 10:30
    first = results_page(api, staff[:50], date(2024, 6, 11), 6)["recordresult"]
    keys = [(r["workDate"], r["userId"], r["checkType"] != "OnDuty") for r in first]
    assert (
        keys == sorted(keys)
        and first == results_page(api, staff[:50], date(2024, 6, 11), 6)["recordresult"]
    )


def test_list_record_returns_the_raw_punches(sim: DingTalkSimulator, api: Api) -> None:
    staff = attendance_ids(sim)
    body = {"checkDateFrom": "2024-06-11 00:00:00", "checkDateTo": "2024-06-17 23:59:59"}
    punches = []
    for chunk in (staff[:50], staff[50:]):
        punches += api.ok("/attendance/listRecord", {**body, "userIds": chunk})["recordresult"]
    signed = {
        r["recordId"]: r
        for r in read_results(api, staff[:50], date(2024, 6, 11), 6)
        + read_results(api, staff[50:], date(2024, 6, 11), 6)
        if "recordId" in r
    }
    assert {p["id"] for p in punches} >= set(signed)
    for p in punches:
        assert datetime(2024, 6, 11) <= local(p["userCheckTime"]) <= AS_OF
        assert p["isLegal"] == "Y" and p["deviceId"] and p["userAddress"]
        assert p["gmtCreate"] > p["userCheckTime"] and isinstance(p["userLatitude"], float)
        if p["id"] in signed:
            assert p["userCheckTime"] == signed[p["id"]]["userCheckTime"]
    everything = []
    windows = [("03", "09"), ("10", "16"), ("17", "17")]  # 7 days at most, touching
    for chunk in (staff[:50], staff[50:]):
        for first, last in windows:
            window = {
                "checkDateFrom": f"2024-06-{first} 00:00:00",
                "checkDateTo": f"2024-06-{last} 23:59:59",
                "userIds": chunk,
            }
            everything += api.ok("/attendance/listRecord", window)["recordresult"]
    assert len({p["id"] for p in everything}) == len(everything) == sim.count_stream("punches")
    too_many = api.post("/attendance/listRecord", {**body, "userIds": staff[:51]})
    assert too_many["errcode"] == 40035
    too_long = {"checkDateFrom": "2024-06-01 00:00:00", "checkDateTo": "2024-06-09 00:00:00"}
    assert (
        api.post("/attendance/listRecord", {**too_long, "userIds": staff[:2]})["errcode"] == 40035
    )


def test_getupdatedata_shows_results_punches_and_leave(sim: DingTalkSimulator, api: Api) -> None:
    staff = attendance_ids(sim)
    rows = read_results(api, staff[:50], date(2024, 6, 3), 7)
    leave = next(r for r in rows if r["sourceType"] == "APPROVE")
    work_date = local(leave["workDate"]).strftime(FMT)
    day = api.ok(
        "/topapi/attendance/getupdatedata", {"userid": leave["userId"], "work_date": work_date}
    )
    result = day["result"]
    assert (result["userid"], result["work_date"]) == (leave["userId"], work_date)
    assert result["check_record_list"] == []
    [approval] = result["approve_list"]
    assert approval["procInst_id"] == leave["procInstId"] and approval["tag_name"] == "请假"
    assert approval["sub_type"] in ("事假", "年假")
    signed = next(r for r in rows if r["sourceType"] == "USER" and r["checkType"] == "OnDuty")
    work_date = local(signed["workDate"]).strftime(FMT)
    result = api.ok(
        "/topapi/attendance/getupdatedata", {"userid": signed["userId"], "work_date": work_date}
    )["result"]
    on_duty = result["attendance_result_list"][0]
    assert on_duty["check_type"] == "OnDuty"
    assert on_duty["plan_check_time"] == work_date[:10] + " 09:00:00"
    assert on_duty["user_check_time"] == local(signed["userCheckTime"]).strftime(FMT)
    assert on_duty["record_id"] == signed["recordId"]
    assert signed["recordId"] in {p["record_id"] for p in result["check_record_list"]}
    unknown = api.post(
        "/topapi/attendance/getupdatedata", {"userid": "nobody", "work_date": work_date}
    )
    assert (unknown["errcode"], unknown["errmsg"]) == (60121, "找不到该用户")


def test_listschedule_pages_with_has_more(sim: DingTalkSimulator, api: Api) -> None:
    def page(work_date: str, offset: int, size: int = 50) -> dict[str, Any]:
        body = {"workDate": work_date, "offset": offset, "size": size}
        return api.post("/topapi/attendance/listschedule", body)

    schedules, more = [], True
    while more:
        result = page("2024-06-18 00:00:00", len(schedules))["result"]  # tomorrow: planned
        schedules += result["schedules"]
        more = result["has_more"]
    assert len(schedules) == 120
    keys = [(s["userid"], s["plan_check_time"]) for s in schedules]
    assert keys == sorted(keys) and len(set(keys)) == 120
    assert {s["plan_check_time"][11:] for s in schedules} == {"09:00:00", "18:00:00"}
    assert {s["userid"] for s in schedules} == set(attendance_ids(sim))
    assert page("2024-06-22 00:00:00", 0)["result"] == {"has_more": False, "schedules": []}
    assert page("2024-06-18 00:00:00", 0, 201)["errcode"] == 40035


def test_getleavestatus_matches_the_attendance_results(sim: DingTalkSimulator, api: Api) -> None:
    staff = attendance_ids(sim)
    path = "/topapi/attendance/getleavestatus"
    window = {"start_time": ms(datetime(2024, 6, 4)), "end_time": ms(datetime(2024, 6, 18))}
    body = {"userid_list": ",".join(staff), **window, "size": 10}
    leave: list[dict[str, Any]] = []
    more = True
    while more:
        result = api.ok(path, {**body, "offset": len(leave)})["result"]
        leave += result["leave_status"]
        more = result["has_more"]
    assert len(leave) > 10  # more than one page
    assert all(r["duration_unit"] == "percent_day" and r["duration_percent"] == 100 for r in leave)
    assert all(local(r["end_time"]) - local(r["start_time"]) == timedelta(hours=9) for r in leave)
    rows = []
    for start in (date(2024, 6, 4), date(2024, 6, 11)):
        for chunk in (staff[:50], staff[50:]):
            rows += read_results(api, chunk, start, 6)
    approved = {(r["userId"], local(r["workDate"]).date()) for r in rows if "procInstId" in r}
    assert {(r["userid"], local(r["start_time"]).date()) for r in leave} == approved
    assert api.post(path, {**body, "size": 21})["errcode"] == 40035
    many = {**body, "userid_list": ",".join(f"u{n}" for n in range(101))}
    assert api.post(path, many)["errcode"] == 40035


def test_getsimplegroups(sim: DingTalkSimulator, api: Api) -> None:
    groups = api.ok("/topapi/attendance/getsimplegroups", {"offset": 0, "size": 10})["result"]
    assert groups["has_more"] is False
    first, second = groups["groups"]
    assert (first["group_id"], first["group_name"], first["member_count"]) == (1, "总部考勤组", 60)
    assert (second["group_id"], second["member_count"]) == (2, 0)
    [shift] = first["selected_class"]
    times = shift["sections"][0]["times"]
    assert shift["class_name"] == "早九晚六"
    assert [(t["check_type"], t["check_time"]) for t in times] == [
        ("OnDuty", "1970-01-01 09:00:00"),
        ("OffDuty", "1970-01-01 18:00:00"),
    ]
    one = api.ok("/topapi/attendance/getsimplegroups", {"offset": 0, "size": 1})["result"]
    assert one["has_more"] is True and len(one["groups"]) == 1
    assert api.post("/topapi/attendance/getsimplegroups", {"size": 11})["errcode"] == 40035


# -- smart HR ---------------------------------------------------------------------------------


def test_queryonjob_cursor_reads_to_the_end(sim: DingTalkSimulator, api: Api) -> None:
    path = "/topapi/smartwork/hrm/employee/queryonjob"
    ids: list[str] = []
    cursor: int | None = 0
    while cursor is not None:
        result = api.ok(path, {"status_list": "2,3,5,-1", "offset": cursor, "size": 50})["result"]
        ids += result["data_list"]
        cursor = result.get("next_cursor")
    assert ids == sorted(u["userid"] for u in sim.users if u["status"] != "departed")
    regular = api.ok(path, {"status_list": "3", "offset": 0, "size": 50})["result"]["data_list"]
    assert all(sim.user(u)["status"] == 3 for u in regular)  # type: ignore[index]
    assert api.post(path, {"status_list": "3", "size": 51})["errcode"] == 40035
    assert api.post(path, {"status_list": "9", "size": 10})["errcode"] == 40035


def test_v2_list_field_model(sim: DingTalkSimulator, api: Api) -> None:
    user = sim.users[0]
    path = "/topapi/smartwork/hrm/employee/v2/list"
    body = {"userid_list": f"{user['userid']},nobody", "agentid": AGENT}
    [person] = api.ok(path, body)["result"]
    assert (person["userid"], person["corp_id"]) == (user["userid"], DingTalkSimulator.CORP_ID)
    fields = {f["field_code"]: f for f in person["field_data_list"]}
    assert set(fields) == {
        "sys00-name",
        "sys00-mobile",
        "sys00-dept",
        "sys00-position",
        "sys01-employeeStatus",
        "sys00-confirmJoinTime",
    }
    assert fields["sys00-name"]["field_name"] == "姓名"
    assert fields["sys00-name"]["field_value_list"] == [
        {"item_index": 0, "label": user["name"], "value": user["name"]}
    ]
    assert fields["sys00-dept"]["field_value_list"][0]["value"] == str(user["dept_id"])
    assert fields["sys01-employeeStatus"]["group_id"] == "sys01"
    assert fields["sys00-confirmJoinTime"]["field_value_list"][0]["value"] == user["hired_date"]
    filtered = api.ok(path, {**body, "field_filter_list": "sys00-mobile"})["result"][0]
    assert [f["field_code"] for f in filtered["field_data_list"]] == ["sys00-mobile"]
    many = {"userid_list": ",".join(f"u{n}" for n in range(101))}
    assert api.post(path, many)["errcode"] == 40035


def test_addpreentry_and_querypreentry(sim: DingTalkSimulator, api: Api) -> None:
    path = "/topapi/smartwork/hrm/employee/addpreentry"
    extend = {"depts": "2", "mainDeptId": 2, "position": "数据工程师", "employeeType": 1}
    param = {
        "name": "林晓",
        "mobile": "18600000001",
        "pre_entry_time": "2024-07-01 09:00:00",
        "op_userid": sim.users[0]["userid"],
        "extend_info": json.dumps(extend),
    }
    created = api.ok(path, {"param": param})
    assert created["success"] is True
    userid = created["userid"]
    assert len(userid) == 12 and sim.user(userid) is None
    record = sim.preentries[userid]
    assert (record["name"], record["mobile"], record["extend_info"]) == (
        "林晓",
        "18600000001",
        extend,
    )
    again = api.post(path, {"param": {**param, "name": "别人"}})
    assert (again["errcode"], again["errmsg"]) == (60104, "手机号码在公司中已注册")
    employee = api.post(path, {"param": {"name": "x", "mobile": sim.users[0]["mobile"]}})
    assert employee["errcode"] == 60104
    assert api.post(path, {"param": {"name": "x", "mobile": "12345"}})["errcode"] == 40104
    assert api.post(path, {"param": {"mobile": "18600000002"}})["errcode"] == 40035
    bad_extend = {"name": "x", "mobile": "18600000002", "extend_info": "{not json"}
    assert api.post(path, {"param": bad_extend})["errcode"] == 40035
    second = api.ok(path, {"param": {"name": "周一", "mobile": "18600000002"}})["userid"]
    third = api.ok(path, {"param": {"name": "吴二", "mobile": "18600000003"}})["userid"]
    listed: list[dict[str, Any]] = []
    cursor: int | None = 0
    while cursor is not None:
        body = {"offset": cursor, "size": 2}
        result = api.ok("/topapi/smartwork/hrm/employee/querypreentry", body)["result"]
        listed += result["data_list"]
        cursor = result.get("next_cursor")
    assert [p["userid"] for p in listed] == [userid, second, third]
    assert listed[0]["pre_entry_time"] == "2024-07-01 09:00:00"
    assert listed[0]["mobile"] == "18600000001" and listed[0]["name"] == "林晓"


def test_v1_preentries_share_the_store(sim: DingTalkSimulator, api: Api) -> None:
    hire = {
        "agentId": AGENT,
        "name": "林晓雨",
        "mobile": "19900001234",
        "preEntryTime": ms(datetime(2024, 7, 1, 9)),
        "needSendPreEntryMsg": False,
    }
    resp = api.v1("/v1.0/hrm/preentries", hire, api.token)
    assert resp.status_code == 200
    tmp = resp.json()["tmpUserId"]
    assert sim.preentries[tmp]["pre_entry_time"] == "2024-07-01 09:00:00"
    assert sim.preentries[tmp]["source"] == "api"
    dup = api.v1("/v1.0/hrm/preentries", hire, api.token)
    assert (dup.status_code, dup.json()["code"]) == (400, "preentry.mobile.exists")
    assert dup.json()["message"] and dup.json()["requestid"]
    oapi = api.post(
        "/topapi/smartwork/hrm/employee/addpreentry",
        {"param": {"name": "x", "mobile": "19900001234"}},
    )
    assert oapi["errcode"] == 60104
    missing = api.v1("/v1.0/hrm/preentries", {"agentId": AGENT, "mobile": "19900001235"}, api.token)
    assert (missing.status_code, missing.json()["code"]) == (400, "MissingParameter")
    bad = api.v1("/v1.0/hrm/preentries", {**hire, "mobile": "99"}, api.token)
    assert (bad.status_code, bad.json()["code"]) == (400, "InvalidParameter")
    assert list(sim.preentries) == [tmp]


# -- custom robot -----------------------------------------------------------------------------


def sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot(sim: DingTalkSimulator, token: str, body: dict[str, Any], **params: Any) -> dict:
    resp = requests.post(
        sim.url + "/robot/send", params={"access_token": token, **params}, json=body, timeout=5
    )
    assert resp.status_code == 200
    return resp.json()


def test_signed_robot(sim: DingTalkSimulator) -> None:
    body = {
        "msgtype": "markdown",
        "markdown": {"title": "面试", "text": "## 已安排"},
        "at": {"atMobiles": ["13800138000"], "isAtAll": False},
    }
    now = sim.now_ms()
    assert (
        robot(sim, GROUP_ROBOT, body, timestamp=now, sign=sign(GROUP_SECRET, now))["errcode"] == 0
    )
    assert sim.robot_messages == [(GROUP_ROBOT, body)]
    wrong = robot(sim, GROUP_ROBOT, body, timestamp=now, sign=sign("SEC-other", now))
    assert (wrong["errcode"], wrong["errmsg"]) == (310000, "sign not match")
    stale = now - 3601 * 1000
    old = robot(sim, GROUP_ROBOT, body, timestamp=stale, sign=sign(GROUP_SECRET, stale))
    assert old["errcode"] == 310000
    assert robot(sim, GROUP_ROBOT, body)["errcode"] == 310000  # unsigned
    assert len(sim.robot_messages) == 1


def test_keyword_robot_and_unknown_token(sim: DingTalkSimulator) -> None:
    hit = {"msgtype": "text", "text": {"content": "hrhub: 3 offers signed"}}
    miss = {"msgtype": "text", "text": {"content": "3 offers signed"}}
    assert robot(sim, OPS_ROBOT, hit)["errcode"] == 0
    answer = robot(sim, OPS_ROBOT, miss)
    assert (answer["errcode"], answer["errmsg"]) == (310000, "keywords not in content")
    unknown = robot(sim, "no-such-robot", hit)
    assert (unknown["errcode"], unknown["errmsg"]) == (300001, "token is not exist")
    assert robot(sim, OPS_ROBOT, {"msgtype": "text", "text": {}})["errcode"] == 40035
    sim.add_robot("plain-robot")
    assert robot(sim, "plain-robot", miss)["errcode"] == 0
    assert sim.robot_messages == [(OPS_ROBOT, hit), ("plain-robot", miss)]


def test_robot_rate_is_20_a_minute_then_a_10_minute_block(
    make: Callable[..., DingTalkSimulator],
) -> None:
    rate = FakeClock()
    sim = make(rate_clock=rate)
    body = {"msgtype": "text", "text": {"content": "hrhub 日报"}}
    assert [robot(sim, OPS_ROBOT, body)["errcode"] for _ in range(20)] == [0] * 20
    blocked = robot(sim, OPS_ROBOT, body)
    assert (blocked["errcode"], blocked["errmsg"]) == (
        130101,
        "send too fast, exceed 20 times per minute",
    )
    rate.advance(61)
    assert robot(sim, OPS_ROBOT, body)["errcode"] == 130101  # still inside the 10 minutes
    assert sim.over_limit["robot_rate"] == 2
    rate.advance(600)
    assert robot(sim, OPS_ROBOT, body)["errcode"] == 0
    assert len(sim.robot_messages) == 21


# -- faults -----------------------------------------------------------------------------------


def test_fault_knobs_answer_in_each_hosts_format(sim: DingTalkSimulator, api: Api) -> None:
    creds = {"appKey": APP["appkey"], "appSecret": APP["appsecret"]}
    sim.set_faults("error_rate=1")
    busy = api.post("/topapi/attendance/getsimplegroups", {})
    assert (busy["errcode"], busy["errmsg"]) == (-1, "系统繁忙")
    down = api.v1("/v1.0/oauth2/accessToken", creds)
    assert (down.status_code, down.json()["code"]) == (503, "ServiceUnavailable")
    assert sim.counters["faulted"] == 2
    sim.set_faults("rate_limit=1,retry_after=2")
    resp = api.http.post(
        sim.url + "/topapi/attendance/getsimplegroups",
        params={"access_token": api.token},
        json={},
        timeout=5,
    )
    assert (resp.status_code, resp.json()["errcode"]) == (200, 90002)
    assert resp.headers["Retry-After"] == "2"
    limited = api.v1("/v1.0/oauth2/accessToken", creds)
    assert (limited.status_code, limited.json()["code"]) == (429, "Throttling")
    sim.set_faults("duplicate=1")
    staff = attendance_ids(sim)[:2]
    page = results_page(api, staff, date(2024, 6, 14), 0)["recordresult"]
    assert len(page) == 8 and page[0] == page[1]  # two people, two checks, each twice
    sim.set_faults(None)
    assert api.v1("/v1.0/oauth2/accessToken", creds).status_code == 200
