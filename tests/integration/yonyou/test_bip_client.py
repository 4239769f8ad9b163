"""BipClient against the Yonyou simulator's YonBIP face over loopback: tokens, reads, writes."""

from __future__ import annotations

import logging
import threading
import time
import types
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors._core.errors import (
    AuthError,
    ConfigError,
    DataContractError,
    RecordRejected,
    RetriableError,
)
from connectors._core.retry import retry_policy
from connectors._core.simulator import Request, Response
from connectors.yonyou import bip_client
from connectors.yonyou.bip_client import BipClient
from connectors.yonyou.sim_data import DEPARTMENTS, ORGS
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator

TOKEN = "/open-auth/selfAppAuth/getAccessToken"
RECRUIT_SAVE = "/yonbip/hrcloud/recruit/batchSaveOrUpdateRecruit"
TS_FMT = "%Y-%m-%d %H:%M:%S"
ORG = next(iter(ORGS))
DEPT = next(iter(DEPARTMENTS))


@pytest.fixture
def sim() -> Iterator[YonyouSimulator]:
    with YonyouSimulator() as server:
        yield server


def make_client(sim: YonyouSimulator, **kw: Any) -> BipClient:
    kw.setdefault("retry", retry_policy(sleep=lambda s: None, initial=0.01))
    return BipClient(
        kw.pop("base_url", sim.url),
        app_key=kw.pop("app_key", SANDBOX_APP_KEY),
        app_secret=kw.pop("app_secret", SANDBOX_APP_SECRET),
        **kw,
    )


@pytest.fixture
def client(sim: YonyouSimulator) -> Iterator[BipClient]:
    with make_client(sim, page_size=100) as c:
        yield c


def read_all(client: BipClient, since: str | None = None, overlap: int = 0) -> list[dict]:
    return [row for page in client.read_stream("bip_staff", since, overlap) for row in page]


def requisition(code: str, **changes: Any) -> dict[str, Any]:
    return {
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
        **changes,
    }


def pre_hire(code: str, n: int, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "周杰",
        "certType": "01",
        "certNo": f"1101011992030400{n:02d}",
        "sex": "1",
        "birthDate": "1992-03-04",
        "mobile": f"+86-139123456{n:02d}",
        "email": "zhou.jie@example.cn",
        "joinWorkDate": "2026-04-01",
        "orgId": ORG,
        "deptId": DEPT,
        "jobName": "数据工程师",
        **changes,
    }


def interview(code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "applicantCode": "YP20260001",
        "round": "1",
        "interviewer": "王芳",
        "score": "86",
        "result": "pass",
        "evaluation": "基础扎实",
        "interviewDate": "2026-03-02 10:00:00",
        **changes,
    }


# -- reads -----------------------------------------------------------------------------------------


def test_check(client: BipClient, sim: YonyouSimulator) -> None:
    assert client.check().startswith("YonBIP answered: 600 staff")
    assert sim.counters[TOKEN] == 1


def test_full_read_returns_every_staff_row_once(client: BipClient, sim: YonyouSimulator) -> None:
    rows = read_all(client)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == sim.count_stream("bip_staff")
    cursors = [(client.cursor_value("bip_staff", r), r["id"]) for r in rows]
    assert cursors == sorted(cursors)
    assert sim.counters["/yonbip/hrcloud/staff/listmdd"] == 6  # 600 rows at 100 a page
    # Plain strings for the hub, as YonBIP spells the keys.
    assert all(isinstance(v, str) or v is None for r in rows for v in r.values())
    assert rows[0]["sex"] in ("1", "2") and rows[0]["mobile"].startswith("+86-")


def test_incremental_read_after_a_pre_hire(client: BipClient) -> None:
    before = read_all(client)
    since = max(client.cursor_value("bip_staff", r) or "" for r in before)
    [outcome] = client.write("bip_pre_hire", [pre_hire("HR-0001", 1)])
    assert outcome.ok
    overlap = 300
    after = read_all(client, since, overlap)
    start = (datetime.strptime(since, TS_FMT) - timedelta(seconds=overlap)).strftime(TS_FMT)
    expected = {r["id"] for r in before if r["pubts"] >= start}
    assert {r["id"] for r in after} == expected | {outcome.remote_id}
    new = next(r for r in after if r["id"] == outcome.remote_id)
    assert (new["code"], new["enable"], new["mobile"]) == ("HR-0001", "0", "+86-13912345601")


