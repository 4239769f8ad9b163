"""The YonBIP face of the Yonyou simulator: the signed selfAppAuth token and HR OpenAPI calls.

What the dossier records (hr-system-apis.md §3.3) is served as documented: the HmacSHA256-
signed `getAccessToken` (`expire` 7200), `?access_token=` on business calls, the
`{code, message, data}` envelope inside HTTP 200, MDD list paging (`pageIndex`, `pageSize`,
`simpleVOs` filters, `data.recordList`), `/yonbip/hrcloud/staff/listmdd` and
`batchSaveOrUpdateRecruit` (rows with `_status` Insert|Update, `id` on update, at most 100).

hrhub's reading where the dossier has nothing:
- token error codes: 1003 unknown appKey, 1001 signature mismatch, 1002 timestamp outside
  ±300 s of the server's clock; a business call with a missing, unknown or expired token gets
  code "401" inside HTTP 200; a malformed request as a whole gets "999";
- `expire` is always the documented 7200: the token_expiry fault knob shortens the token's
  real life without saying so, which is the case a client's "401 -> new token" path is for;
- `/yonbip/hrcloud/recruit/listmdd` (requisitions), `/yonbip/hrcloud/staff/batchSaveOrUpdateEntry`
  (pre-entry staff), `/yonbip/hrcloud/recruit/interview/listmdd` and `.../batchSaveOrUpdate`
  (interview results): no published API, so they follow the documented ones' conventions;
- per-row failure messages start with the field at fault, "field: reason" (e.g.
  "mobile: 手机号格式应为+86-加11位数字", "code: 编码已存在").

Every path is also served under the newer gateway prefix `/iuap-api-gateway` (and the token
under `/iuap-api-auth`). The people are `sim_data.YonyouData`'s, shared with the NC face.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, NoReturn

from connectors._core.simulator import Abort, BadJSON, Request, Response, route
from connectors.yonyou import signing
from connectors.yonyou.sim_data import (
    DATE_FMT,
    DEPARTMENTS,
    ORGS,
    Checkin,
    InterviewResult,
    Person,
    Requisition,
    format_ts,
    parse_ts,
)

__all__ = ["BipFace"]

TOKEN_LIFETIME_S = 7200
TIMESTAMP_WINDOW_S = 300
MAX_PAGE_SIZE = 500
MAX_SAVE_ROWS = 100
DEFAULT_PAGE_SIZE = 10

TOKEN_PATH = "/open-auth/selfAppAuth/getAccessToken"
STAFF_LIST = "/yonbip/hrcloud/staff/listmdd"
STAFF_SAVE = "/yonbip/hrcloud/staff/batchSaveOrUpdateEntry"
RECRUIT_LIST = "/yonbip/hrcloud/recruit/listmdd"
RECRUIT_SAVE = "/yonbip/hrcloud/recruit/batchSaveOrUpdateRecruit"
INTERVIEW_LIST = "/yonbip/hrcloud/recruit/interview/listmdd"
INTERVIEW_SAVE = "/yonbip/hrcloud/recruit/interview/batchSaveOrUpdate"
# hrhub's reading (no published YonBIP check-in API): the time module's sign-card documents.
CHECKIN_LIST = "/yonbip/hrcloud/time/signcard/listmdd"
CHECKIN_SAVE = "/yonbip/hrcloud/time/signcard/batchSaveOrUpdate"

_GW = r"(?:/iuap-api-gateway)?"

STAFF_FILTERS = frozenset({"pubts", "code", "id", "mobile", "certNo"})
RECRUIT_FILTERS = frozenset({"pubts", "code", "id"})
INTERVIEW_FILTERS = frozenset({"pubts", "code", "id"})
CHECKIN_FILTERS = frozenset({"pubts", "code", "id", "staffCode"})
_OPS = ("eq", "neq", "gt", "egt", "lt", "elt", "in", "between")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "egt": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "elt": lambda a, b: a <= b,
}

MOBILE = re.compile(r"\+86-(\d{11})")
INTERVIEW_RESULTS = ("pass", "reject", "pending")


class _RowError(Exception):
    """One row of a batch save refused; the message names the field first."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class BipFace:
    """Mixin for YonyouSimulator (which supplies data, username/password, lock, counters,
    token_lifetime and apply_list_faults)."""

    def init_bip(self) -> None:
        self.bip_tokens: dict[str, tuple[str, float]] = {}  # token -> (appKey, expires_monotonic)
        self._bip_serial = 0

    def bip_error(
        self, code: str, message: str, status: int = 200, headers: dict[str, Any] | None = None
    ) -> Response:
        """YonBIP's error envelope (errors travel inside HTTP 200 unless `status` says else)."""
        return Response(status, {"code": code, "message": message}, headers=dict(headers or {}))

    def bip_ok(self, data: Any) -> Response:
        return Response(200, {"code": "200", "message": "操作成功", "data": data})

    # -- tokens --------------------------------------------------------------------------------

    @route("GET", _GW + r"(?:/iuap-api-auth)?" + TOKEN_PATH)
    def bip_get_access_token(self, req: Request) -> Response:
        self._bip_count(TOKEN_PATH)
        params = {name: values[0] for name, values in req.query.items() if values}
        app_key = params.get("appKey") or ""
        if not hmac.compare_digest(app_key.encode("utf-8"), self.username.encode("utf-8")):
            return self.bip_error("1003", "未知的appKey")
        if not signing.verify(self.password, params, params.get("signature")):
            return self.bip_error("1001", "签名校验失败")
        try:
            stamp_ms = int(params.get("timestamp") or "")
        except ValueError:
            return self.bip_error("1002", "timestamp 格式错误")
        if abs(time.time() * 1000 - stamp_ms) > TIMESTAMP_WINDOW_S * 1000:
            return self.bip_error("1002", "timestamp 已过期")
        token = self._bip_issue(app_key)
        return Response(
            200,
            {
                "code": "00000",
                "message": "成功!",
                "data": {"access_token": token, "expire": TOKEN_LIFETIME_S},
            },
        )

    def _bip_issue(self, app_key: str) -> str:
        """A new token each time; earlier ones stay valid until they expire."""
        lifetime = self.token_lifetime(TOKEN_LIFETIME_S) or TOKEN_LIFETIME_S
        now = time.monotonic()
        with self.lock:
            self._bip_serial += 1
            seed = f"{self.system}|{app_key}|{self._bip_serial}|{self.rng.getrandbits(64)}"
            token = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
            for old in [t for t, (_, exp) in self.bip_tokens.items() if exp <= now]:
                del self.bip_tokens[old]
            self.bip_tokens[token] = (app_key, now + lifetime)
        return token

    def _bip_authorize(self, req: Request, path: str) -> None:
        self._bip_count(path)
        token = req.arg("access_token") or ""
        with self.lock:
            issued = self.bip_tokens.get(token)
        if issued is None or issued[1] <= time.monotonic():
            raise Abort(self.bip_error("401", "access_token 无效或已过期"))

    def _bip_count(self, path: str) -> None:
        with self.lock:
            self.counters[path] += 1

    def _bip_body(self, req: Request) -> dict[str, Any]:
        try:
            body = req.json()
        except BadJSON as exc:
            _refuse(self, f"请求体不是合法的JSON: {exc}")
        if body is None:
            return {}
        if not isinstance(body, dict):
            _refuse(self, "请求体应为JSON对象")
        return body

    # -- lists (MDD query convention) ------------------------------------------------------------

    @route("POST", _GW + STAFF_LIST, page=True)
    def bip_staff_list(self, req: Request) -> Response:
        self._bip_authorize(req, STAFF_LIST)
        body = self._bip_body(req)
        with self.data.lock:
            rows = [_staff_row(p) for p in self.data.persons.values()]
        return self._bip_list(body, rows, STAFF_FILTERS)

    @route("POST", _GW + RECRUIT_LIST, page=True)
    def bip_recruit_list(self, req: Request) -> Response:
        self._bip_authorize(req, RECRUIT_LIST)
        body = self._bip_body(req)
        with self.data.lock:
            rows = [_requisition_row(r) for r in self.data.requisitions.values()]
        return self._bip_list(body, rows, RECRUIT_FILTERS)

    @route("POST", _GW + INTERVIEW_LIST, page=True)
    def bip_interview_list(self, req: Request) -> Response:
        self._bip_authorize(req, INTERVIEW_LIST)
        body = self._bip_body(req)
        with self.data.lock:
            rows = [_interview_row(r) for r in self.data.results.values()]
        return self._bip_list(body, rows, INTERVIEW_FILTERS)

    @route("POST", _GW + CHECKIN_LIST, page=True)
    def bip_checkin_list(self, req: Request) -> Response:
        self._bip_authorize(req, CHECKIN_LIST)
        body = self._bip_body(req)
        with self.data.lock:
            rows = [self._checkin_row(c) for c in self.data.checkins.values()]
        return self._bip_list(body, rows, CHECKIN_FILTERS)

    def _bip_list(
        self, body: Mapping[str, Any], rows: list[dict[str, Any]], filterable: frozenset[str]
    ) -> Response:
        index = _page_number(self, body, "pageIndex", 1, None)
        size = _page_number(self, body, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        vos = body.get("simpleVOs") or []
        if not isinstance(vos, list):
            _refuse(self, "simpleVOs 应为数组")
        tests = [_predicate(self, vo, filterable) for vo in vos]
        matched = sorted(
            (r for r in rows if all(test(r) for test in tests)),
            key=lambda r: (r["pubts"], r["id"]),
        )
        total = len(matched)
        page = matched[(index - 1) * size : index * size]
        return self.bip_ok(
            {
                "pageIndex": index,
                "pageSize": size,
                "recordCount": total,
                "pageCount": math.ceil(total / size),
                "recordList": self.apply_list_faults(page),
            }
        )

    # -- batch saves (batchSaveOrUpdate convention) ----------------------------------------------

    @route("POST", _GW + RECRUIT_SAVE)
    def bip_recruit_save(self, req: Request) -> Response:
        return self._bip_save(req, RECRUIT_SAVE, self._save_requisition)

    @route("POST", _GW + STAFF_SAVE)
    def bip_staff_save(self, req: Request) -> Response:
        return self._bip_save(req, STAFF_SAVE, self._save_entry)

    @route("POST", _GW + INTERVIEW_SAVE)
    def bip_interview_save(self, req: Request) -> Response:
        return self._bip_save(req, INTERVIEW_SAVE, self._save_interview)

    @route("POST", _GW + CHECKIN_SAVE)
    def bip_checkin_save(self, req: Request) -> Response:
        return self._bip_save(req, CHECKIN_SAVE, self._save_checkin)

    def _bip_save(
        self,
        req: Request,
        path: str,
        save_row: Callable[[dict[str, Any], bool], tuple[str, str]],
    ) -> Response:
        """Each row on its own: one refused row never stops the others."""
        self._bip_authorize(req, path)
        rows = self._bip_body(req).get("data")
        if not isinstance(rows, list):
            _refuse(self, "data 应为数组")
        if len(rows) > MAX_SAVE_ROWS:
            _refuse(self, f"单次最多{MAX_SAVE_ROWS}条")
        messages: list[dict[str, Any]] = []
        infos: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            code = row.get("code") if isinstance(row, dict) else None
            try:
                if not isinstance(row, dict):
                    raise _RowError("data", "每行应为JSON对象")
                status = row.get("_status")
                if status not in ("Insert", "Update"):
                    raise _RowError("_status", "应为Insert或Update")
                with self.data.lock:
                    doc_id, doc_code = save_row(row, status == "Insert")
            except _RowError as exc:
                messages.append({"index": index, "code": code, "message": str(exc)})
            else:
                infos.append({"index": index, "id": doc_id, "code": doc_code})
        return self.bip_ok(
            {
                "count": len(rows),
                "successCount": len(infos),
                "failCount": len(messages),
                "messages": messages,
                "infos": infos,
            }
        )

    def _save_requisition(self, row: dict[str, Any], insert: bool) -> tuple[str, str]:
        data = self.data
        existing: Requisition | None = None
        doc = row
        if not insert:
            existing = data.requisitions.get(str(row.get("id") or ""))
            if existing is None:
                raise _RowError("id", "单据不存在或已删除")
            doc = {**_requisition_row(existing), **row}
        code, fields, posts = _check_requisition(doc)
        if existing is None:
            if code in data.requisition_by_code:
                raise _RowError("code", "编码已存在")
            created = data.insert_requisition(code, fields, posts)
            return created.id, created.code
        if code != existing.code:
            raise _RowError("code", "编码不可修改")
        data.update_requisition(existing.id, fields, posts)
        return existing.id, existing.code

    def _save_entry(self, row: dict[str, Any], insert: bool) -> tuple[str, str]:
        data = self.data
        existing: Person | None = None
        doc = row
        if not insert:
            pk = data.person_by_bip_id.get(str(row.get("id") or ""))
            if pk is None:
                raise _RowError("id", "人员不存在")
            existing = data.persons[pk]
            doc = {**_staff_row(existing), **row}
        values = _check_entry(doc)
        owner = data.person_by_id_number.get(values["id_number"])
        if existing is None:
            if any(p.code == values["code"] for p in data.persons.values()):
                raise _RowError("code", "编码已存在")
            if owner is not None:
                raise _RowError("certNo", "证件号码已存在")
            person = data.create_person(**values, enabled=False, origin=f"hrhub:{values['code']}")
            return person.bip_id, person.code
        if values["code"] != existing.code:
            raise _RowError("code", "编码不可修改")
        if owner is not None and owner != existing.pk_psndoc:
            raise _RowError("certNo", "证件号码已存在")
        del data.person_by_id_number[existing.id_number]
        for name, value in values.items():
            setattr(existing, name, value)
        data.person_by_id_number[existing.id_number] = existing.pk_psndoc
        existing.ts = data.clock()
        return existing.bip_id, existing.code

    def _save_interview(self, row: dict[str, Any], insert: bool) -> tuple[str, str]:
        data = self.data
        existing: InterviewResult | None = None
        doc = row
        if not insert:
            wanted = str(row.get("id") or "")
            existing = next((r for r in data.results.values() if r.pk == wanted), None)
            if existing is None:
                raise _RowError("id", "单据不存在或已删除")
            doc = {**_interview_row(existing), **row}
        code, fields = _check_interview(doc)
        if existing is None:
            if code in data.results:
                raise _RowError("code", "编码已存在")
        elif code != existing.bill_id:
            raise _RowError("code", "编码不可修改")
        result, _ = data.upsert_result(code, fields)
        return result.pk, result.bill_id

    def _save_checkin(self, row: dict[str, Any], insert: bool) -> tuple[str, str]:
        """A sign-card row: code, staffCode (the person's code), signTime, signType 1 in / 2 out."""
        data = self.data
        existing: Checkin | None = None
        doc = row
        if not insert:
            wanted = str(row.get("id") or "")
            existing = next((c for c in data.checkins.values() if c.pk == wanted), None)
            if existing is None:
                raise _RowError("id", "单据不存在或已删除")
            doc = {**self._checkin_row(existing), **row}
        code, staff_code = _text(doc, "code"), _text(doc, "staffCode")
        person = data.person_by_code(staff_code)
        if person is None:
            raise _RowError("staffCode", f"人员不存在: {staff_code}")
        try:
            when = parse_ts(_text(doc, "signTime"))
        except ValueError:
            raise _RowError("signTime", "时间格式应为 yyyy-MM-dd HH:mm:ss") from None
        kind = str(doc.get("signType") or "")
        if kind not in ("1", "2"):
            raise _RowError("signType", f"取值 1 (签到) 或 2 (签退), 收到 {kind!r}")
        if existing is None and code in data.checkins:
            raise _RowError("code", "编码已存在")
        if existing is not None and code != existing.bill_id:
            raise _RowError("code", "编码不可修改")
        checkin, _ = data.upsert_checkin(
            code,
            pk_psndoc=person.pk_psndoc,
            checktime=when,
            direction="I" if kind == "1" else "O",
            machine=_opt_text(doc, "machine"),
        )
        return checkin.pk, checkin.bill_id

    def _checkin_row(self, c: Checkin) -> dict[str, Any]:
        person = self.data.persons.get(c.pk_psndoc)
        return {
            "id": c.pk,
            "code": c.bill_id,
            "staffCode": person.code if person else None,
            "signTime": format_ts(c.checktime),
            "signType": "1" if c.direction == "I" else "2",
            "machine": c.machine,
            "pubts": format_ts(c.ts),
        }


def _refuse(face: BipFace, message: str) -> NoReturn:
    """The whole call refused: code 999 (hrhub's reading)."""
    raise Abort(face.bip_error("999", message))


def _page_number(
    face: BipFace, body: Mapping[str, Any], name: str, default: int, maximum: int | None
) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < 1
        or (maximum is not None and value > maximum)
    ):
        limit = f"1..{maximum}" if maximum is not None else ">= 1"
        _refuse(face, f"{name} 应为 {limit} 的整数, 收到 {value!r}")
    return value


