"""The YonBIP face of the Yonyou simulator, spoken to with plain `requests` over loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from connectors.yonyou.signing import raw_signature
from connectors.yonyou.sim_data import DEPARTMENTS, ORGS
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator

TOKEN = "/open-auth/selfAppAuth/getAccessToken"
STAFF_LIST = "/yonbip/hrcloud/staff/listmdd"
RECRUIT_LIST = "/yonbip/hrcloud/recruit/listmdd"
RECRUIT_SAVE = "/yonbip/hrcloud/recruit/batchSaveOrUpdateRecruit"
ENTRY_SAVE = "/yonbip/hrcloud/staff/batchSaveOrUpdateEntry"
INTERVIEW_LIST = "/yonbip/hrcloud/recruit/interview/listmdd"
INTERVIEW_SAVE = "/yonbip/hrcloud/recruit/interview/batchSaveOrUpdate"
ORG = next(iter(ORGS))
DEPT = next(iter(DEPARTMENTS))


@pytest.fixture
def sim() -> Iterator[YonyouSimulator]:
    with YonyouSimulator() as server:
        yield server


def token_call(
    sim: YonyouSimulator,
    *,
    app_key: str = SANDBOX_APP_KEY,
    secret: str = SANDBOX_APP_SECRET,
    timestamp_ms: int | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    params = {"appKey": app_key, "timestamp": str(timestamp_ms or int(time.time() * 1000))}
    params["signature"] = raw_signature(secret, params)  # requests encodes it once
    return requests.get(sim.url + prefix + TOKEN, params=params, timeout=5).json()


def token(sim: YonyouSimulator) -> str:
    body = token_call(sim)
    assert body["code"] == "00000", body
    return body["data"]["access_token"]


def post(sim: YonyouSimulator, path: str, body: Any, access_token: str | None) -> dict[str, Any]:
    params = {"access_token": access_token} if access_token else {}
    resp = requests.post(sim.url + path, params=params, json=body, timeout=5)
    assert resp.status_code == 200
    return resp.json()


def requisition(code: str, **changes: Any) -> dict[str, Any]:
    row = {
        "_status": "Insert",
        "code": code,
        "name": "数据平台招聘",
        "recruitOrg": ORG,
        "recruitType": "社会招聘",
        "begindate": "2026-03-01",
        "enddate": "2026-06-30",
        "recruitPostVO": [
            {
                "code": "P01",
                "name": "数据工程师",
                "recruitNum": 2,
                "salaryMin": 2e4,
                "salaryMax": 3e4,
            }
        ],
    }
    row.update(changes)
    return row


# -- tokens ----------------------------------------------------------------------------------------


def test_token_is_issued_for_a_good_signature(sim: YonyouSimulator) -> None:
    body = token_call(sim)
    assert body["code"] == "00000" and body["message"] == "成功!"
    assert body["data"]["expire"] == 7200 and len(body["data"]["access_token"]) >= 16
    # The newer gateway form serves the same call.
    again = token_call(sim, prefix="/iuap-api-gateway/iuap-api-auth")
    assert again["code"] == "00000"
    assert again["data"]["access_token"] != body["data"]["access_token"]
    # Both tokens stay valid: asking again does not revoke the first.
    for t in (body["data"]["access_token"], again["data"]["access_token"]):
        assert post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 1}, t)["code"] == "200"
    assert sim.counters[TOKEN] == 2


def test_wrong_secret_is_1001(sim: YonyouSimulator) -> None:
    assert token_call(sim, secret="not-the-secret")["code"] == "1001"


def test_a_twice_encoded_signature_is_1001(sim: YonyouSimulator) -> None:
    params = {"appKey": SANDBOX_APP_KEY, "timestamp": str(int(time.time() * 1000))}
    encoded = quote(raw_signature(SANDBOX_APP_SECRET, params), safe="")
    # Handing the already encoded form to requests encodes it a second time.
    resp = requests.get(sim.url + TOKEN, params={**params, "signature": encoded}, timeout=5)
    assert resp.json()["code"] == "1001"
    # Appended by hand, as the Java demo does, it is encoded once and accepted.
    query = f"appKey={params['appKey']}&timestamp={params['timestamp']}&signature={encoded}"
    assert requests.get(f"{sim.url}{TOKEN}?{query}", timeout=5).json()["code"] == "00000"


def test_stale_timestamp_is_1002(sim: YonyouSimulator) -> None:
    stale = int((time.time() - 600) * 1000)
    body = token_call(sim, timestamp_ms=stale)
    assert body["code"] == "1002" and "timestamp" in body["message"]
    future = int((time.time() + 600) * 1000)
    assert token_call(sim, timestamp_ms=future)["code"] == "1002"


def test_unknown_app_key_is_1003(sim: YonyouSimulator) -> None:
    assert token_call(sim, app_key="someone-else")["code"] == "1003"


def test_business_calls_need_a_live_token(sim: YonyouSimulator) -> None:
    page = {"pageIndex": 1, "pageSize": 1}
    assert post(sim, STAFF_LIST, page, None)["code"] == "401"
    assert post(sim, STAFF_LIST, page, "0" * 32)["code"] == "401"
    sim.set_faults("token_expiry=1")
    short = token(sim)
    assert post(sim, STAFF_LIST, page, short)["code"] == "200"
    time.sleep(1.1)
    body = post(sim, STAFF_LIST, page, short)
    assert body == {"code": "401", "message": "access_token 无效或已过期"}


def test_bad_json_is_999(sim: YonyouSimulator) -> None:
    resp = requests.post(
        sim.url + STAFF_LIST,
        params={"access_token": token(sim)},
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert resp.status_code == 200 and resp.json()["code"] == "999"


# -- listmdd ---------------------------------------------------------------------------------------


def test_listmdd_pages_cover_every_staff_row_once(sim: YonyouSimulator) -> None:
    t = token(sim)
    seen: list[str] = []
    keys: list[tuple[str, str]] = []
    index = 1
    while True:
        body = post(sim, STAFF_LIST, {"pageIndex": index, "pageSize": 130}, t)
        data = body["data"]
        assert body["code"] == "200" and data["recordCount"] == 600 and data["pageCount"] == 5
        if not data["recordList"]:
            break
        seen += [r["id"] for r in data["recordList"]]
        keys += [(r["pubts"], r["id"]) for r in data["recordList"]]
        index += 1
    assert index == 6  # five pages, then an empty one past the end
    assert len(seen) == len(set(seen)) == sim.count_stream("bip_staff")
    assert keys == sorted(keys)
    row = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 1}, t)["data"]["recordList"][0]
    assert row["mobile"].startswith("+86-1") and len(row["mobile"]) == 15
    assert row["certType"] == "01" and row["sex"] in (1, 2) and row["enable"] == 1
    assert set(row) >= {"code", "name", "certNo", "birthDate", "joinWorkDate", "orgId", "deptId"}


def test_listmdd_filters_by_pubts_and_code(sim: YonyouSimulator) -> None:
    t = token(sim)
    everyone = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 500}, t)["data"]
    middle = sorted(r["pubts"] for r in everyone["recordList"])[250]
    vo = {"field": "pubts", "op": "egt", "value1": middle}
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 500, "simpleVOs": [vo]}, t)
    rows = body["data"]["recordList"]
    expected = sum(1 for p in sim.data.persons.values() if p.ts.strftime("%F %T") >= middle)
    assert body["data"]["recordCount"] == len(rows) == expected
    assert all(r["pubts"] >= middle for r in rows)
    vo = {"field": "code", "op": "in", "value1": ["E100001", "E100002", "nope"]}
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 10, "simpleVOs": [vo]}, t)
    assert sorted(r["code"] for r in body["data"]["recordList"]) == ["E100001", "E100002"]


def test_listmdd_refuses_bad_page_sizes_and_unknown_fields(sim: YonyouSimulator) -> None:
    t = token(sim)
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 501}, t)
    assert body["code"] == "999" and "pageSize" in body["message"]
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 0}, t)
    assert body["code"] == "999" and "pageSize" in body["message"]
    vo = {"field": "salary", "op": "eq", "value1": "1"}
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 10, "simpleVOs": [vo]}, t)
    assert body["code"] == "999" and "salary" in body["message"]
    vo = {"field": "pubts", "op": "egt", "value1": "yesterday"}
    body = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 10, "simpleVOs": [vo]}, t)
    assert body["code"] == "999" and "pubts" in body["message"]


# -- batchSaveOrUpdate -----------------------------------------------------------------------------


def test_requisition_insert_update_and_refusals(sim: YonyouSimulator) -> None:
    t = token(sim)
    body = post(sim, RECRUIT_SAVE, {"data": [requisition("RQ-1")]}, t)
    assert body["code"] == "200"
    data = body["data"]
    assert (data["count"], data["successCount"], data["failCount"]) == (1, 1, 0)
    doc_id = data["infos"][0]["id"]
    assert data["infos"][0] == {"index": 0, "id": doc_id, "code": "RQ-1"}

    data = post(sim, RECRUIT_SAVE, {"data": [requisition("RQ-1")]}, t)["data"]
    assert data["failCount"] == 1 and "编码已存在" in data["messages"][0]["message"]
    assert data["messages"][0]["code"] == "RQ-1"

    update = requisition("RQ-1", _status="Update", id=doc_id, name="数据平台招聘(加急)")
    data = post(sim, RECRUIT_SAVE, {"data": [update]}, t)["data"]
    assert data["successCount"] == 1 and data["infos"][0]["id"] == doc_id
    assert sim.data.requisitions[doc_id].fields["name"] == "数据平台招聘(加急)"
    assert len(sim.data.requisitions) == 1

    ghost = requisition("RQ-2", _status="Update", id="999")
    data = post(sim, RECRUIT_SAVE, {"data": [ghost]}, t)["data"]
    assert data["failCount"] == 1 and data["messages"][0]["message"].startswith("id:")

    listed = post(sim, RECRUIT_LIST, {"pageIndex": 1, "pageSize": 10}, t)["data"]["recordList"]
    assert [(r["id"], r["code"], r["recruitPostVO"][0]["recruitNum"]) for r in listed] == [
        (doc_id, "RQ-1", 2)
    ]


def test_more_than_100_rows_is_refused_whole(sim: YonyouSimulator) -> None:
    rows = [requisition(f"RQ-{i}") for i in range(101)]
    body = post(sim, RECRUIT_SAVE, {"data": rows}, token(sim))
    assert body == {"code": "999", "message": "单次最多100条"}
    assert not sim.data.requisitions


def test_a_bad_row_fails_alone_naming_its_field(sim: YonyouSimulator) -> None:
    rows = [
        requisition("RQ-A"),
        requisition("RQ-B", enddate="2026-01-01"),
        requisition("RQ-C", recruitPostVO=[{"code": "P", "name": "x", "recruitNum": 0}]),
        requisition("RQ-D"),
        {**requisition("RQ-E"), "name": ""},
    ]
    data = post(sim, RECRUIT_SAVE, {"data": rows}, token(sim))["data"]
    assert (data["count"], data["successCount"], data["failCount"]) == (5, 2, 3)
    assert [i["code"] for i in data["infos"]] == ["RQ-A", "RQ-D"]
    fields = {m["index"]: m["message"].split(":")[0] for m in data["messages"]}
    assert fields == {1: "enddate", 2: "recruitPostVO[0].recruitNum", 4: "name"}


def test_pre_entry_staff(sim: YonyouSimulator) -> None:
    t = token(sim)
    row = {
        "_status": "Insert",
        "code": "HR-0001",
        "name": "周杰",
        "certType": "01",
        "certNo": "110101199203040017",
        "sex": 1,
        "birthDate": "1992-03-04",
        "mobile": "+86-13912345678",
        "email": "zhou.jie@example.cn",
        "joinWorkDate": "2026-04-01",
        "orgId": ORG,
        "deptId": DEPT,
        "jobName": "数据工程师",
    }
    bad_mobile = {**row, "code": "HR-0002", "certNo": "110101199203040033", "mobile": "139"}
    bad_dept = {**row, "code": "HR-0003", "certNo": "110101199203040050", "deptId": "D99"}
    data = post(sim, ENTRY_SAVE, {"data": [row, bad_mobile, bad_dept]}, t)["data"]
    assert data["successCount"] == 1
    assert [m["message"].split(":")[0] for m in data["messages"]] == ["mobile", "deptId"]
    person_id = data["infos"][0]["id"]
    person = sim.data.persons[sim.data.person_by_bip_id[person_id]]
    assert (person.enabled, person.origin, person.mobile) == (False, "hrhub:HR-0001", "13912345678")

    same_cert = {**row, "code": "HR-0004"}
    data = post(sim, ENTRY_SAVE, {"data": [row, same_cert]}, t)["data"]
    assert [m["message"] for m in data["messages"]] == [
        "code: 编码已存在",
        "certNo: 证件号码已存在",
    ]

    update = {**row, "_status": "Update", "id": person_id, "jobName": "高级数据工程师"}
    data = post(sim, ENTRY_SAVE, {"data": [update]}, t)["data"]
    assert data["infos"][0]["id"] == person_id and person.job_name == "高级数据工程师"
    vo = {"field": "code", "op": "eq", "value1": "HR-0001"}
    listed = post(sim, STAFF_LIST, {"pageIndex": 1, "pageSize": 5, "simpleVOs": [vo]}, t)
    assert [(r["id"], r["enable"]) for r in listed["data"]["recordList"]] == [(person_id, 0)]


def test_interview_results(sim: YonyouSimulator) -> None:
    t = token(sim)
    row = {
        "_status": "Insert",
        "code": "IV-1",
        "applicantCode": "YP20260001",
        "round": 1,
        "interviewer": "王芳",
        "score": 86,
        "result": "pass",
        "evaluation": "基础扎实",
        "interviewDate": "2026-03-02 10:00:00",
    }
    data = post(sim, INTERVIEW_SAVE, {"data": [row, {**row, "code": "IV-2", "score": 101}]}, t)
    assert data["data"]["successCount"] == 1
    assert data["data"]["messages"][0]["message"].startswith("score:")
    result_id = data["data"]["infos"][0]["id"]
    again = post(sim, INTERVIEW_SAVE, {"data": [row]}, t)["data"]
    assert "编码已存在" in again["messages"][0]["message"]
    update = {**row, "_status": "Update", "id": result_id, "result": "reject"}
    assert post(sim, INTERVIEW_SAVE, {"data": [update]}, t)["data"]["successCount"] == 1
    listed = post(sim, INTERVIEW_LIST, {"pageIndex": 1, "pageSize": 5}, t)["data"]["recordList"]
    assert [(r["id"], r["code"], r["result"]) for r in listed] == [(result_id, "IV-1", "reject")]


def test_gateway_prefix_serves_business_calls(sim: YonyouSimulator) -> None:
    body = post(sim, "/iuap-api-gateway" + STAFF_LIST, {"pageIndex": 1, "pageSize": 2}, token(sim))
    assert body["code"] == "200" and len(body["data"]["recordList"]) == 2
    assert sim.counters[STAFF_LIST] == 1
