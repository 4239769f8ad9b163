"""DingTalk client: tokens, work notifications, users, attendance, smart HR, the group robot.

No Airflow here: the hook builds this client from a Connection, tests build it directly.
DingTalk has two hosts: the legacy `oapi` host (`?access_token=`, the `errcode` envelope on
HTTP 200) and the new `api` host (`/v1.0`, `x-acs-dingtalk-access-token`, HTTP status codes).
One app token serves both; it is cached process-wide (tokens.py) so concurrent tasks share it.

Writes return one `WriteOutcome` per record, in order:
- `work_notification`: recipients are resolved (mobile -> userid), messages rendered from
  notices.yaml, records with identical messages grouped and sent 100 recipients per call, then
  each task's send result read back so every recipient's fate is known: DingTalk "succeeds"
  even for unknown users and for users over a quota.
- `pre_entry`: looked up by mobile first, created only if absent (idempotent).
- `robot_notice`: signed (加签) messages to the hiring group's custom robot, 20 a minute.

Erasure (`erase("work_notification", ["<task id>:<userid>", ...])`): each task is recalled
(撤回) when it went to the erased candidate alone; DingTalk recalls only within 24 hours of
sending, so an older message, or one a call sent to other people too, is left to a person
(manual). A task DingTalk no longer knows is not found. Pre-entries and robot messages have no
delete API: connector.yaml hands them to a person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors._core.busy import CHINA, BusyInterval, Shift, busy_intervals
from connectors._core.erasure import ERASED, FAILED, MANUAL, NOT_FOUND, ErasureOutcome
from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    ConfigError,
    ConnectorError,
    DataContractError,
    RecordRejected,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.pagination import CursorPaginator, OffsetPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.tokens import TokenCache
from connectors._core.write import BatchBreaker, WriteOutcome
from connectors.dingtalk.notices import render_robot, render_work_notice

__all__ = ["DingTalkClient", "SendResult", "robot_sign"]

SYSTEM = "dingtalk"
# DingTalk returns the same token while it is valid: one cache per process, refetched five
# minutes before the stated expiry.
TOKENS = TokenCache(early_refresh_s=300.0)
LOCAL = "%Y-%m-%d %H:%M:%S"

# Documented caps (hr-system-apis.md §2): what one call may carry.
RECIPIENTS_PER_SEND = 100  # asyncsend_v2 userid_list
ATTENDANCE_USERS = 50  # /attendance/list and listRecord userIds
ATTENDANCE_WINDOW = timedelta(days=7)
SCHEDULE_PAGE = 200  # listschedule size
LEAVE_USERS, LEAVE_PAGE = 100, 20  # getleavestatus userid_list, size
ONJOB_PAGE = 50  # queryonjob size
ONJOB_STATUSES = "2,3,5,-1"  # probation, regular, leaving, none: everyone still employed

# Per-IP ceiling: 10,000 calls in 20 s, then a 5-minute ban. 10% headroom for clock skew.
IP_BUDGET = (9_000, 20.0)
# Custom robots take 20 messages a minute; one less leaves room for a call in flight.
ROBOT_BUDGET = (19, 60.0)

NO_TOKEN_PATHS = ("/gettoken", "/robot/send", "/v1.0/oauth2/")
QUOTA_CODES = {"143105"}  # a daily cap: tomorrow the same send is accepted
# What a refused recall says (its errcode is unconfirmed): a task DingTalk does not know, or
# one sent more than 24 hours ago.
RECALL_UNKNOWN, RECALL_TOO_OLD = "不存在", "24小时"
DELIVERED_CODES = {"143106"}  # same content already delivered today: the reader has it


@dataclass
class SendResult:
    """What DingTalk did with one work-notification task, per recipient."""

    task_id: int
    done: bool
    read: set[str] = field(default_factory=set)
    unread: set[str] = field(default_factory=set)
    invalid: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    forbidden: dict[str, str] = field(default_factory=dict)  # userid -> code

    @property
    def accounted(self) -> int:
        """Recipients DingTalk has settled one way or another."""
        lists = (self.read, self.unread, self.invalid, self.failed, set(self.forbidden))
        return len(set().union(*lists))

    @classmethod
    def from_body(cls, task_id: int, body: Mapping[str, Any], done: bool) -> SendResult:
        result = body.get("send_result")
        if not isinstance(result, Mapping):
            raise DataContractError(f"getsendresult for task {task_id} has no send_result")
        codes = {
            str(item.get("userid")): str(item.get("code"))
            for item in result.get("forbidden_list") or []
        }
        forbidden = {str(u): codes.get(str(u), "forbidden") for u in _ids(result, "forbidden")}
        return cls(
            task_id=task_id,
            done=done,
            read=_ids(result, "read"),
            unread=_ids(result, "unread"),
            invalid=_ids(result, "invalid"),
            failed=_ids(result, "failed"),
            forbidden=forbidden,
        )


def _ids(result: Mapping[str, Any], kind: str) -> set[str]:
    value = result.get(f"{kind}_user_id_list") or []
    if isinstance(value, str):  # older answers join ids with commas
        value = [v for v in value.split(",") if v]
    return {str(v) for v in value}


def robot_sign(secret: str, timestamp_ms: int) -> str:
    """加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), as the robot expects."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


