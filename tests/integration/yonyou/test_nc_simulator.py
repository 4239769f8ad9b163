"""The Yonyou simulator's NC face over real loopback HTTP, spoken to with raw `requests`.

No zeep here: these tests pin the wire itself (envelopes, faults, inner documents), so the
client tests next door cannot pass by the client and the simulator agreeing on a mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

import pytest
import requests
from lxml import etree

from connectors.yonyou import ncxml
from connectors.yonyou.ncxml import NC_SERVICE, SOAPENV, TNS, WSSE
from connectors.yonyou.sim_data import TS_FMT
from connectors.yonyou.sim_nc import valid_id_number
from connectors.yonyou.simulator import YonyouSimulator

PATH = f"/uapws/service/{NC_SERVICE}"
DEPT = "1001A1100000000DEPT02"
ORG = "0001A110000000000ORG"


def envelope(
    operation: str,
    inner: str | None,
    *,
    username: str = "hrhub-sandbox",
    password: str = "Yonyou-Sandbox-Secret-5c2e",
    encoding: str = "UTF-8",
) -> bytes:
    """A SOAP 1.1 request as zeep would send it (wrapped, qualified, UsernameToken)."""
    param = "" if inner is None else f"<ns0:string>{escape(inner)}</ns0:string>"
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}">'
        "<soapenv:Header>"
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f"<wsse:Password>{escape(password)}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
        "</soapenv:Header>"
        f'<soapenv:Body><ns0:{operation} xmlns:ns0="{TNS}">{param}</ns0:{operation}>'
        "</soapenv:Body></soapenv:Envelope>"
    )
    return text.encode(encoding)


@pytest.fixture
def server() -> Iterator[YonyouSimulator]:
    sim = YonyouSimulator()
    sim.start()
    yield sim
    sim.stop()


def post(server: YonyouSimulator, body: bytes) -> requests.Response:
    return requests.post(
        server.url + PATH,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:whatever"'},
        timeout=10,
    )


def fault(resp: requests.Response) -> tuple[str, str]:
    assert resp.status_code == 500, resp.text
    root = ncxml.parse(resp.content, what="fault")
    node = root.find(f"{{{SOAPENV}}}Body/{{{SOAPENV}}}Fault")
    assert node is not None
    return node.findtext("faultcode") or "", node.findtext("faultstring") or ""


def inner(resp: requests.Response, operation: str) -> str:
    assert resp.status_code == 200, resp.text
    root = ncxml.parse(resp.content, what="answer")
    ret = root.find(f"{{{SOAPENV}}}Body/{{{TNS}}}{operation}Response/{{{TNS}}}return")
    assert ret is not None and ret.text
    return ret.text


def call(server: YonyouSimulator, operation: str, payload: str | None) -> str:
    return inner(post(server, envelope(operation, payload)), operation)


def id_number(serial: int, born: str = "19920815") -> str:
    body = f"330106{born}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    number = body + "10X98765432"[total % 11]
    assert valid_id_number(number)
    return number


def person(serial: int, **overrides: str) -> dict[str, str]:
    fields = {
        "name": "林晓雨",
        "sex": "2",
        "idtype": "0",
        "id": id_number(serial),
        "mobile": f"199{serial:08d}",
        "email": f"new{serial}@example.cn",
        "birthdate": "1992-08-15",
        "pk_org": ORG,
        "pk_dept": DEPT,
        "jobname": "高级数据工程师",
        "indutydate": "2026-07-01",
    }
    fields.update(overrides)
    return fields


# -- the service description ------------------------------------------------------------------


def test_wsdl_is_served_with_this_servers_address(server: YonyouSimulator) -> None:
    resp = requests.get(server.url + PATH + "?wsdl", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(resp.content)
    assert root.get("targetNamespace") == TNS
    soap = "http://schemas.xmlsoap.org/wsdl/soap/"
    locations = [a.get("location") for a in root.iter(f"{{{soap}}}address")]
    assert locations == [server.url + PATH]
    wsdl = "http://schemas.xmlsoap.org/wsdl/"
    names = {op.get("name") for op in root.iterfind(f"{{{wsdl}}}portType/{{{wsdl}}}operation")}
    assert names == {
        "queryPsndocByTs",
        "queryApplicantByTs",
        "queryPsndocByCondition",
        "savePsndoc",
        "saveInterviewResult",
        "saveCheckin",
    }


def test_unknown_service_is_a_client_fault(server: YonyouSimulator) -> None:
    resp = requests.get(server.url + "/uapws/service/nc.itf.Nope?wsdl", timeout=10)
    code, message = fault(resp)
    assert code == "soapenv:Client" and "nc.itf.Nope" in message


# -- authentication and request safety --------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [("hrhub-sandbox", "wrong"), ("someone", "Yonyou-Sandbox-Secret-5c2e"), ("", "")],
)
def test_wrong_user_or_password_is_failed_authentication(
    server: YonyouSimulator, username: str, password: str
) -> None:
    body = envelope(
        "queryPsndocByTs", ncxml.query(None, 1, 1), username=username, password=password
    )
    resp = post(server, body)
    code, message = fault(resp)
    assert code == "wsse:FailedAuthentication"
    assert message == "The security token could not be authenticated or authorized"
    root = ncxml.parse(resp.content, what="fault")
    fault_node = root.find(f"{{{SOAPENV}}}Body/{{{SOAPENV}}}Fault")
    assert fault_node is not None and fault_node.nsmap.get("wsse") == WSSE


def test_missing_security_header_is_failed_authentication(server: YonyouSimulator) -> None:
    body = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body>'
        f'<ns0:queryPsndocByTs xmlns:ns0="{TNS}"/></soapenv:Body></soapenv:Envelope>'
    ).encode()
    assert fault(post(server, body))[0] == "wsse:FailedAuthentication"


def test_xxe_envelope_is_refused_and_reads_no_file(server: YonyouSimulator) -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body>'
        f'<ns0:queryPsndocByTs xmlns:ns0="{TNS}"><ns0:string>&xxe;</ns0:string>'
        "</ns0:queryPsndocByTs></soapenv:Body></soapenv:Envelope>"
    ).encode()
    resp = post(server, body)
    assert fault(resp) == ("soapenv:Client", "DOCTYPE is not allowed")
    assert b"root:" not in resp.content


def test_xxe_inside_the_payload_string_is_refused(server: YonyouSimulator) -> None:
    payload = (
        '<!DOCTYPE q [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><query><ts>&xxe;</ts></query>'
    )
    resp = post(server, envelope("queryPsndocByTs", payload))
    assert fault(resp) == ("soapenv:Client", "DOCTYPE is not allowed")
    assert b"root:" not in resp.content


def test_malformed_envelope_and_payload_are_client_faults(server: YonyouSimulator) -> None:
    code, message = fault(post(server, b"<soapenv:Envelope><unclosed>"))
    assert code == "soapenv:Client" and message.startswith("Malformed request XML: ")
    code, message = fault(post(server, envelope("queryPsndocByTs", "<query><ts>")))
    assert code == "soapenv:Client" and message.startswith("Malformed request XML: ")


def test_unknown_operation_is_a_client_fault(server: YonyouSimulator) -> None:
    code, message = fault(post(server, envelope("deleteEverything", "<query/>")))
    assert code == "soapenv:Client" and "deleteEverything" in message


# -- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "tag", "key", "stream"),
    [
        ("queryPsndocByTs", "psndoc", "pk_psndoc", "nc_persons"),
        ("queryApplicantByTs", "applicant", "pk_applicant", "nc_applicants"),
    ],
)
def test_paging_covers_every_row_exactly_once_in_ts_order(
    server: YonyouSimulator, operation: str, tag: str, key: str, stream: str
) -> None:
    seen: list[dict[str, str | None]] = []
    pageindex = 1
    while True:
        text = call(server, operation, ncxml.query(None, pageindex, 170))
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
        assert f"<{tag}>" in text
        total, rows = ncxml.rows(text)
        seen += rows
        if pageindex * 170 >= total:
            break
        pageindex += 1
    keys = [r[key] for r in seen]
    assert len(keys) == len(set(keys)) == server.count_stream(stream) == total
    order = [(r["ts"], r[key]) for r in seen]
    assert order == sorted(order)


def test_psndoc_and_applicant_rows_have_nc_fields(server: YonyouSimulator) -> None:
    _total, (row,) = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(None, 1, 1)))
    assert list(row) == [
        "pk_psndoc",
        "code",
        "name",
        "sex",
        "idtype",
        "id",
        "mobile",
        "email",
        "birthdate",
        "pk_org",
        "pk_dept",
        "jobname",
        "indutydate",
        "enablestate",
        "ts",
    ]
    assert row["sex"] in ("1", "2") and row["idtype"] == "0" and row["enablestate"] == "2"
    _total, (app,) = ncxml.rows(call(server, "queryApplicantByTs", ncxml.query(None, 1, 1)))
    assert list(app) == [
        "pk_applicant",
        "code",
        "name",
        "sex",
        "id",
        "mobile",
        "email",
        "birthdate",
        "pk_job",
        "job_code",
        "job_name",
        "applydate",
        "education",
        "school",
        "workcompany",
        "state",
        "ts",
    ]
    assert app["job_code"].startswith("RJ") and app["job_name"]


def test_ts_filter_returns_rows_at_or_after_ts(server: YonyouSimulator) -> None:
    _total, everyone = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(None, 1, 1000)))
    middle = sorted(r["ts"] for r in everyone)[len(everyone) // 2]
    total, rows = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(middle, 1, 1000)))
    expected = [r for r in everyone if r["ts"] >= middle]
    assert total == len(rows) == len(expected)
    assert {r["pk_psndoc"] for r in rows} == {r["pk_psndoc"] for r in expected}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (ncxml.query(None, 1, 0), "pagesize must be 1..1000"),
        (ncxml.query(None, 1, 1001), "pagesize must be 1..1000"),
        (ncxml.query("yesterday", 1, 10), "ts"),
    ],
)
def test_bad_query_values_are_business_exceptions(
    server: YonyouSimulator, payload: str, needle: str
) -> None:
    code, message = fault(post(server, envelope("queryPsndocByTs", payload)))
    assert code == "soapenv:Server"
    assert message.startswith("nc.vo.pub.BusinessException: ") and needle in message


def test_query_by_condition_finds_zero_or_one(server: YonyouSimulator) -> None:
    _total, (someone,) = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(None, 1, 1)))
    total, rows = ncxml.rows(
        call(server, "queryPsndocByCondition", ncxml.condition(someone["id"], None))
    )
    assert total == 1 and rows[0]["pk_psndoc"] == someone["pk_psndoc"]
    by_mobile = call(server, "queryPsndocByCondition", ncxml.condition(None, someone["mobile"]))
    assert ncxml.rows(by_mobile)[1][0]["pk_psndoc"] == someone["pk_psndoc"]
    nobody = call(server, "queryPsndocByCondition", ncxml.condition(id_number(999), None))
    assert ncxml.rows(nobody) == (0, [])


# -- writes -----------------------------------------------------------------------------------


def test_save_psndoc_answers_per_bill_and_one_bad_bill_stops_nothing(
    server: YonyouSimulator,
) -> None:
    _total, (existing,) = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(None, 1, 1)))
    bills = [
        ("H-1", person(1)),
        ("H-2", person(2, mobile="")),  # required field missing
        ("H-3", person(3, id=existing["id"])),  # on file already
        ("H-4", person(4, pk_dept="1001A1100000000NODEPT")),
        ("H-5", person(5)),
    ]
    before = server.count_stream("nc_persons")
    text = call(server, "savePsndoc", ncxml.ufinterface("psndoc", "psndoc", bills))
    root = ncxml.parse(text, what="sendresult")
    assert (root.get("roottag"), root.get("successful")) == ("sendresult", "N")
    results = ncxml.sendresults(text)
    assert [r["bdocid"] for r in results] == ["H-1", "H-2", "H-3", "H-4", "H-5"]
    assert [r["resultcode"] for r in results] == [1, -32000, -32001, -32000, 1]
    assert results[1]["resultdescription"].startswith("billhead.mobile:")
    assert results[3]["resultdescription"].startswith("billhead.pk_dept:")
    assert results[2]["content"] == existing["pk_psndoc"]  # the EXISTING person
    assert server.count_stream("nc_persons") == before + 2
    assert server.counters["nc_bills"] == 5
    created = server.data.persons[results[0]["content"]]
    assert (created.origin, created.name, created.pk_dept) == ("hrhub:H-1", "林晓雨", DEPT)
    # The new person is readable by condition, with the fields that were written.
    found = call(server, "queryPsndocByCondition", ncxml.condition(id_number(1), None))
    row = ncxml.rows(found)[1][0]
    assert row["pk_psndoc"] == results[0]["content"]
    assert (row["mobile"], row["indutydate"], row["jobname"]) == (
        "19900000001",
        "2026-07-01",
        "高级数据工程师",
    )


def test_save_psndoc_validates_id_numbers(server: YonyouSimulator) -> None:
    bad = id_number(7)[:-1] + ("0" if id_number(7)[-1] != "0" else "1")
    text = call(
        server, "savePsndoc", ncxml.ufinterface("psndoc", "psndoc", [("B", person(7, id=bad))])
    )
    (result,) = ncxml.sendresults(text)
    assert result["resultcode"] == -32000 and result["resultdescription"].startswith("billhead.id:")


def test_more_than_500_bills_is_refused_as_a_whole(server: YonyouSimulator) -> None:
    bills = [(f"B{i}", person(i)) for i in range(501)]
    before = server.count_stream("nc_persons")
    code, message = fault(
        post(server, envelope("savePsndoc", ncxml.ufinterface("psndoc", "psndoc", bills)))
    )
    assert (code, message) == ("soapenv:Server", "nc.vo.pub.BusinessException: 单次最多500条")
    assert server.count_stream("nc_persons") == before


def test_interview_results_upsert_by_bill_id(server: YonyouSimulator) -> None:
    applicant = next(iter(server.data.applicants))
    head = {
        "pk_applicant": applicant,
        "round": "1",
        "interviewer": "周敏",
        "score": "86.5",
        "result": "1",
        "evaluation": "沟通清晰",
        "interviewdate": "2026-06-01",
    }
    first = call(
        server,
        "saveInterviewResult",
        ncxml.ufinterface("interviewresult", "interviewresult", [("R-1", head)]),
    )
    (r1,) = ncxml.sendresults(first)
    assert r1["resultcode"] == 1
    again = ncxml.ufinterface(
        "interviewresult", "interviewresult", [("R-1", {**head, "score": "90"})]
    )
    (r2,) = ncxml.sendresults(call(server, "saveInterviewResult", again))
    assert (r2["resultcode"], r2["content"]) == (1, r1["content"])
    assert len(server.data.results) == 1 and server.data.results["R-1"].fields["score"] == 90.0
    no_replace = ncxml.ufinterface(
        "interviewresult", "interviewresult", [("R-1", head)], replace=False
    )
    (r3,) = ncxml.sendresults(call(server, "saveInterviewResult", no_replace))
    assert (r3["resultcode"], r3["content"]) == (-32001, r1["content"])
    bad = [
        ("R-2", {**head, "pk_applicant": "NOPE"}),
        ("R-3", {**head, "score": "101"}),
        ("R-4", {**head, "result": "9"}),
    ]
    results = ncxml.sendresults(
        call(
            server,
            "saveInterviewResult",
            ncxml.ufinterface("interviewresult", "interviewresult", bad),
        )
    )
    assert [r["resultcode"] for r in results] == [-32000] * 3
    assert [r["resultdescription"].split(":")[0] for r in results] == [
        "billhead.pk_applicant",
        "billhead.score",
        "billhead.result",
    ]


def test_writes_are_seen_by_incremental_reads(server: YonyouSimulator) -> None:
    start = (server.data.clock() - timedelta(seconds=1)).strftime(TS_FMT)
    text = call(server, "savePsndoc", ncxml.ufinterface("psndoc", "psndoc", [("N-1", person(11))]))
    pk = ncxml.sendresults(text)[0]["content"]
    total, rows = ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(start, 1, 100)))
    assert [r["pk_psndoc"] for r in rows] == [pk] and total == 1
    assert datetime.strptime(rows[0]["ts"], TS_FMT) >= datetime.strptime(start, TS_FMT)


# -- overrides and encodings ------------------------------------------------------------------


def test_one_shot_overrides(server: YonyouSimulator) -> None:
    server.nc_next_return["queryPsndocByTs"] = "<not-a-result/>"
    assert call(server, "queryPsndocByTs", ncxml.query(None, 1, 1)) == "<not-a-result/>"
    assert ncxml.rows(call(server, "queryPsndocByTs", ncxml.query(None, 1, 1)))[0] == 600
    server.nc_next_envelope = b"<garbage"
    assert post(server, envelope("queryPsndocByTs", None)).content == b"<garbage"
    assert ncxml.rows(call(server, "queryPsndocByTs", None))[0] == 600  # empty = everything


def test_gbk_server_answers_decode() -> None:
    sim = YonyouSimulator(encoding="GBK")
    sim.start()
    try:
        resp = post(sim, envelope("queryPsndocByTs", ncxml.query(None, 1, 5), encoding="GBK"))
        assert resp.headers["Content-Type"] == "text/xml; charset=GBK"
        assert resp.content.startswith(b"<?xml version='1.0' encoding='GBK'?>")
        text = inner(resp, "queryPsndocByTs")
        assert text.startswith('<?xml version="1.0" encoding="GBK"?>')
        _total, rows = ncxml.rows(text)
        names = {p.name for p in sim.data.persons.values()}
        assert len(rows) == 5 and all(r["name"] in names for r in rows)
        failed = post(sim, envelope("queryPsndocByTs", ncxml.query(None, 1, 0)))
        assert failed.headers["Content-Type"] == "text/xml; charset=GBK"
        assert fault(failed) == (
            "soapenv:Server",
            "nc.vo.pub.BusinessException: pagesize must be 1..1000",
        )
        bills = [(f"B{i}", person(i)) for i in range(501)]
        code, message = fault(
            post(sim, envelope("savePsndoc", ncxml.ufinterface("psndoc", "psndoc", bills)))
        )
        assert (code, message) == ("soapenv:Server", "nc.vo.pub.BusinessException: 单次最多500条")
    finally:
        sim.stop()
