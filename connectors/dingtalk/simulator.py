"""A local DingTalk Open Platform (钉钉): both of its hosts, on loopback.

hrhub sends work notifications, reads attendance and smart-HR data, creates pre-entries and
posts to group robots on DingTalk, which no development machine or CI can reach. This
simulator speaks what the dossier (hr-system-apis.md §2) records of the real API, so the
connector written against it works against DingTalk:

- two hosts: the legacy oapi host (`url`: /gettoken, /topapi/..., /attendance/...,
  /robot/send; errors as `errcode` inside HTTP 200) and the new api host (`api_url`: /v1.0/...;
  HTTP status codes and `{code, message, requestid}` bodies, as the Tea SDK parses them),
  sharing one token store, one fault spec and one set of data;
- app tokens that live 7,200 s and are handed out again while valid; 40014/42001; `88` with
  `sub_code` 60011 when smart HR is not enabled; 90002 for the per-API QPS ceiling and the
  non-standard `{"status": 1111, ...}` body for a banned IP;
- work notifications with their caps (100 userids, 20 depts, 2,048 bytes) and quotas (the same
  content once a day per person, 500 messages per person and day): over-quota sends still
  succeed and land in `forbidden_user_id_list`; read receipts that change as time passes;
  recall (撤回) within 24 hours of sending;
- attendance results and raw punches in epoch ms, 7-day and 50-user limits, offset paging;
  schedules, leave, groups; smart HR on-job lists, the v2 field model and pre-entries;
- a department's members (`/topapi/user/listid {dept_id}` -> `result.userid_list`, unpaged,
  60003 for an unknown department), as DingTalk's "获取部门用户userid列表" page documents it
  (the dossier is silent on contacts APIs);
- custom robots with 加签 (HMAC-SHA256 of "timestamp\\nsecret") or keywords, 20 a minute.

Unconfirmed (the dossier is silent and hrhub's wire contract for this simulator decided;
marked "unconfirmed" in the code): 40089 for a wrong AppSecret, 40035 for every malformed
parameter, 40078 for a bad login code, 43001/43002 for a wrong HTTP method, the 180-day cap
of getleavestatus, the querypreentry parameters, the v1.0 error codes other than
InvalidAuthentication, and the values Late/Early. `expires_in` of a reused token is what is
left of its 7,200 s (DingTalk may renew instead; hrhub's clients must cope with either).

Time: "now" is `as_of` plus the seconds `clock` has moved since construction, in China local
time. The seeded history ends at `as_of` (moving the clock does not add punches). Throttling
windows (QPS, per-IP, robot rate) run on `rate_clock` (real monotonic time by default), since
they guard the server's real load and clients budget against real time.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time as _time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, NoReturn

from connectors._core.simulator import (
    Abort,
    BadJSON,
    FaultSpec,
    Request,
    Response,
    SimulatorServer,
    route,
)
from connectors.dingtalk.sim_data import (
    CHINA,
    DEPARTMENTS,
    HRM_FIELDS,
    TIME_FMT,
    AttendanceDay,
    attendance_day,
    canonical,
    from_ms,
    has_keyword,
    hrm_field,
    leave_rows,
    msg_problem,
    normal_mobile,
    planted_users,
    punch_row,
    result_row,
    robot_problem,
    robot_signature,
    schedule_rows,
    seed_users,
    seeded_days,
    simple_groups,
    to_ms,
    unit,
    updatedata_lists,
)

__all__ = ["DingTalkSimulator"]

TOKEN_LIFETIME_S = 7200
AUTH_CODE_LIFETIME_S = 300
MAX_USERIDS, MAX_DEPTS, MAX_MSG_BYTES = 100, 20, 2048
DAILY_MESSAGES = 500  # per person, app and day
RECALL_WINDOW_S = 24 * 3600  # a work notification can be recalled this long after sending
ATTENDANCE_MAX_USERS, ATTENDANCE_MAX_DAYS, ATTENDANCE_MAX_LIMIT = 50, 7, 50
SCHEDULE_MAX_SIZE, LEAVE_MAX_USERS, LEAVE_MAX_SIZE, LEAVE_MAX_DAYS = 200, 100, 20, 180
ONJOB_MAX_SIZE, HRM_LIST_MAX, GROUPS_MAX_SIZE = 50, 100, 10
ONJOB_STATUSES = frozenset({2, 3, 5, -1})
ROBOT_RATE, ROBOT_WINDOW_S, ROBOT_BLOCK_S, ROBOT_SIGN_SKEW_S = 20, 60.0, 600.0, 3600
IP_BAN_BODY = {"status": 1111, "wait": 5, "punish": "deny", "message": "请求过于频繁，请稍后再试"}
SMARTWORK = "smartwork"


class _Refused(Exception):
    """A rule both hosts share said no; each host words it in its own format."""

    def __init__(self, errcode: int, errmsg: str, api_code: str) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg, self.api_code = errcode, errmsg, api_code


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class _Host(SimulatorServer):
    """What both hosts do before a handler: the per-IP and per-API limits, and call counts
    per handler (`counters["asyncsend_v2"]`). The base has no pre-dispatch hook, so this
    wraps its `_dispatch`: faults come first, as at DingTalk's gateway."""

    def _state(self) -> DingTalkSimulator:
        raise NotImplementedError

    def _throttled(self) -> Response:
        raise NotImplementedError

    def _dispatch(self, req: Request) -> Response:
        verdict = self._state()._gate(req.path)
        if verdict == "ip":
            return Response(200, dict(IP_BAN_BODY))
        if verdict == "qps":
            return self._throttled()
        for r in self._routes:
            if r.method == req.method and r.regex.fullmatch(req.path):
                self._count(r.attr)
                break
        return super()._dispatch(req)


