"""The NC 6.x face of the Yonyou simulator: an Axis2 SOAP 1.1 service under /uapws/service.

NC publishes its services with Axis2 at `/uapws/service/<fully.qualified.Interface>` (`?wsdl`
for the contract); HR interfaces are project-specific and no public HR WSDL exists, so the
service here, `nc.itf.hrhub.IHrhubRecruitService`, is hrhub's reading of one written in NC's
habits (wsdl/IHrhubRecruitService.wsdl):

- document/literal wrapped; each operation takes one `<string>` and answers one `<return>`,
  and the XML documents travel inside those strings (`ncxml` builds and parses them), with
  the `<?xml ... encoding="GBK"?>` declaration NC leaves in front even though it is text;
- reads page by `pageindex`/`pagesize` over rows with `ts >=` the query's ts, ordered by
  (ts, pk), so an incremental reader never misses a row that shares its cursor second;
- writes use NC's exchange-platform envelope (`<ufinterface><bill id>...`), answered with one
  `<sendresult>` per bill: resultcode 1 ok, -32000 validation (the description names the
  field), -32001 duplicate (the content carries the existing key). One bad bill does not stop
  the others; more than 500 bills is refused as a whole;
- faults are SOAP 1.1 Faults on HTTP 500: `soapenv:Client` for what the caller sent wrong,
  `soapenv:Server` for the server's trouble (`nc.vo.pub.BusinessException: ...` when a
  business rule refused the call).

Authentication is hrhub's reading too: the dossier does not describe how NC secures its SOAP
services. The simulator takes a WS-Security UsernameToken (PasswordText) in the SOAP header,
which is what Axis2's Rampart module checks, and answers a missing or wrong user with the
standard `wsse:FailedAuthentication` fault.

Every request document is parsed with entity resolution, DTD loading and network access off,
and any DOCTYPE is refused (`soapenv:Client` "DOCTYPE is not allowed"): the envelope and the
payload strings alike.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NoReturn

from lxml import etree

from connectors._core.safexml import safe_parser
from connectors._core.simulator import Abort, FaultSpec, Request, Response, route
from connectors.yonyou import ncxml
from connectors.yonyou.ncxml import NC_SERVICE, SOAPENV, TNS, WSDL_DIR, WSSE
from connectors.yonyou.sim_data import (
    DATE_FMT,
    DEPARTMENTS,
    JOBS,
    ORGS,
    Applicant,
    Person,
    YonyouData,
    format_ts,
    parse_ts,
)

__all__ = ["NC_SERVICE", "SOAPENV", "TNS", "WSDL_DIR", "WSSE", "NcSoapFace"]

PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"

MAX_BILLS = 500
MAX_PAGESIZE = 1000
BUSINESS = "nc.vo.pub.BusinessException: "
AUTH_FAILED = "The security token could not be authenticated or authorized"

OK, INVALID, DUPLICATE = 1, -32000, -32001
_MOBILE = re.compile(r"^1\d{10}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PSNDOC_REQUIRED = ("name", "id", "mobile", "pk_org", "pk_dept", "indutydate")
RESULT_VALUES = {"1": "通过", "2": "不通过", "3": "待定"}


class _BillError(Exception):
    """One bill refused: its sendresult code, description and content."""

    def __init__(self, code: int, description: str, content: str | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.content = content


class NcSoapFace:
    """Mixin for YonyouSimulator: the NC SOAP service (routes, faults, documents)."""

    # Provided by YonyouSimulator / SimulatorServer.
    data: YonyouData
    username: str
    password: str
    encoding: str
    lock: threading.RLock
    counters: Counter[str]
    faults: FaultSpec
    apply_list_faults: Callable[..., list[Any]]

    def init_nc(self) -> None:
        """Per-face state; the one-shot overrides let tests feed a client bad answers."""
        self.nc_next_return: dict[str, str] = {}  # operation -> raw inner string, once
        self.nc_next_envelope: bytes | None = None  # raw HTTP body for the next POST, once
        self._nc_operations: dict[str, Callable[[etree._Element | None], str]] = {
            "queryPsndocByTs": self._nc_query_psndoc,
            "queryApplicantByTs": self._nc_query_applicant,
            "queryPsndocByCondition": self._nc_query_condition,
            "savePsndoc": self._nc_save_psndoc,
            "saveInterviewResult": self._nc_save_interview_result,
            "saveCheckin": self._nc_save_checkin,
        }

    # -- SOAP framing --------------------------------------------------------------------------

    def nc_fault(self, code: str, message: str) -> Response:
        """A SOAP 1.1 Fault on HTTP 500; `code` is Client, Server or FailedAuthentication."""
        envelope = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap={"soapenv": SOAPENV})
        body = etree.SubElement(envelope, f"{{{SOAPENV}}}Body")
        if code == "FailedAuthentication":
            fault = etree.SubElement(body, f"{{{SOAPENV}}}Fault", nsmap={"wsse": WSSE})
            faultcode = f"wsse:{code}"
        else:
            fault = etree.SubElement(body, f"{{{SOAPENV}}}Fault")
            faultcode = f"soapenv:{code}"
        etree.SubElement(fault, "faultcode").text = faultcode
        etree.SubElement(fault, "faultstring").text = message
        etree.SubElement(fault, "detail")
        return self._nc_xml_response(500, envelope)

    def _nc_xml_response(self, status: int, root: etree._Element) -> Response:
        data = etree.tostring(root, encoding=self.encoding, xml_declaration=True)
        return Response(status, data, content_type=f"text/xml; charset={self.encoding}")

    def _nc_abort(self, code: str, message: str) -> NoReturn:
        raise Abort(self.nc_fault(code, message))

    def _nc_business(self, message: str) -> NoReturn:
        self._nc_abort("Server", BUSINESS + message)

    def _nc_parse(self, text: str | bytes) -> etree._Element:
        try:
            return ncxml.parse(text, what="request XML")
        except ncxml.UnsafeXML:
            self._nc_abort("Client", "DOCTYPE is not allowed")
        except ncxml.MalformedXML as exc:
            self._nc_abort("Client", f"Malformed request XML: {exc.detail}")

    # -- routes --------------------------------------------------------------------------------

    @route("GET", r"/uapws/service/(?P<service>[^/]+)")
    def nc_wsdl(self, req: Request, service: str) -> Response:
        """`?wsdl`: the bundled WSDL, its soap:address pointed at this server."""
        self._nc_known_service(req, service)
        if not any(name.lower() == "wsdl" for name in req.query):
            return self.nc_fault("Client", "Please use ?wsdl to read the service description")
        self._count("nc_wsdl")
        parser = safe_parser()
        tree = etree.parse(str(WSDL_DIR / f"{service.rsplit('.', 1)[-1]}.wsdl"), parser)
        for address in tree.iter(f"{{{WSDL_SOAP}}}address"):
            address.set("location", f"{req.base_url}/uapws/service/{service}")
        data = etree.tostring(tree, encoding="UTF-8", xml_declaration=True)
        return Response(200, data, content_type="text/xml; charset=UTF-8")

    @route("POST", r"/uapws/service/(?P<service>[^/]+)")
    def nc_call(self, req: Request, service: str) -> Response:
        """One SOAP call, dispatched on the body's first element (not on SOAPAction)."""
        self._nc_known_service(req, service)
        with self.lock:
            raw, self.nc_next_envelope = self.nc_next_envelope, None
        if raw is not None:
            return Response(200, raw, content_type=f"text/xml; charset={self.encoding}")
        envelope = self._nc_parse(req.body)
        if envelope.tag != f"{{{SOAPENV}}}Envelope":
            self._nc_abort("Client", "The request is not a SOAP 1.1 Envelope")
        self._nc_authenticate(envelope)
        body = envelope.find(f"{{{SOAPENV}}}Body")
        call = next((c for c in body if ncxml.local(c.tag)), None) if body is not None else None
        if call is None:
            self._nc_abort("Client", "The SOAP Body is empty")
        operation = ncxml.local(call.tag)
        handler = self._nc_operations.get(operation)
        if handler is None:
            self._nc_abort("Client", f"The operation {operation} is not found in {service}")
        with self.lock:
            override = self.nc_next_return.pop(operation, None)
        if override is not None:
            return self._nc_answer(operation, override)
        param = ncxml.child(call, "string")
        inner = None if param is None or not (param.text or "").strip() else param.text
        document = None if inner is None else self._nc_parse(inner)
        return self._nc_answer(operation, handler(document))

    def _nc_known_service(self, req: Request, service: str) -> None:
        if service != NC_SERVICE:
            self._nc_abort(
                "Client", f"The service cannot be found for the endpoint reference (EPR) {req.path}"
            )

    def _nc_authenticate(self, envelope: etree._Element) -> None:
        token = envelope.find(f"{{{SOAPENV}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        user = token.findtext(f"{{{WSSE}}}Username") if token is not None else None
        secret = token.find(f"{{{WSSE}}}Password") if token is not None else None
        text_type = secret is not None and secret.get("Type", PASSWORD_TEXT) == PASSWORD_TEXT
        if not (
            user is not None
            and text_type
            and hmac.compare_digest(user.encode(), self.username.encode())
            and hmac.compare_digest((secret.text or "").encode(), self.password.encode())
        ):
            self._nc_abort("FailedAuthentication", AUTH_FAILED)

    def _nc_answer(self, operation: str, inner: str) -> Response:
        envelope = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap={"soapenv": SOAPENV})
        body = etree.SubElement(envelope, f"{{{SOAPENV}}}Body")
        wrapper = etree.SubElement(body, f"{{{TNS}}}{operation}Response", nsmap={"ns": TNS})
        etree.SubElement(wrapper, f"{{{TNS}}}return").text = inner
        return self._nc_xml_response(200, envelope)

    # -- queries -------------------------------------------------------------------------------

    def _nc_page(self, document: etree._Element | None) -> tuple[datetime | None, int, int]:
        query = ncxml.fields(document)
        ts = (query.get("ts") or "").strip()
        try:
            since = parse_ts(ts) if ts else None
        except ValueError:
            self._nc_business(f"ts 格式错误, 应为 yyyy-MM-dd HH:mm:ss: {ts!r}")
        try:
            pageindex = int(query.get("pageindex") or 1)
            pagesize = int(query.get("pagesize") or 500)
        except ValueError:
            self._nc_business("pageindex and pagesize must be whole numbers")
        if pageindex < 1:
            self._nc_business("pageindex must be >= 1")
        if not 1 <= pagesize <= MAX_PAGESIZE:
            self._nc_business(f"pagesize must be 1..{MAX_PAGESIZE}")
        # One path serves every operation, so the page fault is applied here, not by @route.
        if self.faults.slow_page_ms:
            with self.lock:
                self.counters["slow_pages"] += 1
            time.sleep(self.faults.slow_page_ms / 1000)
        return since, pageindex, pagesize

    def _nc_query_psndoc(self, document: etree._Element | None) -> str:
        since, pageindex, pagesize = self._nc_page(document)
        found, total = self.data.changed_persons(
            since, offset=(pageindex - 1) * pagesize, limit=pagesize
        )
        rows = [psndoc_row(p) for p in self.apply_list_faults(found)]
        return self._nc_result("psndoc", rows, total, pageindex, pagesize)

    def _nc_query_applicant(self, document: etree._Element | None) -> str:
        since, pageindex, pagesize = self._nc_page(document)
        found, total = self.data.changed_applicants(
            since, offset=(pageindex - 1) * pagesize, limit=pagesize
        )
        rows = [applicant_row(a) for a in self.apply_list_faults(found)]
        return self._nc_result("applicant", rows, total, pageindex, pagesize)

    def _nc_query_condition(self, document: etree._Element | None) -> str:
        query = ncxml.fields(document)
        id_number, mobile = query.get("id"), query.get("mobile")
        if not (id_number or mobile):
            self._nc_business("查询条件 id 或 mobile 至少填一个")
        person = self.data.find_person(id_number=id_number, mobile=mobile)
        rows = [] if person is None else [psndoc_row(person)]
        return self._nc_result("psndoc", rows, len(rows), 1, 1)

    def _nc_result(
        self, tag: str, rows: list[dict[str, Any]], total: int, pageindex: int, pagesize: int
    ) -> str:
        return ncxml.result(
            tag, rows, total=total, pageindex=pageindex, pagesize=pagesize, encoding=self.encoding
        )

    # -- writes --------------------------------------------------------------------------------

    def _nc_bills(
        self, document: etree._Element | None, roottag: str
    ) -> tuple[etree._Element, list[etree._Element]]:
        if document is None or ncxml.local(document.tag) != "ufinterface":
            self._nc_business("请求应为 ufinterface 交换格式")
        if document.get("roottag") != roottag:
            self._nc_business(f"roottag 应为 {roottag}, 实为 {document.get('roottag')!r}")
        bills = [b for b in document if ncxml.local(b.tag) == "bill"]
        if len(bills) > MAX_BILLS:
            self._nc_business(f"单次最多{MAX_BILLS}条")
        with self.lock:
            self.counters["nc_bills"] += len(bills)
        return document, bills

    def _nc_save(
        self,
        document: etree._Element | None,
        roottag: str,
        save: Callable[[str, dict[str, str | None], bool], str],
    ) -> str:
        root, bills = self._nc_bills(document, roottag)
        replace = (root.get("replace") or "N").upper() == "Y"
        results = []
        for bill in bills:
            bill_id = (bill.get("id") or "").strip()
            try:
                if not bill_id:
                    raise _BillError(INVALID, "bill.id: 必填")
                head = ncxml.child(bill, "billhead")
                if head is None:
                    raise _BillError(INVALID, "billhead: 必填")
                content = save(bill_id, ncxml.fields(head), replace)
                code, description = OK, f"单据 {bill_id} 导入成功"
            except _BillError as exc:
                code, description, content = exc.code, exc.description, exc.content
            results.append(
                {
                    "bdocid": bill_id,
                    "resultcode": code,
                    "resultdescription": description,
                    "content": content,
                }
            )
        return ncxml.sendresult(roottag, results, encoding=self.encoding)

    def _nc_save_psndoc(self, document: etree._Element | None) -> str:
        return self._nc_save(document, "psndoc", self._nc_create_person)

    def _nc_save_interview_result(self, document: etree._Element | None) -> str:
        return self._nc_save(document, "interviewresult", self._nc_upsert_result)

    def _nc_save_checkin(self, document: etree._Element | None) -> str:
        return self._nc_save(document, "checkin", self._nc_upsert_checkin)

    def _nc_upsert_checkin(self, bill_id: str, head: dict[str, str | None], replace: bool) -> str:
        """billhead: psncode (the person's code), checktime, direction I/O, machine."""
        code = (head.get("psncode") or "").strip()
        if not code:
            raise _BillError(INVALID, "billhead.psncode: 必填")
        person = self.data.person_by_code(code)
        if person is None:
            raise _BillError(INVALID, f"billhead.psncode: 人员不存在: {code}")
        try:
            checktime = parse_ts(head.get("checktime") or "")
        except ValueError:
            raise _BillError(
                INVALID, "billhead.checktime: 时间格式应为 yyyy-MM-dd HH:mm:ss"
            ) from None
        direction = (head.get("direction") or "").strip().upper()
        if direction not in ("I", "O"):
            raise _BillError(INVALID, "billhead.direction: 取值 I (签到) 或 O (签退)")
        with self.data.lock:
            existing = self.data.checkins.get(bill_id)
            if existing is not None and not replace:
                raise _BillError(DUPLICATE, f"bill.id: 单据已存在: {bill_id}", existing.pk)
            checkin, _new = self.data.upsert_checkin(
                bill_id,
                pk_psndoc=person.pk_psndoc,
                checktime=checktime,
                direction=direction,
                machine=head.get("machine"),
            )
        return checkin.pk

    def _nc_create_person(self, bill_id: str, head: dict[str, str | None], replace: bool) -> str:
        for name in PSNDOC_REQUIRED:
            if not (head.get(name) or "").strip():
                raise _BillError(INVALID, f"billhead.{name}: 必填")
        id_number = head["id"].strip().upper()  # type: ignore[union-attr]
        if (head.get("idtype") or "0") != "0":
            raise _BillError(INVALID, "billhead.idtype: 仅支持 0 (居民身份证)")
        if not valid_id_number(id_number):
            raise _BillError(INVALID, "billhead.id: 身份证号码格式或校验位错误")
        mobile = head["mobile"].strip()  # type: ignore[union-attr]
        if not _MOBILE.match(mobile):
            raise _BillError(INVALID, "billhead.mobile: 手机号码应为 11 位数字")
        sex = head.get("sex") or None
        if sex not in (None, "1", "2"):
            raise _BillError(INVALID, "billhead.sex: 取值 1 (男) 或 2 (女)")
        email = head.get("email") or None
        if email is not None and "@" not in email:
            raise _BillError(INVALID, "billhead.email: 邮箱格式错误")
        if head["pk_org"] not in ORGS:
            raise _BillError(INVALID, f"billhead.pk_org: 组织不存在: {head['pk_org']}")
        if head["pk_dept"] not in DEPARTMENTS:
            raise _BillError(INVALID, f"billhead.pk_dept: 部门不存在: {head['pk_dept']}")
        birthdate = _date(head, "birthdate") or _birthdate_of(id_number)
        indutydate = _date(head, "indutydate")
        existing = self.data.find_person(id_number=id_number)
        if existing is not None:
            raise _BillError(DUPLICATE, "billhead.id: 该证件号码已存在", existing.pk_psndoc)
        try:
            person = self.data.create_person(
                name=head["name"].strip(),  # type: ignore[union-attr]
                sex=int(sex or 0),
                id_number=id_number,
                mobile=mobile,
                email=email,
                birthdate=birthdate,
                pk_org=head["pk_org"],
                pk_dept=head["pk_dept"],
                job_name=head.get("jobname") or "",
                indutydate=indutydate,
                origin=f"hrhub:{bill_id}",
            )
        except ValueError:  # another thread created it between the lookup and now
            again = self.data.find_person(id_number=id_number)
            raise _BillError(
                DUPLICATE, "billhead.id: 该证件号码已存在", again.pk_psndoc if again else None
            ) from None
        return person.pk_psndoc

    def _nc_upsert_result(self, bill_id: str, head: dict[str, str | None], replace: bool) -> str:
        pk_applicant = (head.get("pk_applicant") or "").strip()
        if not pk_applicant:
            raise _BillError(INVALID, "billhead.pk_applicant: 必填")
        with self.data.lock:
            known = pk_applicant in self.data.applicants
        if not known:
            raise _BillError(INVALID, f"billhead.pk_applicant: 应聘人员不存在: {pk_applicant}")
        try:
            round_no = int(head.get("round") or "")
        except ValueError:
            raise _BillError(INVALID, "billhead.round: 应为正整数") from None
        if round_no < 1:
            raise _BillError(INVALID, "billhead.round: 应为正整数")
        score: float | None = None
        if head.get("score"):
            try:
                score = float(head["score"])  # type: ignore[arg-type]
            except ValueError:
                raise _BillError(INVALID, "billhead.score: 应为 0-100 的数字") from None
            if not 0 <= score <= 100:
                raise _BillError(INVALID, "billhead.score: 应为 0-100 的数字")
        outcome = (head.get("result") or "").strip()
        if outcome not in RESULT_VALUES:
            raise _BillError(INVALID, "billhead.result: 取值 1 (通过) / 2 (不通过) / 3 (待定)")
        interviewdate = head.get("interviewdate")
        if interviewdate:
            try:
                parse_ts(interviewdate)
            except ValueError:
                raise _BillError(INVALID, "billhead.interviewdate: 日期格式错误") from None
        with self.data.lock:
            existing = self.data.results.get(bill_id)
            if existing is not None and not replace:
                raise _BillError(DUPLICATE, f"bill.id: 单据已存在: {bill_id}", existing.pk)
            result, _new = self.data.upsert_result(
                bill_id,
                {
                    "pk_applicant": pk_applicant,
                    "round": round_no,
                    "interviewer": head.get("interviewer"),
                    "score": score,
                    "result": outcome,
                    "evaluation": head.get("evaluation"),
                    "interviewdate": interviewdate,
                },
            )
        return result.pk


