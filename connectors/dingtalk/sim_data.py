"""Seed data for the DingTalk simulator: the staff list, each person's attendance day, and
how DingTalk renders them; plus the pure checks of message bodies.

Split from `simulator.py` because none of it is HTTP or state: these are pure functions.
The staff list is built once (fast enough for 100,000 people), but attendance is not stored:
a person's day (results, punches, leave) is computed when asked for, from a hash of
(seed, userid, date), so it is the same on every call and costs nothing for people nobody
asks about. Ids are arithmetic on (kind, date, person, check), so they are unique without a
registry. Times are naive China local (UTC+8) datetimes; the wire wants epoch milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache, partial
from typing import Any

__all__ = [
    "ATTENDANCE_USERS",
    "CHINA",
    "DEPARTMENTS",
    "PLAN",
    "PLAN_TIMES",
    "SEEDED_DAYS",
    "STATUS_LABELS",
    "TIME_FMT",
    "AttendanceDay",
    "Check",
    "Leave",
    "attendance_day",
    "from_ms",
    "is_workday",
    "leave_on",
    "planted_users",
    "row_id",
    "seed_users",
    "seeded_days",
    "to_ms",
    "unit",
]

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FMT = "%Y-%m-%d %H:%M:%S"
DATE_FMT = "%Y-%m-%d"
_EPOCH_LOCAL = datetime(1970, 1, 1, 8, 0, 0)  # the Unix epoch on a China wall clock

SEEDED_DAYS = 14  # calendar days of history up to and including as_of's date
ATTENDANCE_USERS = 60  # the first this many people are in attendance group 1
ON_DUTY, OFF_DUTY = "OnDuty", "OffDuty"
PLAN_TIMES = {ON_DUTY: time(9, 0), OFF_DUTY: time(18, 0)}
LEAVE_SHARE = 0.05  # about 1 in 20 workdays of a person is approved leave
DEPARTED_SHARE = 0.02

# dept_id -> (name, parent); 1 is the company itself.
DEPARTMENTS: dict[int, tuple[str, int | None]] = {
    1: ("hrhub示例科技有限公司", None),
    2: ("研发部", 1),
    3: ("人力资源部", 1),
    4: ("销售部", 1),
    5: ("财务部", 1),
}
POSITIONS = {
    1: ("总经理", "行政助理"),
    2: ("软件工程师", "软件工程师", "高级工程师", "测试工程师"),
    3: ("招聘专员", "HRBP"),
    4: ("销售代表", "销售代表", "客户经理"),
    5: ("会计", "出纳"),
}
# (dept_id, weight): most people sit in a department, a few directly under the company.
_DEPT_WEIGHTS = ((2, 40), (4, 32), (3, 10), (5, 13), (1, 5))
STATUS_LABELS = {2: "试用", 3: "正式", 5: "待离职", -1: "无状态"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN_NAMES = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "浩然", "子涵", "雨萱", "思远", "嘉怡",
    "宇轩", "欣怡", "梓萱", "俊杰", "晓东", "海燕", "建国", "文博", "一诺",
]  # fmt: skip
ENGLISH_NAMES = [
    "David Miller", "Emily Clark", "Michael Brown", "Sarah Lee", "Kevin Zhang", "Grace Liu",
    "Tom Wilson", "Anna Schmidt",
]  # fmt: skip


# -- time -----------------------------------------------------------------------------------


def to_ms(local: datetime) -> int:
    """Epoch milliseconds of a naive China local time (exact integer arithmetic)."""
    return (local - _EPOCH_LOCAL) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """The naive China local time of epoch milliseconds."""
    return _EPOCH_LOCAL + timedelta(milliseconds=ms)


def seeded_days(as_of: datetime) -> list[date]:
    """The calendar days that have attendance history: SEEDED_DAYS up to as_of's date."""
    last = as_of.date()
    return [last - timedelta(days=n) for n in range(SEEDED_DAYS - 1, -1, -1)]


# -- deterministic hashing ------------------------------------------------------------------