class DingTalkSimulator(_Host):
    """DingTalk's oapi host (`url`) with the api host (`api_url`) started and stopped with it.

    Public helpers for tests and benchmarks: `users`, `user_by_mobile`, `preentries`,
    `sent_tasks`, `robot_messages`, `over_limit`, `mark_read`, `auth_code_for`, `add_robot`,
    `revoke_permission`/`grant_permission`, `now`, `count_stream`, `rows`. `app_secret`
    replaces the sandbox's; `extra_users` adds people after the seeded `users` (see
    `sim_data.planted_users`).
    """

    system: ClassVar[str] = "dingtalk"
    APP_KEY: ClassVar[str] = "dingsandboxhrhub"
    APP_SECRET: ClassVar[str] = "Hrhub-Sandbox-Secret-8f3a"
    AGENT_ID: ClassVar[int] = 2880001
    CORP_ID: ClassVar[str] = "dingcorphrhub"

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: int = 300,
        seed: int = 0,
        as_of: datetime | None = None,
        clock: Callable[[], float] = _time.time,
        rate_clock: Callable[[], float] = _time.monotonic,
        api_qps: int | None = 40,
        ip_limit: tuple[int, float] | None = (10_000, 20.0),
        ip_ban_seconds: float = 300.0,
        read_delay: tuple[float, float] = (30.0, 600.0),
        never_read_share: float = 0.3,
        task_seconds: float = 0.0,
        app_secret: str | None = None,
        extra_users: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._api: _ApiHost | None = None
        self.app_secret = app_secret or self.APP_SECRET  # the sandbox's unless given
        super().__init__(faults, host=host, port=port)
        self.seed = seed
        self.as_of = (as_of or datetime.now(CHINA).replace(tzinfo=None)).replace(microsecond=0)
        self._clock, self._rate_clock = clock, rate_clock
        self._t0, self._as_of_ms = clock(), to_ms(self.as_of)
        self.api_qps, self.ip_limit, self.ip_ban_seconds = api_qps, ip_limit, ip_ban_seconds
        self.read_delay, self.never_read_share = read_delay, never_read_share
        self.task_seconds = task_seconds

        self.users: list[dict[str, Any]] = seed_users(seed, users, self.as_of.date())
        self.users += planted_users(extra_users, users, self.as_of.date())
        self._index = {u["userid"]: i for i, u in enumerate(self.users)}
        self._mobiles = {u["mobile"]: i for i, u in enumerate(self.users)}
        self._active = [u["userid"] for u in self.users if u["status"] != "departed"]
        self._dept_members: dict[int, list[str]] = {d: [] for d in DEPARTMENTS}
        for u in self.users:
            if u["status"] != "departed":
                self._dept_members[u["dept_id"]].append(u["userid"])
        # user/listid lists a department's own members; a message to a department reaches its
        # sub-departments too, so the company (1) reaches everyone.
        self._dept_own = {dept: list(members) for dept, members in self._dept_members.items()}
        self._dept_members[1] = self._active  # the company: everyone, sub-departments too
        self._attendance = sorted(u["userid"] for u in self.users if u["attendance"])
        self._onjob_cache: dict[frozenset[int], list[str]] = {}

        self._ids = itertools.count(1)
        self._id_rng_state = seed
        self._tokens: dict[str, int] = {}  # token -> expires at (sim ms)
        self._current_token: str | None = None
        self._auth_codes: dict[str, tuple[str, int]] = {}  # code -> (userid, expires ms)
        self._scopes = {SMARTWORK}
        self.preentries: dict[str, dict[str, Any]] = {}
        self.sent_tasks: dict[int, dict[str, Any]] = {}
        self._next_task = 718_000_000_000 + seed % 1000 * 1_000_000
        self._quota: dict[tuple[int, str, date], int] = {}
        self._seen: set[tuple[int, str, date, str]] = set()
        self._quota_day: date | None = None
        self.robot_messages: list[tuple[str, dict[str, Any]]] = []
        self._robots: dict[str, dict[str, Any]] = {}
        self.over_limit: Counter[str] = Counter()
        self._ip_calls: deque[float] = deque()
        self._banned_until = float("-inf")
        self._api_calls: dict[str, deque[float]] = {}
        self.add_robot("hiring-group-robot", secret="SEC-hrhub-hiring-group")
        self.add_robot("ops-robot", keywords=("hrhub",))
        self._api = _ApiHost(self, host)

    # -- lifecycle and shared plumbing ---------------------------------------------------------

    def start(self) -> str:
        url = super().start()
        assert self._api is not None
        try:
            self._api.start()
        except BaseException:
            super().stop()
            raise
        return url

    def stop(self) -> None:
        if self._api is not None:
            self._api.stop()
        super().stop()

    @property
    def api_url(self) -> str:
        """Base URL of the api host (api.dingtalk.com's /v1.0 endpoints)."""
        assert self._api is not None
        return self._api.url

    def connection_extra(self) -> dict[str, str]:
        return {"api_url": self.api_url}

    def set_faults(self, faults: FaultSpec | str | None) -> None:
        """Replace the fault spec of both hosts."""
        super().set_faults(faults)
        if self._api is not None:
            self._api.set_faults(self.faults)

    def reset_stats(self) -> None:
        super().reset_stats()
        with self.lock:
            self.over_limit.clear()

    def _state(self) -> DingTalkSimulator:
        return self

    def now_ms(self) -> int:
        """Simulator time as epoch milliseconds."""
        return self._as_of_ms + int((self._clock() - self._t0) * 1000)

    def now(self) -> datetime:
        """Simulator time: naive China local."""
        return from_ms(self.now_ms())

    def _request_id(self) -> str:
        return f"{next(self._ids):x}".rjust(13, "0")

    def _gate(self, path: str) -> str | None:
        """ "ip" while the IP is banned (or just got banned), "qps" over the per-API ceiling."""
        now = self._rate_clock()
        with self.lock:
            if self.ip_limit is not None:
                if now < self._banned_until:
                    self.over_limit["ip"] += 1
                    return "ip"
                limit, window = self.ip_limit
                calls = self._ip_calls
                while calls and calls[0] <= now - window:
                    calls.popleft()
                if len(calls) >= limit:
                    calls.clear()
                    self._banned_until = now + self.ip_ban_seconds
                    self.over_limit["ip"] += 1
                    return "ip"
                calls.append(now)
            if self.api_qps is not None and path != "/robot/send":
                calls = self._api_calls.setdefault(path, deque())
                while calls and calls[0] <= now - 1.0:
                    calls.popleft()
                if len(calls) >= self.api_qps:
                    self.over_limit["api_qps"] += 1
                    return "qps"
                calls.append(now)
        return None

    # -- shared rules: tokens, permission, pre-entries -------------------------------------------

    def _issue_token(self, key: Any, secret: Any) -> tuple[str, int] | None:
        """The app's token and its lifetime in s: the same while valid. None: wrong key/secret."""
        if not (
            isinstance(key, str)
            and isinstance(secret, str)
            and hmac.compare_digest(key.encode(), self.APP_KEY.encode())
            and hmac.compare_digest(secret.encode(), self.app_secret.encode())
        ):
            return None
        now = self.now_ms()
        with self.lock:
            token = self._current_token
            if token is None or self._tokens[token] <= now:
                lifetime = self.token_lifetime(TOKEN_LIFETIME_S) or TOKEN_LIFETIME_S
                token = hashlib.md5(f"{self.seed}|token|{len(self._tokens)}".encode()).hexdigest()
                self._tokens[token] = now + int(lifetime * 1000)
                self._current_token = token
            return token, max(1, round((self._tokens[token] - now) / 1000))

    def _token_state(self, token: str | None) -> str:
        """ "ok", "unknown" or "expired"."""
        with self.lock:
            expires = self._tokens.get(token or "")
        if expires is None:
            return "unknown"
        return "ok" if expires > self.now_ms() else "expired"

    def revoke_permission(self, scope: str) -> None:
        """Take an API scope from the app (e.g. "smartwork": smart HR not enabled)."""
        with self.lock:
            self._scopes.discard(scope)

    def grant_permission(self, scope: str) -> None:
        with self.lock:
            self._scopes.add(scope)

    def _has_scope(self, scope: str) -> bool:
        with self.lock:
            return scope in self._scopes

    def _new_userid(self) -> str:
        """A fresh 12-digit userid no one has (pre-entries get one, as DingTalk does)."""
        while True:
            self._id_rng_state += 1
            n = int(unit(self.seed, "preentry", self._id_rng_state) * 10**12)
            userid = f"{n:012d}"
            if userid not in self._index and userid not in self.preentries:
                return userid

    def _create_preentry(
        self,
        name: Any,
        mobile: Any,
        pre_entry_time: str | None,
        *,
        op_userid: str | None = None,
        extend_info: dict[str, Any] | None = None,
        source: str = "oapi",
    ) -> dict[str, Any]:
        if not isinstance(name, str) or not name.strip() or mobile in (None, ""):
            raise _Refused(40035, "不合法的参数: name和mobile必填", "MissingParameter")
        normal = normal_mobile(mobile)
        if normal is None:
            raise _Refused(40104, "无效的手机号码", "InvalidParameter")
        with self.lock:
            user = self.user_by_mobile(normal)
            taken = any(p["mobile"] == normal for p in self.preentries.values())
            if taken or (user is not None and user["status"] != "departed"):
                raise _Refused(60104, "手机号码在公司中已注册", "preentry.mobile.exists")
            record = {
                "userid": self._new_userid(),
                "name": name.strip(),
                "mobile": normal,
                "pre_entry_time": pre_entry_time,
                "op_userid": op_userid,
                "extend_info": extend_info or {},
                "create_time": self.now_ms(),
                "source": source,
            }
            self.preentries[record["userid"]] = record
            return record

    # -- public helpers ----------------------------------------------------------------------

    def count_stream(self, stream: str) -> int:
        """Rows the source holds: "attendance_results" (what /attendance/list serves for every
        on-job user over every seeded day) or "punches" (what listRecord serves)."""
        if stream not in ("attendance_results", "punches"):
            raise KeyError(f"dingtalk simulator has no stream {stream!r}")
        total = 0
        for userid in self._attendance:
            for day in seeded_days(self.as_of):
                record = self._day(userid, day)
                total += len(record.results if stream == "attendance_results" else record.punches)
        return total

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Copies of what DingTalk holds, for reconciliations and tests (read-only):
        "tasks" (one row per work-notification send: task_id, agent_id, content as the JSON
        text equal messages share, sent_ms, delivered and forbidden userids, recalled),
        "messages" (one row per notification delivered to one person: task_id, agent_id,
        userid, content, sent_ms, recalled), "preentries" (smart-HR pre-entries, creation
        order) or "robot_messages" (token, content)."""
        with self.lock:
            if table == "tasks":
                return [
                    {
                        "task_id": task["task_id"],
                        "agent_id": task["agent_id"],
                        "content": canonical(task["msg"]),
                        "sent_ms": task["sent_ms"],
                        "delivered": list(task["delivered"]),
                        "forbidden": [dict(f) for f in task["forbidden_list"]],
                        "recalled": task["recalled"],
                    }
                    for task in self.sent_tasks.values()
                ]
            if table == "messages":
                return [
                    {
                        "task_id": task["task_id"],
                        "agent_id": task["agent_id"],
                        "userid": userid,
                        "content": canonical(task["msg"]),
                        "sent_ms": task["sent_ms"],
                        "recalled": task["recalled"],
                    }
                    for task in self.sent_tasks.values()
                    for userid in task["delivered"]
                ]
            if table == "preentries":
                return [json.loads(json.dumps(p)) for p in self.preentries.values()]
            if table == "robot_messages":
                return [{"token": t, "content": canonical(b)} for t, b in self.robot_messages]
        raise KeyError(
            f"dingtalk simulator has no table {table!r} (known: tasks, messages, preentries, "
            "robot_messages)"
        )

    def user_by_mobile(self, mobile: str) -> dict[str, Any] | None:
        """The seeded person with this mobile (departed ones too), or None."""
        normal = normal_mobile(mobile)
        index = self._mobiles.get(normal or "")
        return None if index is None else self.users[index]

    def user(self, userid: str) -> dict[str, Any] | None:
        index = self._index.get(userid)
        return None if index is None else self.users[index]

    def auth_code_for(self, userid: str) -> str:
        """A 免登 code as the DingTalk client hands an in-app page: 5 minutes, single use."""
        user = self.user(userid)
        if user is None or user["status"] == "departed":
            raise KeyError(f"no on-job user {userid!r}")
        with self.lock:
            code = hashlib.md5(f"{self.seed}|code|{len(self._auth_codes)}".encode()).hexdigest()
            self._auth_codes[code] = (userid, self.now_ms() + AUTH_CODE_LIFETIME_S * 1000)
        return code

    def add_robot(
        self, token: str, *, secret: str | None = None, keywords: Iterable[str] = ()
    ) -> None:
        """Create a custom robot: 加签 with `secret`, or a keyword check with `keywords`."""
        with self.lock:
            self._robots[token] = {
                "secret": secret,
                "keywords": tuple(keywords),
                "sent": deque(),
                "blocked_until": float("-inf"),
            }

    def mark_read(self, task_id: int, userid: str) -> None:
        """The recipient opens the message now."""
        with self.lock:
            task = self.sent_tasks[int(task_id)]
            if userid not in task["delivered"]:
                raise ValueError(f"task {task_id} was not delivered to {userid!r}")
            task["read"][userid] = self.now_ms()

    def _day(self, userid: str, day: date) -> AttendanceDay:
        return attendance_day(self.seed, userid, self._index[userid], day, self.as_of)

    # -- error formats (oapi: errcode inside HTTP 200) ---------------------------------------

    def _envelope(self, errcode: int, errmsg: str, **fields: Any) -> dict[str, Any]:
        return {"errcode": errcode, "errmsg": errmsg, **fields, "request_id": self._request_id()}

    def _ok(self, **fields: Any) -> Response:
        return Response(200, self._envelope(0, "ok", **fields))

    def _refuse(self, errcode: int, errmsg: str, **fields: Any) -> NoReturn:
        raise Abort(Response(200, self._envelope(errcode, errmsg, **fields)))

    def _bad(self, what: str) -> NoReturn:
        self._refuse(40035, f"不合法的参数: {what}")  # unconfirmed code

    def _throttled(self) -> Response:
        return Response(200, self._envelope(90002, "当前接口调用过于频繁"))

    def fault_error(self) -> Response:
        return Response(200, self._envelope(-1, "系统繁忙"))

    def fault_rate_limited(self, retry_after: int) -> Response:
        return self._throttled()

    def not_found(self, req: Request) -> Response:
        return Response(404, self._envelope(404, "请求的URI地址不存在"))

    def method_not_allowed(self, req: Request, allowed: list[str]) -> Response:
        if "GET" in allowed:  # unconfirmed codes
            return Response(200, self._envelope(43001, "需要GET请求"))
        return Response(200, self._envelope(43002, "需要POST请求"))

    def bad_json(self, req: Request, exc: BadJSON) -> Response:
        return Response(200, self._envelope(40035, "不合法的参数: 请求体不是合法的JSON"))

    def server_error(self, req: Request, exc: Exception) -> Response:
        detail = f"{type(exc).__name__}: {exc}"  # not DingTalk's: says what broke in the simulator
        return Response(200, self._envelope(-1, "系统繁忙", sim_error=detail))

    # -- request checks (oapi) ---------------------------------------------------------------

    def _authorize(self, req: Request, scope: str | None = None) -> None:
        state = self._token_state(req.arg("access_token"))
        if state == "unknown":
            self._refuse(40014, "不合法的access_token")
        if state == "expired":
            self._count("token_expired")
            self._refuse(42001, "access_token超时")
        if scope is not None and not self._has_scope(scope):
            self._refuse(88, "no permission", sub_code="60011", sub_msg="应用尚未开通智能人事权限")

    def _body(self, req: Request) -> dict[str, Any]:
        body = req.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            self._bad("请求体必须是JSON对象")
        return body

    def _int(
        self, body: dict[str, Any], name: str, default: int | None = None, *,
        lo: int | None = None, hi: int | None = None,
    ) -> int:  # fmt: skip
        value = body.get(name, default)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self._bad(f"{name}必须是整数")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self._bad(f"{name}超出范围[{lo}, {hi}]")
        return value

    def _csv(self, body: dict[str, Any], name: str, cap: int, over: str) -> list[str]:
        """A comma-separated id list (absent = empty); over `cap` ids -> 40035."""
        value = body.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, str):
            self._bad(f"{name}必须是以逗号分隔的字符串")
        ids = [part.strip() for part in value.split(",") if part.strip()]
        self._cap(ids, cap, name, over)
        return ids

    def _list(self, body: dict[str, Any], name: str, cap: int) -> list[str]:
        """A JSON array of userids, 1 to `cap` of them."""
        value = body.get(name)
        if not isinstance(value, list) or not value:
            self._bad(f"{name}必须是非空数组")
        self._cap(value, cap, name, "userid_list")
        return [str(v) for v in value]

    def _cap(self, items: list[Any], cap: int, name: str, over: str) -> None:
        if len(items) > cap:
            with self.lock:
                self.over_limit[over] += 1
            self._bad(f"{name}最多{cap}个")

    def _local_time(self, body: dict[str, Any], name: str) -> datetime:
        value = body.get(name)
        try:
            return datetime.strptime(str(value), TIME_FMT)
        except ValueError:
            self._bad(f"{name}格式应为yyyy-MM-dd HH:mm:ss")

    def _page(self, rows: list[Any], offset: int, size: int) -> tuple[list[Any], bool]:
        return self.apply_list_faults(rows[offset : offset + size]), offset + size < len(rows)

    # -- tokens ------------------------------------------------------------------------------

    @route("GET", r"/gettoken")
    def gettoken(self, req: Request) -> Response:
        key = req.arg("appkey") or req.arg("corpid")
        secret = req.arg("appsecret") or req.arg("corpsecret")
        issued = self._issue_token(key, secret)
        if issued is None:
            self._refuse(40089, "不合法的corpid或corpsecret")  # unconfirmed code
        token, expires_in = issued
        return self._ok(access_token=token, expires_in=expires_in)

    # -- work notifications ------------------------------------------------------------------

    def _agent(self, body: dict[str, Any]) -> int:
        agent = self._int(body, "agent_id")
        if agent != self.AGENT_ID:
            self._bad("agent_id不存在")
        return agent

    def _message(self, msg: Any) -> dict[str, Any]:
        if isinstance(msg, str):  # a JSON string is taken too
            try:
                msg = json.loads(msg)
            except ValueError:
                self._bad("msg不是合法的JSON")
        problem = msg_problem(msg)
        if problem:
            self._bad(problem)
        if len(json.dumps(msg, ensure_ascii=False).encode()) > MAX_MSG_BYTES:
            with self.lock:
                self.over_limit["msg_bytes"] += 1
            self._refuse(40035, "消息内容超过2048字节")
        return msg

    def _recipients(
        self, userids: list[str], depts: list[str], to_all: bool
    ) -> tuple[list[str], list[str], list[str]]:
        """(recipients in order without repeats, invalid userids, invalid dept ids)."""
        chosen: dict[str, None] = {}
        invalid: dict[str, None] = {}
        for userid in userids:
            index = self._index.get(userid)
            if index is None or self.users[index]["status"] == "departed":
                invalid[userid] = None
            else:
                chosen[userid] = None
        bad_depts = []
        for dept in depts:
            members = self._dept_members.get(int(dept)) if dept.isdigit() else None
            if members is None:
                bad_depts.append(dept)
            else:
                chosen.update(dict.fromkeys(members))
        if to_all:
            chosen.update(dict.fromkeys(self._active))
        return list(chosen), list(invalid), bad_depts

    def _deliver(self, agent: int, recipients: list[str], content: str) -> tuple[list, list]:
        """Apply the per-person quotas (hold the lock): (delivered, forbidden_list)."""
        day = self.now().date()
        if day != self._quota_day:  # counters of past days can never matter again
            self._quota.clear()
            self._seen.clear()
            self._quota_day = day
        delivered: list[str] = []
        forbidden: list[dict[str, Any]] = []
        quota, seen = self._quota, self._seen
        for userid in recipients:
            seen_key = (agent, userid, day, content)
            if seen_key in seen:
                forbidden.append({"code": "143106", "count": 1, "userid": userid})
                continue
            key = (agent, userid, day)
            sent = quota.get(key, 0)
            if sent >= DAILY_MESSAGES:
                forbidden.append({"code": "143105", "count": DAILY_MESSAGES, "userid": userid})
                continue
            quota[key] = sent + 1
            seen.add(seen_key)
            delivered.append(userid)
        return delivered, forbidden

    @route("POST", r"/topapi/message/corpconversation/asyncsend_v2")
    def asyncsend_v2(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        agent = self._agent(body)
        userids = self._csv(body, "userid_list", MAX_USERIDS, "userid_list")
        depts = self._csv(body, "dept_id_list", MAX_DEPTS, "dept_id_list")
        to_all = _truthy(body.get("to_all_user"))
        if not (userids or depts or to_all):
            self._refuse(1430000, "no recipient")
        msg = self._message(body.get("msg"))
        content = canonical(msg)
        recipients, invalid, bad_depts = self._recipients(userids, depts, to_all)
        with self.lock:
            delivered, forbidden = self._deliver(agent, recipients, content)
            task_id = self._next_task
            self._next_task += 1
            self.sent_tasks[task_id] = {
                "task_id": task_id,
                "agent_id": agent,
                "msg": msg,
                "sent_ms": self.now_ms(),
                "delivered": delivered,
                "invalid_user_id_list": invalid,
                "invalid_dept_id_list": bad_depts,
                "forbidden_list": forbidden,
                "read": {},  # userid -> ms, from mark_read
                "recalled": False,
            }
        return self._ok(task_id=task_id)

    def _task(self, body: dict[str, Any], key: str = "task_id") -> dict[str, Any]:
        self._agent(body)
        task_id = self._int(body, key)
        with self.lock:
            task = self.sent_tasks.get(task_id)
        if task is None:
            self._bad(f"{key}不存在")
        return task

    def _task_done(self, task: dict[str, Any]) -> tuple[bool, int]:
        """(finished, percent) of a send task."""
        elapsed = self.now_ms() - task["sent_ms"]
        total = self.task_seconds * 1000
        if total <= 0 or elapsed >= total:
            return True, 100
        return False, min(99, max(0, int(100 * elapsed / total)))

    def _read_at(self, task: dict[str, Any], userid: str) -> int | None:
        """When a recipient opens the message (ms), None if never: fixed per (task, user)."""
        forced = task["read"].get(userid)
        if forced is not None:
            return forced
        if unit(self.seed, "never-read", task["task_id"], userid) < self.never_read_share:
            return None
        low, high = self.read_delay
        delay = low + unit(self.seed, "read-delay", task["task_id"], userid) * (high - low)
        return task["sent_ms"] + int(delay * 1000)

    @route("POST", r"/topapi/message/corpconversation/getsendprogress")
    def getsendprogress(self, req: Request) -> Response:
        self._authorize(req)
        task = self._task(self._body(req))
        done, percent = self._task_done(task)
        return self._ok(progress={"progress_in_percent": percent, "status": 2 if done else 1})

    @route("POST", r"/topapi/message/corpconversation/getsendresult")
    def getsendresult(self, req: Request) -> Response:
        self._authorize(req)
        task = self._task(self._body(req))
        done, _ = self._task_done(task)
        now = self.now_ms()
        read, unread = [], []
        with self.lock:
            for userid in task["delivered"]:
                at = self._read_at(task, userid)
                forced = userid in task["read"]
                is_read = at is not None and at <= now and (done or forced)
                (read if is_read else unread).append(userid)
            forbidden = [dict(f) for f in task["forbidden_list"]]
        result = {
            "invalid_user_id_list": list(task["invalid_user_id_list"]),
            "forbidden_user_id_list": [f["userid"] for f in forbidden],
            "failed_user_id_list": [],
            "read_user_id_list": read,
            "unread_user_id_list": unread,
            "invalid_dept_id_list": list(task["invalid_dept_id_list"]),
            "forbidden_list": forbidden,
        }
        return self._ok(send_result=result)

    @route("POST", r"/topapi/message/corpconversation/recall")
    def recall(self, req: Request) -> Response:
        """Only messages sent within the last 24 hours can be recalled (DingTalk's recall
        page); the errcode of an older one is unconfirmed (40035 with what it says)."""
        self._authorize(req)
        task = self._task(self._body(req), key="msg_task_id")
        if self.now_ms() - task["sent_ms"] > RECALL_WINDOW_S * 1000:
            self._bad("只能撤回24小时内发送的消息")
        with self.lock:
            task["recalled"] = True
        return self._ok()

    # -- users -------------------------------------------------------------------------------

    @route("POST", r"/topapi/v2/user/getbymobile")
    def getbymobile(self, req: Request) -> Response:
        self._authorize(req)
        mobile = normal_mobile(self._body(req).get("mobile"))
        if mobile is None:
            self._refuse(40104, "无效的手机号码")
        user = self.user_by_mobile(mobile)
        if user is None or user["status"] == "departed":
            self._refuse(60121, "找不到该用户")
        return self._ok(result={"userid": user["userid"], "exclusive_account_userid_list": []})

    @route("POST", r"/topapi/user/listid")
    def user_listid(self, req: Request) -> Response:
        """A department's own members (sub-departments not included), unpaged; 60003 for a
        department the corp does not have, 400002 for a dept_id that is not a number."""
        self._authorize(req)
        dept = self._body(req).get("dept_id")
        if isinstance(dept, str) and dept.strip().isdigit():
            dept = int(dept)
        if not isinstance(dept, int) or isinstance(dept, bool):
            self._refuse(400002, "无效的参数")
        members = self._dept_own.get(dept)
        if members is None:
            self._refuse(60003, "未找到部门")
        return self._ok(result={"userid_list": list(members)})

    @route("POST", r"/topapi/v2/user/getuserinfo")
    def getuserinfo(self, req: Request) -> Response:
        self._authorize(req)
        code = self._body(req).get("code")
        with self.lock:
            found = self._auth_codes.pop(code, None) if isinstance(code, str) else None
        if found is None or found[1] <= self.now_ms():
            self._refuse(40078, "不存在的临时授权码")  # unconfirmed code
        user = self.user(found[0])
        assert user is not None
        unionid = hashlib.md5(f"{self.seed}|union|{user['userid']}".encode()).hexdigest()[:22]
        return self._ok(result={"userid": user["userid"], "name": user["name"], "unionid": unionid})

    # -- attendance --------------------------------------------------------------------------

    def _window(self, body: dict[str, Any], start: str, end: str) -> tuple[datetime, datetime]:
        lo, hi = self._local_time(body, start), self._local_time(body, end)
        if hi < lo or hi - lo > timedelta(days=ATTENDANCE_MAX_DAYS):
            self._bad(f"{start}和{end}最多相隔{ATTENDANCE_MAX_DAYS}天")
        return lo, hi

    def _attendance_users(self, userids: list[str]) -> list[str]:
        """The given ids that are attendance people (others have no attendance data)."""
        return [u for u in dict.fromkeys(userids) if (p := self.user(u)) and p["attendance"]]

    @route("POST", r"/topapi/attendance/getupdatedata")
    def getupdatedata(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        userid = body.get("userid")
        work_date = self._local_time(body, "work_date")
        user = self.user(userid) if isinstance(userid, str) else None
        if user is None or user["status"] == "departed":
            self._refuse(60121, "找不到该用户")
        record = self._day(userid, work_date.date()) if user["attendance"] else AttendanceDay()
        result = {
            "work_date": body["work_date"],
            **updatedata_lists(record),
            "corpId": self.CORP_ID,
            "userid": userid,
        }
        return self._ok(result=result)

    @route("POST", r"/attendance/list", page=True)
    def attendance_list(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        lo, hi = self._window(body, "workDateFrom", "workDateTo")
        userids = self._list(body, "userIdList", ATTENDANCE_MAX_USERS)
        offset = self._int(body, "offset", 0, lo=0)
        limit = self._int(body, "limit", ATTENDANCE_MAX_LIMIT, lo=1, hi=ATTENDANCE_MAX_LIMIT)
        days = [d for d in seeded_days(self.as_of) if lo <= datetime.combine(d, time()) <= hi]
        people = sorted(self._attendance_users(userids))
        rows = [
            result_row(userid, day, check)
            for day in days
            for userid in people
            for check in self._day(userid, day).results
        ]
        page, more = self._page(rows, offset, limit)
        return self._ok(hasMore=more, recordresult=page)

    @route("POST", r"/attendance/listRecord")
    def list_record(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        lo, hi = self._window(body, "checkDateFrom", "checkDateTo")
        people = self._attendance_users(self._list(body, "userIds", ATTENDANCE_MAX_USERS))
        rows = []
        for day in seeded_days(self.as_of):
            if not lo.date() <= day <= hi.date():
                continue
            for userid in people:
                for check in self._day(userid, day).punches:
                    if lo <= check.user_time <= hi:
                        rows.append(punch_row(self.seed, userid, day, check))
        rows.sort(key=lambda r: (r["userCheckTime"], r["userId"]))
        return self._ok(recordresult=rows)

    @route("POST", r"/topapi/attendance/listschedule", page=True)
    def listschedule(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        day = self._local_time(body, "workDate").date()
        offset = self._int(body, "offset", 0, lo=0)
        size = self._int(body, "size", SCHEDULE_MAX_SIZE, lo=1, hi=SCHEDULE_MAX_SIZE)
        people = [(userid, self._index[userid]) for userid in self._attendance]
        rows = schedule_rows(self.seed, day, people)
        page, more = self._page(rows, offset, size)
        return self._ok(result={"has_more": more, "schedules": page})

    @route("POST", r"/topapi/attendance/getleavestatus", page=True)
    def getleavestatus(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        userids = self._csv(body, "userid_list", LEAVE_MAX_USERS, "userid_list")
        if not userids:
            self._bad("userid_list必填")
        start, end = self._int(body, "start_time", lo=0), self._int(body, "end_time", lo=0)
        if end <= start or end - start > LEAVE_MAX_DAYS * 86_400_000:
            self._bad(f"start_time和end_time最多相隔{LEAVE_MAX_DAYS}天")  # unconfirmed cap
        offset = self._int(body, "offset", 0, lo=0)
        size = self._int(body, "size", LEAVE_MAX_SIZE, lo=1, hi=LEAVE_MAX_SIZE)
        people = [(u, self._index[u]) for u in self._attendance_users(userids)]
        rows = leave_rows(self.seed, people, start, end)
        page, more = self._page(rows, offset, size)
        return self._ok(result={"has_more": more, "leave_status": page})

    @route("POST", r"/topapi/attendance/getsimplegroups", page=True)
    def getsimplegroups(self, req: Request) -> Response:
        self._authorize(req)
        body = self._body(req)
        offset = self._int(body, "offset", 0, lo=0)
        size = self._int(body, "size", GROUPS_MAX_SIZE, lo=1, hi=GROUPS_MAX_SIZE)
        groups = simple_groups(len(self._attendance))
        page, more = self._page(groups, offset, size)
        return self._ok(result={"has_more": more, "groups": page})

    # -- smart HR ----------------------------------------------------------------------------

    def _onjob(self, statuses: frozenset[int]) -> list[str]:
        with self.lock:
            ids = self._onjob_cache.get(statuses)
            if ids is None:
                ids = sorted(u["userid"] for u in self.users if u["status"] in statuses)
                self._onjob_cache[statuses] = ids
            return ids

    @route("POST", r"/topapi/smartwork/hrm/employee/queryonjob", page=True)
    def queryonjob(self, req: Request) -> Response:
        self._authorize(req, SMARTWORK)
        body = self._body(req)
        raw = body.get("status_list")
        try:
            statuses = frozenset(int(s) for s in str(raw).split(",") if s.strip())
        except ValueError:
            statuses = frozenset()
        if raw is None or not statuses or not statuses <= ONJOB_STATUSES:
            self._bad("status_list取值为2,3,5,-1")
        offset = self._int(body, "offset", 0, lo=0)
        size = self._int(body, "size", ONJOB_MAX_SIZE, lo=1, hi=ONJOB_MAX_SIZE)
        ids = self._onjob(statuses)
        page, more = self._page(ids, offset, size)
        result: dict[str, Any] = {"data_list": page}
        if more:
            result["next_cursor"] = offset + size
        return self._ok(result=result)

    @route("POST", r"/topapi/smartwork/hrm/employee/v2/list")
    def employee_v2_list(self, req: Request) -> Response:
        self._authorize(req, SMARTWORK)
        body = self._body(req)
        userids = self._csv(body, "userid_list", HRM_LIST_MAX, "userid_list")
        if not userids:
            self._bad("userid_list必填")
        wanted = self._csv(body, "field_filter_list", HRM_LIST_MAX, "field_filter_list")
        codes = [c for c in wanted if c in HRM_FIELDS] if wanted else list(HRM_FIELDS)
        result = []
        for userid in dict.fromkeys(userids):
            user = self.user(userid)
            if user is None or user["status"] == "departed":
                continue
            fields = [hrm_field(user, code) for code in codes]
            result.append({"userid": userid, "corp_id": self.CORP_ID, "field_data_list": fields})
        return self._ok(result=result)

    @route("POST", r"/topapi/smartwork/hrm/employee/addpreentry")
    def addpreentry(self, req: Request) -> Response:
        self._authorize(req, SMARTWORK)
        param = self._body(req).get("param")
        if not isinstance(param, dict):
            self._bad("param必填")
        when = param.get("pre_entry_time")
        if when is not None:
            when = self._local_time(param, "pre_entry_time").strftime(TIME_FMT)
        extend = param.get("extend_info")
        if extend is not None:
            try:
                extend = json.loads(extend) if isinstance(extend, str) else None
            except ValueError:
                extend = None
            if not isinstance(extend, dict):
                self._bad("extend_info必须是JSON对象字符串")
        try:
            record = self._create_preentry(
                param.get("name"),
                param.get("mobile"),
                when,
                op_userid=param.get("op_userid"),
                extend_info=extend,
            )
        except _Refused as refused:
            self._refuse(refused.errcode, refused.errmsg)
        return self._ok(success=True, userid=record["userid"])

    @route("POST", r"/topapi/smartwork/hrm/employee/querypreentry", page=True)
    def querypreentry(self, req: Request) -> Response:
        """offset/size and a next_cursor like queryonjob: unconfirmed (hrhub's reading)."""
        self._authorize(req, SMARTWORK)
        body = self._body(req)
        offset = self._int(body, "offset", 0, lo=0)
        size = self._int(body, "size", ONJOB_MAX_SIZE, lo=1, hi=ONJOB_MAX_SIZE)
        with self.lock:
            rows = [
                {
                    "userid": p["userid"],
                    "name": p["name"],
                    "mobile": p["mobile"],
                    "pre_entry_time": p["pre_entry_time"],
                    "extend_info": json.dumps(p["extend_info"], ensure_ascii=False),
                }
                for p in self.preentries.values()  # creation order
            ]
        page, more = self._page(rows, offset, size)
        result: dict[str, Any] = {"data_list": page}
        if more:
            result["next_cursor"] = offset + size
        return self._ok(result=result)

    # -- custom robot ------------------------------------------------------------------------

    def _robot_rate(self, token: str, robot: dict[str, Any]) -> None:
        """20 messages per sliding minute; the first excess blocks the robot for 10 minutes."""
        now = self._rate_clock()
        with self.lock:
            sent: deque[float] = robot["sent"]
            while sent and sent[0] <= now - ROBOT_WINDOW_S:
                sent.popleft()
            if now < robot["blocked_until"] or len(sent) >= ROBOT_RATE:
                if now >= robot["blocked_until"]:
                    robot["blocked_until"] = now + ROBOT_BLOCK_S
                    sent.clear()
                self.over_limit["robot_rate"] += 1
                blocked = True
            else:
                sent.append(now)
                blocked = False
        if blocked:
            self._refuse(130101, "send too fast, exceed 20 times per minute")

    def _robot_sign(self, req: Request, secret: str) -> None:
        timestamp, sign = req.arg("timestamp") or "", req.arg("sign") or ""
        if (
            not timestamp.isdigit()
            or abs(self.now_ms() - int(timestamp)) > ROBOT_SIGN_SKEW_S * 1000
        ):
            self._refuse(310000, "sign not match, timestamp is invalid or expired")
        expected = robot_signature(secret, timestamp)
        if not hmac.compare_digest(sign.encode(), expected.encode()):
            self._refuse(310000, "sign not match")

    @route("POST", r"/robot/send")
    def robot_send(self, req: Request) -> Response:
        token = req.arg("access_token") or ""
        with self.lock:
            robot = self._robots.get(token)
        if robot is None:
            self._refuse(300001, "token is not exist")
        self._robot_rate(token, robot)
        if robot["secret"]:
            self._robot_sign(req, robot["secret"])
        body = self._body(req)
        problem = robot_problem(body)
        if problem:
            self._bad(problem)
        if robot["keywords"] and not has_keyword(body, robot["keywords"]):
            self._refuse(310000, "keywords not in content")
        with self.lock:
            self.robot_messages.append((token, body))
        return self._ok()


class _ApiHost(_Host):
    """api.dingtalk.com: /v1.0 endpoints over the simulator's shared state and faults.

    Error codes other than InvalidAuthentication and invalidClientIdOrSecret are unconfirmed.
    """

    system: ClassVar[str] = "dingtalk-api"

    def __init__(self, sim: DingTalkSimulator, host: str) -> None:
        super().__init__(sim.faults, host=host, port=0)
        self.sim = sim
        self.lock = sim.lock  # one lock, one call log, one set of counters for both hosts
        self.calls = sim.calls
        self.counters = sim.counters

    def _state(self) -> DingTalkSimulator:
        return self.sim

    # -- error formats (HTTP status + {code, message, requestid}) -------------------------

    def _error(self, status: int, code: str, message: str) -> Response:
        return Response(
            status, {"code": code, "message": message, "requestid": self.sim._request_id()}
        )

    def _refuse(self, status: int, code: str, message: str) -> NoReturn:
        raise Abort(self._error(status, code, message))

    def _throttled(self) -> Response:
        return self._error(429, "Throttling", "当前接口调用过于频繁")

    def fault_error(self) -> Response:
        return self._error(503, "ServiceUnavailable", "系统繁忙")

    def fault_rate_limited(self, retry_after: int) -> Response:
        resp = self._throttled()
        resp.headers["Retry-After"] = str(retry_after)
        return resp

    def not_found(self, req: Request) -> Response:
        return self._error(404, "ApiNotFound", f"api {req.path} not found")

    def method_not_allowed(self, req: Request, allowed: list[str]) -> Response:
        return self._error(405, "MethodNotAllowed", f"{req.method} is not allowed")

    def bad_json(self, req: Request, exc: BadJSON) -> Response:
        return self._error(400, "InvalidParameter", "请求体不是合法的JSON")

    def server_error(self, req: Request, exc: Exception) -> Response:
        return self._error(500, "InternalError", f"{type(exc).__name__}: {exc}")

    def _body(self, req: Request) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict):
            self._refuse(400, "InvalidParameter", "请求体必须是JSON对象")
        return body

    def _authorize(self, req: Request, scope: str | None = None) -> None:
        if self.sim._token_state(req.header("x-acs-dingtalk-access-token")) != "ok":
            self._refuse(401, "InvalidAuthentication", "不合法的access_token")
        if scope is not None and not self.sim._has_scope(scope):
            self._refuse(
                403,
                "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                "应用尚未开通智能人事权限",
            )

    # -- endpoints -----------------------------------------------------------------------

    @route("POST", r"/v1\.0/oauth2/accessToken")
    def access_token(self, req: Request) -> Response:
        body = self._body(req)
        key, secret = body.get("appKey"), body.get("appSecret")
        if not key or not secret:
            self._refuse(400, "MissingParameter", "appKey和appSecret必填")
        issued = self.sim._issue_token(key, secret)
        if issued is None:
            self._refuse(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        token, expires_in = issued
        return Response(200, {"accessToken": token, "expireIn": expires_in})

    @route("POST", r"/v1\.0/hrm/preentries")
    def preentries(self, req: Request) -> Response:
        self._authorize(req, SMARTWORK)
        body = self._body(req)
        when = body.get("preEntryTime")
        if when is not None and (not isinstance(when, int) or isinstance(when, bool)):
            self._refuse(400, "InvalidParameter", "preEntryTime必须是毫秒时间戳")
        try:
            record = self.sim._create_preentry(
                body.get("name"),
                body.get("mobile"),
                from_ms(when).strftime(TIME_FMT) if when is not None else None,
                source="api",
            )
        except _Refused as refused:
            self._refuse(400, refused.api_code, refused.errmsg)
        return Response(200, {"tmpUserId": record["userid"]})