# -- rows as NC renders them -------------------------------------------------------------------


def psndoc_row(person: Person) -> dict[str, str]:
    """A person as a `<psndoc>` row (idtype 0 = resident id; enablestate 2 on, 3 off)."""
    return {
        "pk_psndoc": person.pk_psndoc,
        "code": person.code,
        "name": person.name,
        "sex": str(person.sex) if person.sex in (1, 2) else "",
        "idtype": "0",
        "id": person.id_number,
        "mobile": person.mobile,
        "email": person.email or "",
        "birthdate": _fmt_date(person.birthdate),
        "pk_org": person.pk_org,
        "pk_dept": person.pk_dept,
        "jobname": person.job_name,
        "indutydate": _fmt_date(person.indutydate),
        "enablestate": "2" if person.enabled else "3",
        "ts": format_ts(person.ts),
    }


def applicant_row(applicant: Applicant) -> dict[str, str]:
    """An applicant as an `<applicant>` row, with the job's code and name."""
    job_code, job_name, _dept = JOBS.get(applicant.pk_job, ("", "", ""))
    return {
        "pk_applicant": applicant.pk_applicant,
        "code": applicant.code,
        "name": applicant.name,
        "sex": str(applicant.sex),
        "id": applicant.id_number,
        "mobile": applicant.mobile,
        "email": applicant.email or "",
        "birthdate": _fmt_date(applicant.birthdate),
        "pk_job": applicant.pk_job,
        "job_code": job_code,
        "job_name": job_name,
        "applydate": _fmt_date(applicant.apply_date),
        "education": applicant.education,
        "school": applicant.school,
        "workcompany": applicant.work_company or "",
        "state": applicant.state,
        "ts": format_ts(applicant.ts),
    }


def valid_id_number(number: str) -> bool:
    """An 18-character resident id whose ISO 7064 MOD 11-2 check character is right."""
    if not _ID_NUMBER.match(number):
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def _fmt_date(value: date | None) -> str:
    return value.strftime(DATE_FMT) if value else ""


def _date(head: dict[str, str | None], name: str) -> date | None:
    text = (head.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_ts(text).date()
    except ValueError:
        raise _BillError(INVALID, f"billhead.{name}: 日期格式应为 yyyy-MM-dd") from None


def _birthdate_of(id_number: str) -> date | None:
    try:
        return datetime.strptime(id_number[6:14], "%Y%m%d").date()
    except ValueError:
        return None