def test_gateway_base_url(sim: YonyouSimulator) -> None:
    with make_client(sim, base_url=sim.url + "/iuap-api-gateway") as c:
        assert c.token_path == "/iuap-api-auth" + TOKEN
        assert "600 staff" in c.check()


def test_a_page_that_repeats_stops_the_read(
    client: BipClient, sim: YonyouSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = sim._bip_list
    # A server that ignores pageIndex would serve page 1 forever.
    monkeypatch.setattr(
        sim, "_bip_list", lambda body, rows, f: original({**body, "pageIndex": 1}, rows, f)
    )
    with pytest.raises(DataContractError, match="repeats"):
        read_all(client)


def test_unknown_stream_and_operation(client: BipClient) -> None:
    with pytest.raises(ConfigError, match="bip_staff"):
        list(client.read_stream("nc_persons", None, 0))
    with pytest.raises(ConfigError, match="bip_requisition, bip_pre_hire, bip_interview_result"):
        client.write("nc_pre_hire", [{"code": "x"}])


# -- tokens ----------------------------------------------------------------------------------------


def test_token_expiry_mid_read_is_refreshed(sim: YonyouSimulator) -> None:
    sim.set_faults("token_expiry=1,slow_page_ms=250")
    with make_client(sim, page_size=100) as c:
        rows = read_all(c)
    assert len({r["id"] for r in rows}) == len(rows) == 600
    assert sim.counters[TOKEN] >= 2  # the first token died during the read and was replaced


def test_a_stale_timestamp_is_signed_again(
    client: BipClient, sim: YonyouSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = time.time
    skew = iter([-600.0])  # the first signature is ten minutes late: code 1002

    def fake_time() -> float:
        return real() + next(skew, 0.0)

    monkeypatch.setattr(
        bip_client, "time", types.SimpleNamespace(time=fake_time, monotonic=time.monotonic)
    )
    assert "600 staff" in client.check()
    assert sim.counters[TOKEN] == 2


def test_wrong_secret_is_an_auth_error_without_secrets(
    sim: YonyouSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wrong-Secret-0f9e8d7c"
    caplog.set_level(logging.DEBUG)
    with make_client(sim) as good:
        assert "600 staff" in good.check()
        token = good._token
    assert token
    with make_client(sim, app_secret=wrong) as bad, pytest.raises(AuthError) as caught:
        bad.check()  # must not borrow the token the right secret fetched
    assert caught.value.vendor_code == "1001" and not caught.value.refreshable
    text = f"{caught.value} {caught.value.message} {caplog.text}"
    for secret in (wrong, SANDBOX_APP_SECRET, token):
        assert secret not in text
    assert "getAccessToken" in caplog.text  # the calls were logged, redacted


def test_two_clients_of_the_same_app_share_one_token(sim: YonyouSimulator) -> None:
    clients = [make_client(sim) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    answers: list[str] = []

    def run(c: BipClient) -> None:
        barrier.wait()
        answers.append(c.check())

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(answers) == 4
    assert sim.counters[TOKEN] == 1
    assert len({c._token for c in clients}) == 1
    for c in clients:
        c.close()


# -- writes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "records", "count"),
    [
        (
            "bip_requisition",
            [requisition("RQ-1"), requisition("RQ-2", name="后端招聘")],
            lambda sim: len(sim.data.requisitions),
        ),
        (
            "bip_pre_hire",
            [pre_hire("HR-0001", 1), pre_hire("HR-0002", 2)],
            lambda sim: len(sim.data.persons),
        ),
        (
            "bip_interview_result",
            [interview("IV-1"), interview("IV-2", result="reject")],
            lambda sim: len(sim.data.results),
        ),
    ],
)
def test_writing_twice_updates(
    client: BipClient, sim: YonyouSimulator, operation: str, records: list, count: Any
) -> None:
    before = count(sim)
    first = client.write(operation, records)
    assert all(o.ok for o in first), first
    assert count(sim) == before + len(records)
    changed = [{**r, "name": "改后"} if "name" in r else {**r, "score": "90"} for r in records]
    second = client.write(operation, changed)
    assert [o.remote_id for o in second] == [o.remote_id for o in first]
    assert [o.index for o in second] == [0, 1]
    assert count(sim) == before + len(records)


def test_per_record_refusals_name_the_record_and_field(client: BipClient) -> None:
    records = [
        requisition("RQ-1"),
        requisition("RQ-2", enddate="2026-01-01"),
        {"name": "no code"},
        requisition("RQ-3", recruitPostVO=[{"code": "P", "name": "x", "recruitNum": 0}]),
    ]
    outcomes = client.write("bip_requisition", records)
    assert [o.ok for o in outcomes] == [True, False, False, False]
    errors = [o.error for o in outcomes[1:]]
    assert all(isinstance(e, RecordRejected) for e in errors)
    assert [(e.record_id, e.field) for e in errors] == [
        ("RQ-2", "enddate"),
        ("#2", "code"),
        ("RQ-3", "recruitPostVO[0].recruitNum"),
    ]
    [bad] = client.write("bip_pre_hire", [pre_hire("HR-9", 9, mobile="13912345609")])
    assert isinstance(bad.error, RecordRejected) and bad.error.field == "mobile"


def test_more_than_100_records_go_in_batches(client: BipClient, sim: YonyouSimulator) -> None:
    records = [interview(f"IV-{i:03d}") for i in range(230)]
    outcomes = client.write("bip_interview_result", records)
    assert all(o.ok for o in outcomes) and len(sim.data.results) == 230
    assert sim.counters["/yonbip/hrcloud/recruit/interview/batchSaveOrUpdate"] == 3


def test_a_code_twice_in_one_write_is_saved_once(client: BipClient, sim: YonyouSimulator) -> None:
    outcomes = client.write(
        "bip_requisition", [requisition("RQ-1"), requisition("RQ-1", name="v2")]
    )
    assert all(o.ok for o in outcomes) and outcomes[0].remote_id == outcomes[1].remote_id
    assert len(sim.data.requisitions) == 1
    assert next(iter(sim.data.requisitions.values())).fields["name"] == "v2"


def drop_first_save(sim: YonyouSimulator, path: str) -> list[Request]:
    """The first call to `path` lands, then its answer is lost (drop=1, drop_after=1)."""
    original = sim.handle
    dropped: list[Request] = []

    def handle(req: Request) -> Response | None:
        if req.path == path and not dropped:
            dropped.append(req)
            sim.set_faults("drop=1,drop_after=1")
            try:
                return original(req)
            finally:
                sim.set_faults(None)
        return original(req)

    sim.handle = handle  # type: ignore[method-assign]
    return dropped


def test_a_lost_answer_is_retried_as_an_update(client: BipClient, sim: YonyouSimulator) -> None:
    dropped = drop_first_save(sim, RECRUIT_SAVE)
    [outcome] = client.write("bip_requisition", [requisition("RQ-1")])
    assert dropped and sim.counters["dropped_after"] == 1
    assert outcome.ok and len(sim.data.requisitions) == 1
    assert outcome.remote_id == next(iter(sim.data.requisitions))
    assert sim.counters[RECRUIT_SAVE] == 2  # the Insert that landed, then an Update


def test_a_lost_answer_replayed_by_the_hub_is_no_duplicate(sim: YonyouSimulator) -> None:
    drop_first_save(sim, RECRUIT_SAVE)
    with make_client(sim, retry=retry_policy(max_attempts=1)) as c:
        [lost] = c.write("bip_requisition", [requisition("RQ-1")])
        assert not lost.ok and isinstance(lost.error, RetriableError) and lost.retriable
        [again] = c.write("bip_requisition", [requisition("RQ-1")])
    assert again.ok and len(sim.data.requisitions) == 1
    assert again.remote_id == next(iter(sim.data.requisitions))