def _predicate(
    face: BipFace, vo: Any, filterable: frozenset[str]
) -> Callable[[dict[str, Any]], bool]:
    """One simpleVOs condition as a test on a rendered row."""
    if not isinstance(vo, dict):
        _refuse(face, "simpleVOs 的每一项应为对象")
    name, op = vo.get("field"), vo.get("op")
    if name not in filterable:
        known = ", ".join(sorted(filterable))
        _refuse(face, f"simpleVOs: 不支持的查询字段 {name!r} (可用: {known})")
    if op not in _OPS:
        _refuse(face, f"simpleVOs: 字段 {name} 不支持的操作符 {op!r} (可用: {', '.join(_OPS)})")

    def norm(value: Any) -> str:
        if value is None or isinstance(value, list | dict):
            _refuse(face, f"simpleVOs: 字段 {name} 的值无效: {value!r}")
        if name == "pubts":
            try:
                return format_ts(parse_ts(str(value)))
            except ValueError:
                _refuse(face, f"simpleVOs: pubts 应为 yyyy-MM-dd HH:mm:ss, 收到 {value!r}")
        return str(value)

    if op == "in":
        values = vo.get("value1")
        if not isinstance(values, list):
            _refuse(face, f"simpleVOs: 字段 {name} 的 in 条件 value1 应为数组")
        wanted = {norm(v) for v in values}
        return lambda row: row.get(name) is not None and str(row[name]) in wanted
    if op == "between":
        low, high = norm(vo.get("value1")), norm(vo.get("value2"))
        return lambda row: row.get(name) is not None and low <= str(row[name]) <= high
    compare, operand = _COMPARE[op], norm(vo.get("value1"))
    return lambda row: row.get(name) is not None and compare(str(row[name]), operand)