_BUDGETS: dict[tuple[str, ...], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def _shared_budget(key: tuple[str, ...], calls: int, per_seconds: float) -> RateBudget:
    """Budgets are per app and per IP, not per client object: one per key per process."""
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None:
            budget = _BUDGETS[key] = RateBudget(calls, per_seconds)
        return budget


class DingTalkClient(ApiClient):
    """One DingTalk app (AppKey/AppSecret, AgentId) on the oapi host and the v1.0 api host."""

    def __init__(
        self,
        base_url: str,
        *,
        app_key: str,
        app_secret: str,
        agent_id: int | None = None,
        api_url: str | None = None,
        robot_token: str | None = None,
        robot_secret: str | None = None,
        page_size: int = 50,
        history_days: int = 31,
        result_wait_seconds: float = 10.0,
        now: Callable[[], datetime] | None = None,
        per_api_budget: tuple[int, float] | None = None,
        **kwargs: Any,
    ) -> None:
        if not app_key or not app_secret:
            raise ConfigError("the connection needs the AppKey (login) and AppSecret (password)")
        spec = get_connector(SYSTEM)
        kwargs.setdefault("error_table", ErrorTable.from_manifest(spec.errors))
        per_api = spec.rate_budget or {}
        super().__init__(base_url, system=SYSTEM, **kwargs)
        self.app_key = app_key
        self._app_secret = app_secret
        self.redactor.add_secret(app_secret)
        self.agent_id = agent_id
        self.api_url = (api_url or "").rstrip("/") or None
        self.robot_token = robot_token
        self._robot_secret = robot_secret
        for secret in (robot_token, robot_secret):
            self.redactor.add_secret(secret)
        self.page_size = max(1, min(int(page_size), ATTENDANCE_USERS))
        self.history_days = int(history_days)
        self.result_wait_seconds = float(result_wait_seconds)
        self._now = now or (lambda: datetime.now(CHINA))
        self._per_api = per_api_budget or (
            int(per_api.get("calls", 20)),
            float(per_api.get("per_seconds", 1)),
        )
        self._local = threading.local()
        self._userid_by_mobile: dict[str, str] = {}
        self._preentry_by_mobile: dict[str, str] | None = None

    # -- tokens -----------------------------------------------------------------------------

    @property
    def _token_key(self) -> tuple[str, str]:
        # The secret is part of the key: a client with a wrong secret must not borrow the
        # token another client fetched with the right one.
        digest = hashlib.sha256(self._app_secret.encode("utf-8")).hexdigest()[:16]
        return (self.base_url, f"{self.app_key}:{digest}")

    @property
    def _token(self) -> str | None:
        """The cached app token, if any (never logged: the redactor knows it)."""
        return TOKENS.peek(self._token_key)

    def _fetch_token(self) -> tuple[str, float]:
        body = self.request_json(
            "GET", "/gettoken", params={"appkey": self.app_key, "appsecret": self._app_secret}
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise DataContractError("/gettoken answered without an access_token", system=SYSTEM)
        self.redactor.add_secret(token)
        return str(token), float(body.get("expires_in") or 7200)

    def access_token(self) -> str:
        return TOKENS.get(self._token_key, self._fetch_token)

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        path = urlsplit(kwargs["url"]).path
        if path.startswith(NO_TOKEN_PATHS):
            return kwargs
        token = self.access_token()
        self._local.token = token
        if self.api_url and kwargs["url"].startswith(self.api_url):
            kwargs["headers"]["x-acs-dingtalk-access-token"] = token
        else:
            kwargs["params"]["access_token"] = token
        return kwargs

    def refresh_auth(self) -> bool:
        TOKENS.invalidate(self._token_key, getattr(self._local, "token", None))
        self.access_token()
        return True

    def acquire_budget(self, method: str, url: str) -> None:
        path = urlsplit(url).path
        if path == "/robot/send":
            _shared_budget(("robot", self.robot_token or ""), *ROBOT_BUDGET).acquire()
            return
        _shared_budget(("ip",), *IP_BUDGET).acquire()
        calls, per_seconds = self._per_api
        key = ("api", self.app_key, path, str(calls), str(per_seconds))
        _shared_budget(key, calls, per_seconds).acquire()

    # -- errors inside HTTP 200 -------------------------------------------------------------

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        if "json" not in resp.headers.get("Content-Type", ""):
            return None
        try:
            body = resp.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        top = body.get("error_response")  # TOP-style gateway answers
        if isinstance(top, dict):
            return str(top.get("code")), _with_sub(top.get("msg"), top)
        code = body.get("errcode")
        if code not in (None, 0, "0"):
            return str(code), _with_sub(body.get("errmsg"), body)
        if body.get("punish") == "deny":
            return str(body.get("status", "1111")), f"IP banned; wait {body.get('wait')} min"
        if resp.status_code >= 400 and body.get("code"):
            return str(body["code"]), str(body.get("message") or "")
        return None

    # -- the connector contract -------------------------------------------------------------

    def check(self) -> str:
        """Fetch a token and make one cheap authenticated call, for `test_connection`."""
        body = self.request_json("POST", "/topapi/attendance/getsimplegroups", json=_page(0, 1))
        groups = len((body.get("result") or {}).get("groups") or [])
        return f"connected as app {self.app_key}: token ok, {groups} attendance group(s) visible"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Raw punches (`listRecord`) of everyone employed, from `since` minus the overlap.

        listRecord takes at most 50 users and 7 days per call and does not page, so the read
        walks user chunks and 7-day windows; an empty answer yields nothing.
        """
        if stream != "punches":
            raise ConfigError(f"dingtalk has no stream {stream!r}", system=SYSTEM)
        end = self._now().astimezone(CHINA).replace(tzinfo=None, microsecond=0)
        if since:
            start = _parse_local(since) - timedelta(seconds=overlap_seconds)
        else:
            start = datetime.combine(
                end.date() - timedelta(days=self.history_days), datetime.min.time()
            )
        yield from self._punch_pages(self.onjob_userids(), start, end)

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """The punch time as local "yyyy-MM-dd HH:mm:ss": sortable, and what listRecord takes."""
        ms = record.get("userCheckTime")
        return _ms_to_local(ms).strftime(LOCAL) if isinstance(ms, int) else None

    # -- people -----------------------------------------------------------------------------

    def onjob_userids(self) -> list[str]:
        """Everyone employed (probation, regular, leaving): smart HR's queryonjob, paged."""
        ids: list[str] = []
        for page in self.paginate(
            "/topapi/smartwork/hrm/employee/queryonjob",
            method="POST",
            json={"status_list": ONJOB_STATUSES, "offset": 0, "size": ONJOB_PAGE},
            paginator=CursorPaginator("result.next_cursor", "offset", param_location="body"),
            data_selector="result.data_list",
        ):
            ids.extend(str(u) for u in page)
        return ids

    def department_userids(self, dept_id: int) -> list[str]:
        """The userids of one department's own members (user/listid; sub-departments are not
        included, 1 is the company's root); RecordRejected 60003 when DingTalk has no such
        department."""
        body = self.request_json("POST", "/topapi/user/listid", json={"dept_id": int(dept_id)})
        result = body.get("result") if isinstance(body, dict) else None
        userids = result.get("userid_list") if isinstance(result, dict) else None
        if not isinstance(userids, list):
            raise DataContractError("user/listid answered without a userid_list", system=SYSTEM)
        return [str(u) for u in userids]

    def userid_by_mobile(self, mobile: str) -> str:
        """The userid of an employee's mobile (cached); RecordRejected 60121 when none."""
        if mobile not in self._userid_by_mobile:
            body = self.request_json("POST", "/topapi/v2/user/getbymobile", json={"mobile": mobile})
            userid = (body.get("result") or {}).get("userid")
            if not userid:
                raise DataContractError("getbymobile answered without a userid", system=SYSTEM)
            self._userid_by_mobile[mobile] = str(userid)
        return self._userid_by_mobile[mobile]

    def userid_from_auth_code(self, code: str) -> str:
        """Who opened a link inside DingTalk: the in-app login code (免登) -> userid."""
        body = self.request_json("POST", "/topapi/v2/user/getuserinfo", json={"code": code})
        userid = (body.get("result") or {}).get("userid")
        if not userid:
            raise DataContractError("getuserinfo answered without a userid", system=SYSTEM)
        return str(userid)

    # -- attendance -------------------------------------------------------------------------

    def schedules(self, day: date) -> list[dict[str, Any]]:
        """Every planned check of one day (listschedule, 200 a page)."""
        rows: list[dict[str, Any]] = []
        for page in self.paginate(
            "/topapi/attendance/listschedule",
            method="POST",
            json={"workDate": f"{day.isoformat()} 00:00:00", "offset": 0, "size": SCHEDULE_PAGE},
            paginator=OffsetPaginator(
                "offset", "size", SCHEDULE_PAGE, "result.has_more", param_location="body"
            ),
            data_selector="result.schedules",
        ):
            rows.extend(page)
        return rows

    def leave(
        self, userids: Sequence[str], start: datetime, end: datetime
    ) -> list[tuple[str, datetime, datetime]]:
        """Approved leave overlapping [start, end): getleavestatus, 100 users, 20 a page."""
        out = []
        for chunk in _chunks(list(userids), LEAVE_USERS):
            for page in self.paginate(
                "/topapi/attendance/getleavestatus",
                method="POST",
                json={
                    "userid_list": ",".join(chunk),
                    "start_time": _to_ms(start),
                    "end_time": _to_ms(end),
                    "offset": 0,
                    "size": LEAVE_PAGE,
                },
                paginator=OffsetPaginator(
                    "offset", "size", LEAVE_PAGE, "result.has_more", param_location="body"
                ),
                data_selector="result.leave_status",
            ):
                for row in page:
                    out.append(
                        (
                            str(row["userid"]),
                            _ms_to_aware(row["start_time"]),
                            _ms_to_aware(row["end_time"]),
                        )
                    )
        return out

    def punches(
        self, userids: Sequence[str], start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """Raw punches of some users in [start, end] (listRecord, 50 users x 7 days a call)."""
        lo = start.astimezone(CHINA).replace(tzinfo=None, microsecond=0)
        hi = end.astimezone(CHINA).replace(tzinfo=None, microsecond=0)
        return [row for page in self._punch_pages(list(userids), lo, hi) for row in page]

    def _punch_pages(
        self, userids: Sequence[str], start: datetime, end: datetime
    ) -> Iterator[list[dict[str, Any]]]:
        """listRecord over naive local [start, end]: 50 users x 7 days a call, no paging."""
        for chunk in _chunks(list(userids), ATTENDANCE_USERS):
            for window_start, window_end in _windows(start, end, ATTENDANCE_WINDOW):
                body = self.request_json(
                    "POST",
                    "/attendance/listRecord",
                    json={
                        "userIds": chunk,
                        "checkDateFrom": window_start.strftime(LOCAL),
                        "checkDateTo": window_end.strftime(LOCAL),
                    },
                )
                records = _list_at(body, "recordresult")
                if records:
                    yield records

    def busy_intervals(
        self, userids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """When each person cannot interview in [start, end): off shift, on leave, gone today."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ConfigError("busy_intervals needs timezone-aware start and end", system=SYSTEM)
        wanted = set(userids)
        shifts: list[Shift] = []
        day = start.astimezone(CHINA).date()
        while day <= (end - timedelta(microseconds=1)).astimezone(CHINA).date():
            shifts.extend(
                _shifts(day, (s for s in self.schedules(day) if s.get("userid") in wanted))
            )
            day += timedelta(days=1)
        now = self._now()
        punch_end = min(end, now)
        rows = self.punches(userids, start, punch_end) if punch_end > start else []
        punches = [
            (str(r["userId"]), _ms_to_aware(r["userCheckTime"]), str(r.get("checkType")))
            for r in rows
        ]
        return busy_intervals(
            userids,
            start,
            end,
            shifts=shifts,
            leave=self.leave(userids, start, end),
            punches=punches,
            now=now,
        )

    # -- writes -----------------------------------------------------------------------------

    def write(self, operation: str, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        """One outcome per record, in order (see the module docstring)."""
        writers = {
            "work_notification": self._write_notifications,
            "pre_entry": self._write_pre_entries,
            "robot_notice": self._write_robot_notices,
        }
        if operation not in writers:
            raise ConfigError(
                f"dingtalk has no operation {operation!r} (known: {', '.join(writers)})",
                system=SYSTEM,
            )
        return writers[operation](records)

    # work notifications

    def send_work_notification(self, userids: Sequence[str], msg: Mapping[str, Any]) -> int:
        """One asyncsend_v2 call to at most 100 users; the task id."""
        if not self.agent_id:
            raise ConfigError("set agent_id in the connection to send work notifications")
        if not 1 <= len(userids) <= RECIPIENTS_PER_SEND:
            raise ValueError(f"one send takes 1 to {RECIPIENTS_PER_SEND} users, not {len(userids)}")
        body = self.request_json(
            "POST",
            "/topapi/message/corpconversation/asyncsend_v2",
            json={"agent_id": self.agent_id, "userid_list": ",".join(userids), "msg": dict(msg)},
        )
        task_id = body.get("task_id")
        if task_id is None:
            raise DataContractError("asyncsend_v2 answered without a task_id", system=SYSTEM)
        return int(task_id)

    def send_result(
        self, task_id: int, *, expected: int = 0, wait: float | None = None
    ) -> SendResult:
        """The task's per-recipient result. Once `expected` recipients are accounted for it is
        final; until then the progress call says whether DingTalk is done, polled for up to
        `wait` s (default `result_wait_seconds`). Not done by then: `done` is False."""
        deadline = time.monotonic() + (self.result_wait_seconds if wait is None else wait)
        args = {"agent_id": self.agent_id, "task_id": task_id}
        path = "/topapi/message/corpconversation/"
        while True:
            body = self.request_json("POST", path + "getsendresult", json=args)
            result = SendResult.from_body(task_id, body, done=False)
            if expected and result.accounted >= expected:
                result.done = True
                return result
            progress = self.request_json("POST", path + "getsendprogress", json=args)
            if (progress.get("progress") or {}).get("status") == 2:
                body = self.request_json("POST", path + "getsendresult", json=args)
                return SendResult.from_body(task_id, body, done=True)
            if time.monotonic() >= deadline:
                return result
            time.sleep(0.2)

    def recall(self, task_id: int) -> None:
        """Take back a work notification (e.g. an invitation to a cancelled slot)."""
        self.request_json(
            "POST",
            "/topapi/message/corpconversation/recall",
            json={"agent_id": self.agent_id, "msg_task_id": task_id},
        )

    def erase(
        self, kind: str, remote_ids: Sequence[str], *, subject_id: str
    ) -> list[ErasureOutcome]:
        """Recall the work notifications the hub sent to an erased candidate (remote ids
        "<task id>:<userid>", as their receipts hold them): one outcome per id, see the module
        docstring. A failure to reach DingTalk is a failed outcome, retried by a later call."""
        if kind != "work_notification":
            raise ConfigError(
                f"dingtalk erases work notifications only, not {kind!r} (connector.yaml)",
                system=SYSTEM,
            )
        tasks: dict[int, list[tuple[str, str]]] = {}
        outcomes: dict[str, ErasureOutcome] = {}
        for remote_id in remote_ids:
            task, _, userid = str(remote_id).partition(":")
            if not task.isdigit() or not userid:
                outcomes[remote_id] = ErasureOutcome(
                    remote_id, MANUAL, "not a work-notification id (<task id>:<userid>)"
                )
                continue
            tasks.setdefault(int(task), []).append((remote_id, userid))
        for task_id, entries in tasks.items():
            answer = self._recall_alone(task_id, {userid for _, userid in entries})
            for remote_id, _ in entries:
                outcomes[remote_id] = ErasureOutcome(remote_id, *answer)
        return [outcomes[r] for r in remote_ids]

    def _recall_alone(self, task_id: int, ours: set[str]) -> tuple[str, str]:
        """(status, detail) of recalling one task if only `ours` received it."""
        try:
            result = self.send_result(task_id)
            if not result.done:  # its recipients are not all known yet: never guess
                return FAILED, f"DingTalk is still sending task {task_id}; ask again later"
            others = (result.read | result.unread | set(result.forbidden)) - ours
            if others:
                return MANUAL, (
                    f"task {task_id} went to {len(others)} other people in the same call: "
                    "recalling it would take it from them too; it stays in the candidate's "
                    "DingTalk chat, which they can delete themselves"
                )
            self.recall(task_id)
        except RecordRejected as exc:
            if RECALL_UNKNOWN in str(exc):
                return NOT_FOUND, f"DingTalk no longer knows task {task_id}"
            if RECALL_TOO_OLD in str(exc):
                return MANUAL, (
                    f"task {task_id}: DingTalk recalls a work notification only within 24 "
                    "hours of sending; it stays in the candidate's DingTalk chat, which they "
                    "can delete themselves"
                )
            return FAILED, str(exc)
        except ConnectorError as exc:
            return FAILED, str(exc)
        return ERASED, f"work notification task {task_id} recalled"

    def _write_notifications(self, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        outcomes: dict[int, WriteOutcome] = {}
        groups: dict[str, tuple[dict[str, Any], list[tuple[int, str]]]] = {}
        ids = {index: _record_id(record, index) for index, record in enumerate(records)}
        # A recipient's daily cap is about that recipient: the other chunks still go out.
        breaker = BatchBreaker(SYSTEM, per_record_codes=QUOTA_CODES)
        for index, record in enumerate(records):
            if breaker.tripped:
                outcomes[index] = breaker.not_sent(index, ids[index])
                continue
            try:
                userid = self._recipient(record, index)
                msg = render_work_notice(
                    str(record.get("template") or ""),
                    str(record.get("language") or "zh"),
                    record.get("params") or {},
                    record_id=ids[index],
                )
            except ConnectorError as exc:
                breaker.trip_on(exc, ids[index])
                outcomes[index] = WriteOutcome(index, False, error=exc)
                continue
            key = json.dumps(msg, ensure_ascii=False, sort_keys=True)
            groups.setdefault(key, (msg, []))[1].append((index, userid))

        # Send and settle alternately: the result of a task is read while the next chunk goes
        # out, so both APIs' budgets are used and DingTalk has had a moment to finish.
        pending: deque[tuple[int, list[tuple[int, str]]]] = deque()
        for msg, members in groups.values():
            for chunk in _chunks(members, RECIPIENTS_PER_SEND):
                if breaker.tripped:
                    outcomes.update((i, breaker.not_sent(i, ids[i])) for i, _ in chunk)
                    continue
                userids = list(dict.fromkeys(u for _, u in chunk))
                try:
                    pending.append((self.send_work_notification(userids, msg), chunk))
                except (RecordRejected, RetriableError, DataContractError) as exc:
                    breaker.trip_on(exc, _call_of(chunk, ids))
                    for index, _ in chunk:
                        outcomes[index] = WriteOutcome(index, False, error=exc)
                if len(pending) > 1:
                    self._settle(*pending.popleft(), outcomes)
        while pending:
            self._settle(*pending.popleft(), outcomes)
        return [outcomes[i] for i in range(len(records))]

    def _settle(
        self, task_id: int, chunk: list[tuple[int, str]], outcomes: dict[int, WriteOutcome]
    ) -> None:
        expected = len({userid for _, userid in chunk})
        try:
            result = self.send_result(task_id, expected=expected)
        except RetriableError as exc:
            # The messages went out; only their result is unknown. Resending is harmless
            # (DingTalk drops the same content to the same user within a day), so retry.
            for index, _ in chunk:
                outcomes[index] = WriteOutcome(index, False, error=exc)
            return
        for index, userid in chunk:
            outcomes[index] = self._recipient_outcome(index, userid, result)

    def _recipient(self, record: Mapping[str, Any], index: int) -> str:
        userid = record.get("userid")
        if userid:
            return str(userid)
        mobile = record.get("mobile")
        if not mobile:
            raise RecordRejected(
                "a work notification needs a userid or a mobile",
                system=SYSTEM,
                record_id=_record_id(record, index),
                field="userid",
            )
        try:
            return self.userid_by_mobile(str(mobile))
        except RecordRejected as exc:
            exc.record_id, exc.field = _record_id(record, index), "mobile"
            raise

    def _recipient_outcome(self, index: int, userid: str, result: SendResult) -> WriteOutcome:
        remote_id = f"{result.task_id}:{userid}"
        if userid in result.invalid:
            error: ConnectorError = RecordRejected(
                f"DingTalk lists user {userid} as invalid (unknown or departed)",
                system=SYSTEM,
                vendor_code="invalid_user_id_list",
                field="userid",
            )
        elif userid in result.forbidden:
            code = result.forbidden[userid]
            if code in DELIVERED_CODES:
                return WriteOutcome(index, True, remote_id=remote_id)
            if code in QUOTA_CODES:
                error = RetriableError(
                    f"user {userid} reached today's message quota",
                    system=SYSTEM,
                    vendor_code=code,
                    retry_after=_seconds_to_midnight(self._now()),
                )
            else:
                error = RecordRejected(
                    f"DingTalk refused to deliver to user {userid}",
                    system=SYSTEM,
                    vendor_code=code,
                    field="userid",
                )
        elif userid in result.failed:
            error = RetriableError(
                f"DingTalk failed to deliver to user {userid}",
                system=SYSTEM,
                vendor_code="failed_user_id_list",
            )
        else:
            return WriteOutcome(index, True, remote_id=remote_id)
        return WriteOutcome(index, False, error=error)

    # pre-entry

    def _write_pre_entries(self, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        outcomes = []
        breaker = BatchBreaker(SYSTEM)
        for index, record in enumerate(records):
            if breaker.tripped:
                outcomes.append(breaker.not_sent(index, _record_id(record, index)))
                continue
            try:
                outcomes.append(WriteOutcome(index, True, remote_id=self.add_pre_entry(record)))
            except (RecordRejected, RetriableError, DataContractError) as exc:
                exc.record_id = exc.record_id or _record_id(record, index)
                breaker.trip_on(exc)
                outcomes.append(WriteOutcome(index, False, error=exc))
        return outcomes

    def find_person_by_mobile(self, mobile: str) -> str | None:
        """The userid of an employee or pre-entry with this mobile, or None."""
        try:
            return self.userid_by_mobile(mobile)
        except RecordRejected as exc:
            if exc.vendor_code != "60121":
                raise
        return self._preentries().get(mobile)

    def add_pre_entry(self, record: Mapping[str, Any]) -> str:
        """Create a smart-HR pre-entry unless one (or an employee) has this mobile; the userid."""
        mobile = str(record.get("mobile") or "")
        if not mobile or not record.get("name"):
            missing = "mobile" if not mobile else "name"
            raise RecordRejected(f"a pre-entry needs a {missing}", system=SYSTEM, field=missing)
        existing = self.find_person_by_mobile(mobile)
        if existing:
            return existing
        param: dict[str, Any] = {"name": record["name"], "mobile": mobile}
        if record.get("pre_entry_time"):
            param["pre_entry_time"] = _local_time_text(str(record["pre_entry_time"]))
        if record.get("op_userid"):
            param["op_userid"] = record["op_userid"]
        if record.get("extend_info"):
            param["extend_info"] = json.dumps(record["extend_info"], ensure_ascii=False)
        try:
            body = self.request_json(
                "POST", "/topapi/smartwork/hrm/employee/addpreentry", json={"param": param}
            )
        except RecordRejected as exc:
            if exc.vendor_code == "60104":  # registered meanwhile (a retried call landed)
                self._preentry_by_mobile = None
                found = self.find_person_by_mobile(mobile)
                if found:
                    return found
            if exc.vendor_code == "40104":
                exc.field = "mobile"
            raise
        userid = body.get("userid")
        if not userid:
            raise DataContractError("addpreentry answered without a userid", system=SYSTEM)
        self._preentries()[mobile] = str(userid)
        return str(userid)

    def _preentries(self) -> dict[str, str]:
        if self._preentry_by_mobile is None:
            found: dict[str, str] = {}
            for page in self.paginate(
                "/topapi/smartwork/hrm/employee/querypreentry",
                method="POST",
                json={"offset": 0, "size": ONJOB_PAGE},
                paginator=CursorPaginator("result.next_cursor", "offset", param_location="body"),
                data_selector="result.data_list",
            ):
                found.update({str(p.get("mobile")): str(p.get("userid")) for p in page})
            self._preentry_by_mobile = found
        return self._preentry_by_mobile

    # group robot

    def robot_send(self, body: Mapping[str, Any]) -> None:
        """Post one message to the hiring group's custom robot, signed when it has a secret."""
        if not self.robot_token:
            raise ConfigError("set robot_token in the connection to post to the hiring group")
        params: dict[str, Any] = {"access_token": self.robot_token}
        if self._robot_secret:
            timestamp = int(self._now().timestamp() * 1000)
            params["timestamp"] = timestamp
            params["sign"] = robot_sign(self._robot_secret, timestamp)
        self.request_json("POST", "/robot/send", params=params, json=dict(body))

    def _write_robot_notices(self, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        outcomes = []
        breaker = BatchBreaker(SYSTEM)
        for index, record in enumerate(records):
            if breaker.tripped:
                outcomes.append(breaker.not_sent(index, _record_id(record, index)))
                continue
            try:
                body = render_robot(
                    str(record.get("template") or ""),
                    str(record.get("language") or "zh"),
                    record.get("params") or {},
                    at_mobiles=list(record.get("at_mobiles") or []),
                    record_id=_record_id(record, index),
                )
                self.robot_send(body)
            except (RecordRejected, RetriableError, DataContractError) as exc:
                breaker.trip_on(exc, _record_id(record, index))
                outcomes.append(WriteOutcome(index, False, error=exc))
                continue
            outcomes.append(WriteOutcome(index, True, remote_id=self.robot_token))
        return outcomes


# -- small helpers -----------------------------------------------------------------------------


def _with_sub(message: Any, body: Mapping[str, Any]) -> str:
    text = str(message or "")
    if body.get("sub_code"):
        text += f" (sub_code {body['sub_code']}: {body.get('sub_msg') or ''})"
    return text


def _page(offset: int, size: int) -> dict[str, int]:
    return {"offset": offset, "size": size}


def _list_at(body: Any, key: str) -> list[dict[str, Any]]:
    value = body.get(key) if isinstance(body, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataContractError(
            f"{key!r} is a {type(value).__name__}, expected a list", system=SYSTEM
        )
    return value


def _record_id(record: Mapping[str, Any], index: int) -> str:
    return str(record.get("canonical_id") or record.get("record_id") or f"#{index}")


def _call_of(chunk: Sequence[tuple[int, str]], ids: Mapping[int, str]) -> str:
    """Names one send call by its records, for the message of the ones not sent after it."""
    first = ids[chunk[0][0]]
    return first if len(chunk) == 1 else f"{first} and {len(chunk) - 1} more in the same call"


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _windows(
    start: datetime, end: datetime, width: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """[start, end] cut into windows no wider than `width`, touching but not overlapping."""
    cursor = start
    while cursor <= end:
        stop = min(cursor + width - timedelta(seconds=1), end)
        yield cursor, stop
        cursor = stop + timedelta(seconds=1)


def _parse_local(value: str) -> datetime:
    try:
        return datetime.strptime(value, LOCAL)
    except ValueError as exc:
        raise DataContractError(f"watermark {value!r} is not {LOCAL}", system=SYSTEM) from exc


def _local_time_text(value: str) -> str:
    """DingTalk's request time format; a bare date means the start of that day."""
    return f"{value} 00:00:00" if len(value) == 10 else value


def _ms_to_aware(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, CHINA)


def _ms_to_local(ms: int) -> datetime:
    return _ms_to_aware(ms).replace(tzinfo=None)


def _to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _shifts(day: date, rows: Iterator[Mapping[str, Any]]) -> list[Shift]:
    """OnDuty/OffDuty plan times of one day -> one shift per user."""
    plans: dict[str, dict[str, datetime]] = {}
    for row in rows:
        when = datetime.strptime(str(row["plan_check_time"]), LOCAL).replace(tzinfo=CHINA)
        plans.setdefault(str(row["userid"]), {})[str(row.get("check_type"))] = when
    return [
        Shift(userid, day, p["OnDuty"], p["OffDuty"])
        for userid, p in plans.items()
        if "OnDuty" in p and "OffDuty" in p
    ]


def _seconds_to_midnight(now: datetime) -> float:
    local = now.astimezone(CHINA)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), CHINA)
    return max(1.0, (midnight - local).total_seconds())