def unit(seed: int, *parts: object) -> float:
    """A float in [0, 1) fixed by (seed, parts): stable across runs and processes."""
    key = "|".join(map(str, (seed, *parts))).encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _uuid_like(seed: int, *parts: object) -> str:
    h = hashlib.blake2b("|".join(map(str, (seed, *parts))).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Id kinds: results, punch records, schedule plans, leave approvals.
RESULT, RECORD, PLAN, APPROVE = 1, 2, 3, 4


def row_id(kind: int, day: date, index: int, check: int) -> int:
    """A unique positive id below 2**53 for (kind, day, person index, check 0/1)."""
    return kind * 10**13 + (day.toordinal() - 730_000) * 10**8 + index * 2 + check


# -- staff ----------------------------------------------------------------------------------


def seed_users(seed: int, count: int, today: date) -> list[dict[str, Any]]:
    """`count` people of one corp, the same for the same seed.

    The first ATTENDANCE_USERS are on the job and in attendance group 1. About 2% of the
    rest have left ("departed"); if none did, the last person has, so tests always have one.
    """
    rng = random.Random(seed)
    userids = rng.sample(range(10**12), count)
    mobiles = rng.sample(range(10**9), count)
    depts = [d for d, _ in _DEPT_WEIGHTS]
    cum_weights = []
    total = 0
    for _, weight in _DEPT_WEIGHTS:
        total += weight
        cum_weights.append(total)
    users = []
    for i in range(count):
        english = rng.random() < 0.06
        name = (
            rng.choice(ENGLISH_NAMES) if english else rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        )
        dept = rng.choices(depts, cum_weights=cum_weights)[0]
        roll = rng.random()
        status: int | str = 3 if roll < 0.8 else 2 if roll < 0.9 else 5 if roll < 0.95 else -1
        if i >= ATTENDANCE_USERS and rng.random() < DEPARTED_SHARE:
            status = "departed"
        days_ago = rng.randint(5, 89) if status == 2 else rng.randint(90, 4000)
        users.append(
            {
                "userid": f"{userids[i]:012d}",
                "name": name,
                "mobile": f"13{mobiles[i]:09d}",
                "dept_id": dept,
                "position": rng.choice(POSITIONS[dept]),
                "status": status,
                "hired_date": (today - timedelta(days=days_ago)).strftime(DATE_FMT),
                "attendance": i < ATTENDANCE_USERS and status != "departed",
            }
        )
    if count >= 2 and not any(u["status"] == "departed" for u in users):
        users[-1]["status"] = "departed"
        users[-1]["attendance"] = False
    return users


def planted_users(
    extra: Iterable[Mapping[str, Any]], start: int, today: date
) -> list[dict[str, Any]]:
    """People added after the `start` seeded ones, each a mapping of user fields (name, mobile,
    ...) replacing the defaults: on the job in department 2, with no attendance group (so no
    shift: never booked as an interviewer). Used to seed recognisable test data."""
    planted = []
    for n, fields in enumerate(extra):
        user = {
            "userid": f"{9 * 10**11 + start + n:012d}",
            "name": f"planted{n}",
            "mobile": f"19{start + n:09d}",
            "dept_id": 2,
            "position": POSITIONS[2][0],
            "status": 3,
            "hired_date": (today - timedelta(days=400)).strftime(DATE_FMT),
            "attendance": False,
        }
        unknown = sorted(set(fields) - set(user))
        if unknown:
            raise ValueError(f"extra_users[{n}]: a user has no {', '.join(unknown)}")
        planted.append(user | dict(fields))
    return planted


# -- attendance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Leave:
    """A whole workday of approved leave (09:00-18:00)."""

    proc_inst_id: str
    approve_id: int
    start: datetime
    end: datetime
    sub_type: str  # 事假 | 年假


@dataclass(frozen=True)
class Check:
    """One planned check (OnDuty/OffDuty) of a person's day, as result and/or raw punch."""

    check_type: str
    plan: datetime
    time_result: str  # Normal | Late | Early | NotSigned
    location_result: str  # Normal | Outside | NotSigned
    source_type: str  # USER (a punch) | SYSTEM (no punch) | APPROVE (leave)
    user_time: datetime  # the punch; the plan time when there is none
    record_id: int | None  # the punch record; None without a punch
    proc_inst_id: str | None  # the leave approval, if any
    result_id: int
    plan_id: int


@dataclass(frozen=True)
class AttendanceDay:
    results: tuple[Check, ...] = ()
    punches: tuple[Check, ...] = ()
    leave: Leave | None = None


EMPTY_DAY = AttendanceDay()


def is_workday(day: date) -> bool:
    return day.weekday() < 5


def leave_on(seed: int, userid: str, index: int, day: date) -> Leave | None:
    """Approved leave of an attendance person on a workday (past or planned), else None."""
    if not is_workday(day) or unit(seed, "leave", userid, day) >= LEAVE_SHARE:
        return None
    return Leave(
        proc_inst_id=_uuid_like(seed, "proc", userid, day),
        approve_id=row_id(APPROVE, day, index, 0),
        start=datetime.combine(day, PLAN_TIMES[ON_DUTY]),
        end=datetime.combine(day, PLAN_TIMES[OFF_DUTY]),
        sub_type="年假" if unit(seed, "leave-type", userid, day) < 0.4 else "事假",
    )


def _draw_punch(rng: random.Random, check_type: str, plan: datetime) -> tuple[str, datetime | None]:
    """(timeResult, punch time or None). Always consumes the same number of draws.

    Late and Early are unconfirmed values (the dossier saw Normal and NotSigned only)."""
    roll, minutes = rng.random(), rng.random()
    if check_type == ON_DUTY:
        if roll < 0.03:
            return "NotSigned", None
        if roll < 0.11:
            return "Late", plan + timedelta(seconds=60 + int(minutes * 49 * 60))
        return "Normal", plan - timedelta(seconds=1 + int(minutes * 40 * 60))
    if roll < 0.04:
        return "NotSigned", None
    if roll < 0.10:
        return "Early", plan - timedelta(seconds=60 + int(minutes * 59 * 60))
    return "Normal", plan + timedelta(seconds=int(minutes * 105 * 60))


@lru_cache(maxsize=16384)
def attendance_day(seed: int, userid: str, index: int, day: date, as_of: datetime) -> AttendanceDay:
    """Results and punches of an attendance person on one seeded day, as known at `as_of`.

    Results exist for plan times already past; a punch that would come after `as_of` has not
    happened yet, so its result reads NotSigned for now. Leave days have results from the
    approval and no punches. Days outside the seeded history and weekends are empty.
    """
    if not is_workday(day) or not as_of.date() - timedelta(SEEDED_DAYS - 1) <= day <= as_of.date():
        return EMPTY_DAY
    leave = leave_on(seed, userid, index, day)
    rng = random.Random(f"{seed}|day|{userid}|{day}")
    results: list[Check] = []
    punches: list[Check] = []
    for n, check_type in enumerate((ON_DUTY, OFF_DUTY)):
        plan = datetime.combine(day, PLAN_TIMES[check_type])
        check = partial(
            Check, check_type, plan, result_id=row_id(RESULT, day, index, n),
            plan_id=row_id(PLAN, day, index, n),
        )  # fmt: skip
        if leave is not None:
            if plan <= as_of:
                results.append(check("Normal", "Normal", "APPROVE", plan, None, leave.proc_inst_id))
            continue
        time_result, punch = _draw_punch(rng, check_type, plan)
        location = "Outside" if rng.random() < 0.05 else "Normal"
        if punch is not None and punch <= as_of:
            record_id = row_id(RECORD, day, index, n)
            punches.append(check(time_result, location, "USER", punch, record_id, None))
            if plan <= as_of:
                results.append(punches[-1])
        elif plan <= as_of:  # no punch (yet): the system marks the check missed
            results.append(check("NotSigned", "NotSigned", "SYSTEM", plan, None, None))
    return AttendanceDay(tuple(results), tuple(punches), leave)


# -- how DingTalk renders the data ------------------------------------------------------------

CLASS_ID, CLASS_SETTING_ID = 700_001, 800_001
GROUPS = (  # (group_id, name, has the attendance people)
    (1, "总部考勤组", True),
    (2, "销售外勤组", False),
)
OFFICE = ("上海市浦东新区世纪大道100号", 31.2397, 121.4998)
OUTSIDE = ("上海市徐汇区漕溪北路88号", 31.1886, 121.4365)
HRM_FIELDS = {  # field_code -> (field_name, group_id)
    "sys00-name": ("姓名", "sys00"),
    "sys00-mobile": ("手机号", "sys00"),
    "sys00-dept": ("部门", "sys00"),
    "sys00-position": ("职位", "sys00"),
    "sys01-employeeStatus": ("员工状态", "sys01"),
    "sys00-confirmJoinTime": ("入职时间", "sys00"),
}


def _midnight_ms(day: date) -> int:
    return to_ms(datetime.combine(day, time()))


def result_row(userid: str, day: date, check: Check) -> dict[str, Any]:
    """One row of /attendance/list (camelCase, epoch ms)."""
    row: dict[str, Any] = {
        "id": check.result_id,
        "userId": userid,
        "workDate": _midnight_ms(day),
        "checkType": check.check_type,
        "timeResult": check.time_result,
        "locationResult": check.location_result,
        "baseCheckTime": to_ms(check.plan),
        "userCheckTime": to_ms(check.user_time),
        "sourceType": check.source_type,
        "groupId": 1,
        "planId": check.plan_id,
    }
    if check.record_id is not None:
        row["recordId"] = check.record_id
    if check.proc_inst_id is not None:
        row["procInstId"] = check.proc_inst_id
    return row


def punch_row(seed: int, userid: str, day: date, check: Check) -> dict[str, Any]:
    """One raw punch of /attendance/listRecord: where, on which device, uploaded when."""
    address, lat, lng = OUTSIDE if check.location_result == "Outside" else OFFICE
    jitter = (unit(seed, "geo", check.record_id) - 0.5) / 1000
    created = to_ms(check.user_time) + 1000 + int(unit(seed, "upload", check.record_id) * 9000)
    return {
        "id": check.record_id,
        "userId": userid,
        "checkType": check.check_type,
        "sourceType": check.source_type,
        "timeResult": check.time_result,
        "baseCheckTime": to_ms(check.plan),
        "userCheckTime": to_ms(check.user_time),
        "workDate": _midnight_ms(day),
        "deviceId": hashlib.md5(f"device|{userid}".encode()).hexdigest(),
        "userAddress": address,
        "userLatitude": round(lat + jitter, 6),
        "userLongitude": round(lng + jitter, 6),
        "isLegal": "Y",
        "gmtCreate": created,
        "gmtModified": created,
    }


def updatedata_lists(record: AttendanceDay) -> dict[str, list[dict[str, Any]]]:
    """getupdatedata's three lists of one day (snake_case, "yyyy-MM-dd HH:mm:ss")."""
    results = []
    for c in record.results:
        item: dict[str, Any] = {
            "check_type": c.check_type,
            "time_result": c.time_result,
            "location_result": c.location_result,
            "plan_check_time": c.plan.strftime(TIME_FMT),
            "user_check_time": c.user_time.strftime(TIME_FMT),
            "source_type": c.source_type,
            "group_id": 1,
            "plan_id": c.plan_id,
        }
        if c.record_id is not None:
            item["record_id"] = c.record_id
        if c.proc_inst_id is not None:
            item["procInst_id"] = c.proc_inst_id
        results.append(item)
    punches = [
        {
            "record_id": c.record_id,
            "check_type": c.check_type,
            "user_check_time": c.user_time.strftime(TIME_FMT),
            "source_type": c.source_type,
            "location_result": c.location_result,
        }
        for c in record.punches
    ]
    approvals = []
    if record.leave is not None and record.results:
        leave = record.leave
        approvals.append(
            {
                "procInst_id": leave.proc_inst_id,
                "begin_time": leave.start.strftime(TIME_FMT),
                "end_time": leave.end.strftime(TIME_FMT),
                "duration_unit": "DAY",
                "duration": "1.0",
                "sub_type": leave.sub_type,
                "tag_name": "请假",
            }
        )
    return {
        "attendance_result_list": results,
        "check_record_list": punches,
        "approve_list": approvals,
    }


def schedule_rows(seed: int, day: date, people: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """listschedule rows of (userid, index) people on `day`, in the given order, OnDuty first."""
    if not is_workday(day):
        return []
    rows = []
    for userid, index in people:
        leave = leave_on(seed, userid, index, day)
        for n, (check_type, at) in enumerate(PLAN_TIMES.items()):
            row: dict[str, Any] = {
                "plan_id": row_id(PLAN, day, index, n),
                "check_type": check_type,
                "userid": userid,
                "class_id": CLASS_ID,
                "class_setting_id": CLASS_SETTING_ID,
                "plan_check_time": datetime.combine(day, at).strftime(TIME_FMT),
                "group_id": 1,
            }
            if leave is not None:
                row["approve_id"] = leave.approve_id
            rows.append(row)
    return rows


def leave_rows(
    seed: int, people: list[tuple[str, int]], start_ms: int, end_ms: int
) -> list[dict[str, Any]]:
    """getleavestatus rows: leave overlapping [start_ms, end_ms), by (start, userid)."""
    rows = []
    first, last = from_ms(start_ms).date(), from_ms(end_ms).date()
    for userid, index in people:
        for n in range((last - first).days + 1):
            leave = leave_on(seed, userid, index, first + timedelta(days=n))
            if leave and to_ms(leave.start) < end_ms and to_ms(leave.end) > start_ms:
                rows.append(
                    {
                        "userid": userid,
                        "start_time": to_ms(leave.start),
                        "end_time": to_ms(leave.end),
                        "duration_unit": "percent_day",
                        "duration_percent": 100,
                    }
                )
    rows.sort(key=lambda r: (r["start_time"], r["userid"]))
    return rows


def simple_groups(member_count: int) -> list[dict[str, Any]]:
    """getsimplegroups' groups: fixed shifts 09:00-18:00, "早九晚六"."""
    times = [
        {"check_type": ct, "check_time": f"1970-01-01 {at:%H:%M:%S}"}
        for ct, at in PLAN_TIMES.items()
    ]
    shift = {"class_id": CLASS_ID, "class_name": "早九晚六", "sections": [{"times": times}]}
    return [
        {
            "group_id": group_id,
            "group_name": name,
            "type": "FIXED",
            "member_count": member_count if members else 0,
            "manager_list": [],
            "dept_name_list": [],
            "selected_class": [shift],
        }
        for group_id, name, members in GROUPS
    ]


def hrm_field(user: dict[str, Any], code: str) -> dict[str, Any]:
    """One entry of smart HR's v2/list field_data_list."""
    status = user["status"]
    label, value = {
        "sys00-name": (user["name"], user["name"]),
        "sys00-mobile": (user["mobile"], user["mobile"]),
        "sys00-dept": (DEPARTMENTS[user["dept_id"]][0], str(user["dept_id"])),
        "sys00-position": (user["position"], user["position"]),
        "sys01-employeeStatus": (STATUS_LABELS.get(status, ""), str(status)),
        "sys00-confirmJoinTime": (user["hired_date"], user["hired_date"]),
    }[code]
    name, group = HRM_FIELDS[code]
    return {
        "field_code": code,
        "field_name": name,
        "group_id": group,
        "field_value_list": [{"item_index": 0, "label": label, "value": value}],
    }


# -- messages ---------------------------------------------------------------------------------

# work notification msgtype -> (key of its part, required fields of the part)
MSG_PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "text": ("text", ("content",)),
    "markdown": ("markdown", ("title", "text")),
    "action_card": ("action_card", ("title", "markdown")),
    "oa": ("oa", ("message_url", "head", "body")),
    "link": ("link", ("messageUrl", "picUrl", "title", "text")),
}
ROBOT_PARTS: dict[str, tuple[str, ...]] = {  # robot msgtype -> required fields of its part
    "text": ("content",),
    "markdown": ("title", "text"),
    "link": ("title", "text", "messageUrl"),
    "actionCard": ("title", "text"),
    "feedCard": ("links",),
}


def canonical(value: Any) -> str:
    """The JSON text two equal messages share (what "the same content" compares)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def normal_mobile(value: Any) -> str | None:
    """11 digits starting with 1 (an optional "+86-" prefix is dropped), else None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip().removeprefix("+86-")
    return text if len(text) == 11 and text.isdigit() and text[0] == "1" else None


def msg_problem(msg: Any) -> str | None:
    """What is wrong with an asyncsend_v2 `msg` (a parsed JSON object), or None."""
    if not isinstance(msg, dict):
        return "msg必填"
    kind = msg.get("msgtype")
    if kind not in MSG_PARTS:
        return f"不支持的msgtype {kind!r}"
    key, required = MSG_PARTS[kind]
    part = msg.get(key)
    if not isinstance(part, dict) or any(not part.get(f) for f in required):
        return f"msg.{key}缺少{', '.join(required)}"
    if kind == "action_card":
        buttons = part.get("btn_json_list")
        single = part.get("single_title") and part.get("single_url")
        listed = isinstance(buttons, list) and bool(buttons)
        if listed and not all(
            isinstance(b, dict) and b.get("title") and b.get("action_url") for b in buttons
        ):
            return "btn_json_list的每一项需要title和action_url"
        if not (single or listed):
            return "action_card需要single_title和single_url或btn_json_list"
    if kind == "oa" and not (isinstance(part["head"], dict) and isinstance(part["body"], dict)):
        return "oa.head和oa.body必须是对象"
    return None


def robot_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a /robot/send body, or None."""
    kind = body.get("msgtype")
    part = body.get(kind) if isinstance(kind, str) else None
    if kind not in ROBOT_PARTS or not isinstance(part, dict):
        return "msgtype和消息内容必填"
    if any(not part.get(f) for f in ROBOT_PARTS[kind]):
        return f"{kind}缺少{', '.join(ROBOT_PARTS[kind])}"
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item)


def has_keyword(body: dict[str, Any], keywords: tuple[str, ...]) -> bool:
    """True if some text of the robot message contains one of the keywords."""
    texts = list(_strings(body.get(body.get("msgtype") or "")))
    return any(k in text for k in keywords for text in texts)


def robot_signature(secret: str, timestamp_ms: int | str) -> str:
    """加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")