# -- rows as YonBIP renders them -------------------------------------------------------------------


def _staff_row(p: Person) -> dict[str, Any]:
    return {
        "id": p.bip_id,
        "code": p.code,
        "name": p.name,
        "certType": "01",  # resident identity card
        "certNo": p.id_number,
        "sex": p.sex,
        "birthDate": p.birthdate.strftime(DATE_FMT),
        "mobile": f"+86-{p.mobile}",
        "email": p.email,
        "joinWorkDate": p.indutydate.strftime(DATE_FMT),
        "orgId": p.pk_org,
        "deptId": p.pk_dept,
        "jobName": p.job_name,
        "enable": 1 if p.enabled else 0,
        "pubts": format_ts(p.ts),
    }


def _requisition_row(r: Requisition) -> dict[str, Any]:
    return {
        "id": r.id,
        "code": r.code,
        **r.fields,
        "recruitPostVO": [dict(p) for p in r.posts],
        "pubts": format_ts(r.pubts),
    }


def _interview_row(r: InterviewResult) -> dict[str, Any]:
    return {"id": r.pk, "code": r.bill_id, **r.fields, "pubts": format_ts(r.ts)}


# -- row checks (field at fault first in every message) --------------------------------------------


def _opt_text(doc: Mapping[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _RowError(name, f"应为字符串, 收到 {type(value).__name__}")
    return str(value).strip()


def _text(doc: Mapping[str, Any], name: str) -> str:
    value = _opt_text(doc, name)
    if value is None:
        raise _RowError(name, "必填字段不能为空")
    return value


def _day(doc: Mapping[str, Any], name: str) -> date:
    text = _text(doc, name)
    try:
        return datetime.strptime(text, DATE_FMT).date()
    except ValueError:
        raise _RowError(name, f"日期格式应为yyyy-MM-dd, 收到 {text!r}") from None


def _whole(doc: Mapping[str, Any], name: str, *, required: bool, minimum: int) -> int | None:
    value = doc.get(name)
    if value is None or value == "":
        if required:
            raise _RowError(name, "必填字段不能为空")
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _RowError(name, f"应为不小于{minimum}的整数, 收到 {value!r}")
    return value


def _number(doc: Mapping[str, Any], name: str, low: float, high: float) -> float | int | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not low <= number <= high:
        raise _RowError(name, f"应为{low:g}到{high:g}之间的数, 收到 {value!r}")
    return int(number) if number.is_integer() else number


def _check_requisition(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    code = _text(doc, "code")
    name = _text(doc, "name")
    org = _text(doc, "recruitOrg")
    if org not in ORGS and org not in {c for c, _ in ORGS.values()}:
        raise _RowError("recruitOrg", f"组织不存在: {org}")
    begin, end = _day(doc, "begindate"), _day(doc, "enddate")
    if end < begin:
        raise _RowError("enddate", "结束日期不能早于开始日期")
    fields = {
        "name": name,
        "recruitOrg": org,
        "recruitType": _opt_text(doc, "recruitType"),
        "begindate": begin.strftime(DATE_FMT),
        "enddate": end.strftime(DATE_FMT),
    }
    posts_in = doc.get("recruitPostVO")
    if not isinstance(posts_in, list) or not posts_in:
        raise _RowError("recruitPostVO", "至少需要一个招聘岗位")
    posts = []
    for i, post in enumerate(posts_in):
        where = f"recruitPostVO[{i}]"
        if not isinstance(post, dict):
            raise _RowError(where, "应为JSON对象")
        try:
            checked = {
                "code": _text(post, "code"),
                "name": _text(post, "name"),
                "recruitNum": _whole(post, "recruitNum", required=True, minimum=1),
            }
            low = _number(post, "salaryMin", 0, 1e9)
            high = _number(post, "salaryMax", 0, 1e9)
        except _RowError as exc:
            raise _RowError(f"{where}.{exc.field}", exc.reason) from None
        if low is not None and high is not None and high < low:
            raise _RowError(f"{where}.salaryMax", "最高薪资不能低于最低薪资")
        checked.update(
            {k: v for k, v in (("salaryMin", low), ("salaryMax", high)) if v is not None}
        )
        posts.append(checked)
    return code, fields, posts


def _check_entry(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A pre-entry staff row -> `YonyouData.create_person` keyword arguments."""
    code, name, cert_no = _text(doc, "code"), _text(doc, "name"), _text(doc, "certNo")
    cert_type = _opt_text(doc, "certType")  # any type is accepted; listed back as "01"
    from_id = _resident_id_facts(cert_no) if cert_type in (None, "01") else None
    # Like HR cloud's own forms, a resident id card number gives sex and birth date when the
    # row leaves them out.
    sex = _whole(doc, "sex", required=from_id is None, minimum=1)
    if sex is None and from_id is not None:
        sex = from_id[0]
    if sex not in (1, 2):
        raise _RowError("sex", f"应为1(男)或2(女), 收到 {sex!r}")
    mobile = MOBILE.fullmatch(_text(doc, "mobile"))
    if mobile is None:
        raise _RowError("mobile", "手机号格式应为+86-加11位数字")
    email = _opt_text(doc, "email")
    if email is not None and "@" not in email:
        raise _RowError("email", f"邮箱格式不正确: {email}")
    org = _opt_text(doc, "orgId") or next(iter(ORGS))
    if org not in ORGS:
        raise _RowError("orgId", f"组织不存在: {org}")
    dept = _text(doc, "deptId")
    if dept not in DEPARTMENTS:
        raise _RowError("deptId", f"部门不存在: {dept}")
    return {
        "code": code,
        "name": name,
        "sex": sex,
        "id_number": cert_no,
        "mobile": mobile.group(1),
        "email": email,
        "birthdate": (
            from_id[1]
            if from_id is not None and doc.get("birthDate") in (None, "")
            else _day(doc, "birthDate")
        ),
        "pk_org": org,
        "pk_dept": dept,
        "job_name": _opt_text(doc, "jobName") or "",
        "indutydate": _day(doc, "joinWorkDate"),
    }


def _resident_id_facts(number: str) -> tuple[int, date] | None:
    """(sex, birth date) from an 18-character resident id number; None if it is not one."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return (1 if int(number[16]) % 2 else 2), born


def _check_interview(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    code = _text(doc, "code")
    result = _text(doc, "result")
    if result not in INTERVIEW_RESULTS:
        raise _RowError("result", f"应为 {'/'.join(INTERVIEW_RESULTS)} 之一, 收到 {result!r}")
    when = _opt_text(doc, "interviewDate")
    if when is not None:
        try:
            parse_ts(when)
        except ValueError:
            raise _RowError("interviewDate", f"应为yyyy-MM-dd[ HH:mm:ss], 收到 {when!r}") from None
    fields = {
        "applicantCode": _text(doc, "applicantCode"),
        "round": _whole(doc, "round", required=False, minimum=1),
        "interviewer": _opt_text(doc, "interviewer"),
        "score": _number(doc, "score", 0, 100),
        "result": result,
        "evaluation": _opt_text(doc, "evaluation"),
        "interviewDate": when,
    }
    return code, fields
