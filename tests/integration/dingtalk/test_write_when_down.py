"""DingTalk writes against a simulator that is down (every call: errcode -1, system busy)
stop after the first call's retries: work notifications (their mobile lookups and their
100-recipient sends) and pre-entries. What was not sent comes back retriable, naming the call
that failed; once DingTalk is back the same records land, each once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from connectors._core.errors import RetriableError
from connectors._core.retry import retry_policy
from connectors._core.write import WriteOutcome
from connectors.dingtalk.client import TOKENS, DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator
from tests.integration.dingtalk.test_dingtalk_connector import (
    AS_OF,
    FakeClock,
    active_users,
    make_client,
    notice,
)

ATTEMPTS = 2


@pytest.fixture
def sim() -> Iterator[DingTalkSimulator]:
    with DingTalkSimulator(as_of=AS_OF, clock=FakeClock(), users=400) as server:
        yield server


@pytest.fixture
def client(sim: DingTalkSimulator) -> Iterator[DingTalkClient]:
    """Gives up after two attempts (no sleeping), with its token fetched while DingTalk is up,
    so every call the down simulator sees is a write's."""
    TOKENS.invalidate((sim.url, ""), None)
    retry = retry_policy(sleep=lambda s: None, initial=0.01, max_attempts=ATTEMPTS)
    with make_client(sim, FakeClock(), retry=retry) as c:
        c.check()
        sim.set_faults("down=true")
        sim.reset_stats()
        yield c


def assert_not_sent(outcome: WriteOutcome, record_id: str, failed_on: str) -> None:
    error = outcome.error
    assert not outcome.ok and outcome.retriable and isinstance(error, RetriableError)
    assert (error.system, error.record_id) == ("dingtalk", record_id)
    assert str(error).startswith(f"dingtalk (record {record_id!r}): not sent:"), str(error)
    assert f"failed on an earlier record of this batch ({failed_on})" in str(error)
    assert "vendor code -1" in str(error)  # the failure that stopped the batch


def test_notifications_stop_after_the_first_send_and_go_out_once_dingtalk_is_back(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    users = active_users(sim, 250)
    records = [notice(u["userid"]) for u in users]  # one message: sends of 100, 100, 50
    outcomes = client.write("work_notification", records)

    assert sim.counters["down"] == sim.counters["requests"] == ATTEMPTS
    assert {path for _, path in sim.calls} == {"/topapi/message/corpconversation/asyncsend_v2"}
    failed = outcomes[:100]  # the first send's recipients keep DingTalk's own error
    assert all(o.retriable and o.error.vendor_code == "-1" for o in failed)
    assert all("not sent" not in str(o.error) for o in failed)
    first_call = f"{records[0]['canonical_id']} and 99 more in the same call"
    for outcome, record in zip(outcomes[100:], records[100:], strict=True):
        assert_not_sent(outcome, record["canonical_id"], first_call)

    sim.set_faults(None)
    again = client.write("work_notification", records)
    assert [o.ok for o in again] == [True] * 250
    with sim.lock:
        delivered = Counter(u for task in sim.sent_tasks.values() for u in task["delivered"])
    assert delivered == Counter(u["userid"] for u in users)  # each recipient once


def test_mobile_lookups_stop_after_the_first_and_nothing_is_sent(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    users = active_users(sim, 5)
    records = [{**notice(u["userid"]), "userid": None, "mobile": u["mobile"]} for u in users]
    outcomes = client.write("work_notification", records)

    assert sim.counters["down"] == sim.counters["requests"] == ATTEMPTS
    assert len({path for _, path in sim.calls}) == 1  # the first record's lookup, twice
    assert outcomes[0].retriable and outcomes[0].error.vendor_code == "-1"
    for outcome, record in zip(outcomes[1:], records[1:], strict=True):
        assert_not_sent(outcome, record["canonical_id"], records[0]["canonical_id"])

    sim.set_faults(None)
    again = client.write("work_notification", records)
    assert [o.remote_id.split(":")[1] for o in again] == [u["userid"] for u in users]


def test_pre_entries_stop_after_the_first_and_are_created_once_dingtalk_is_back(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    records = [
        {"canonical_id": f"pre_hire:hrhub:{n}", "name": "林晓", "mobile": f"137123456{n:02d}"}
        for n in range(10)
    ]
    outcomes = client.write("pre_entry", records)

    assert sim.counters["down"] == sim.counters["requests"] == ATTEMPTS
    assert outcomes[0].retriable and "not sent" not in str(outcomes[0].error)
    for outcome, record in zip(outcomes[1:], records[1:], strict=True):
        assert_not_sent(outcome, record["canonical_id"], records[0]["canonical_id"])
    assert sim.preentries == {}

    sim.set_faults(None)
    again = client.write("pre_entry", records)
    assert all(o.ok for o in again)
    with sim.lock:
        mobiles = Counter(p["mobile"] for p in sim.preentries.values())
    assert mobiles == Counter(r["mobile"] for r in records)  # each created once


def test_robot_notices_stop_after_the_first_and_each_is_posted_once_dingtalk_is_back(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    records = [
        {
            "canonical_id": f"robot:hrhub:{n}",
            "template": "pending",
            "language": "zh",
            "params": {"job_title": f"数据工程师 {n}", "decision_by": "6-25"},
        }
        for n in range(5)
    ]
    outcomes = client.write("robot_notice", records)

    assert sim.counters["down"] == sim.counters["requests"] == ATTEMPTS
    assert outcomes[0].retriable and "not sent" not in str(outcomes[0].error)
    for outcome, record in zip(outcomes[1:], records[1:], strict=True):
        assert_not_sent(outcome, record["canonical_id"], records[0]["canonical_id"])
    assert sim.robot_messages == []

    sim.set_faults(None)
    assert all(o.ok for o in client.write("robot_notice", records))
    posted = [body["markdown"]["text"] for _, body in sim.robot_messages]
    assert len(posted) == 5
    assert all(sum(f"数据工程师 {n}" in text for text in posted) == 1 for n in range(5))
