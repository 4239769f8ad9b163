"""The DingTalk connector against its simulator over loopback: tokens, notices, quotas,
pre-entries, the signed robot, busy intervals, and the flow's reminders and dead letters."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors._core.busy import CHINA
from connectors._core.errors import AuthError, RateLimited, RecordRejected
from connectors._core.retry import retry_policy
from connectors.dingtalk.client import TOKENS, DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator
from hrhub.flow.notify import remind_unread
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger

AS_OF = datetime(2024, 6, 17, 10, 30)  # a Monday morning, China time
LINK = "https://room.example.com/i/round-1.sig"


class FakeClock:
    """Simulator and client share it, so quotas, read receipts and signatures agree."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DingTalkSimulator]:
    with DingTalkSimulator(as_of=AS_OF, clock=clock, users=400) as server:
        yield server


def sim_now(sim: DingTalkSimulator) -> Any:
    """The simulator's clock as the client's: both agree on "today" and on signatures."""
    return lambda: sim.now().replace(tzinfo=CHINA)


def make_client(sim: DingTalkSimulator, clock: FakeClock, **kw: Any) -> DingTalkClient:
    kw.setdefault("retry", retry_policy(sleep=lambda s: None, initial=0.01))
    return DingTalkClient(
        sim.url,
        app_key=DingTalkSimulator.APP_KEY,
        app_secret=kw.pop("app_secret", DingTalkSimulator.APP_SECRET),
        agent_id=DingTalkSimulator.AGENT_ID,
        api_url=sim.api_url,
        robot_token="hiring-group-robot",
        robot_secret="SEC-hrhub-hiring-group",
        result_wait_seconds=0,
        now=kw.pop("now", None) or sim_now(sim),
        **kw,
    )


@pytest.fixture
def client(sim: DingTalkSimulator, clock: FakeClock) -> Iterator[DingTalkClient]:
    TOKENS.invalidate((sim.url, ""), None)
    with make_client(sim, clock) as c:
        yield c


def calls(sim: DingTalkSimulator, suffix: str) -> int:
    return sum(1 for _, path in sim.calls if path.endswith(suffix))


def active_users(sim: DingTalkSimulator, n: int) -> list[dict[str, Any]]:
    return [u for u in sim.users if u["status"] != "departed"][:n]


def notice(userid: str, template: str = "invite", **params: Any) -> dict[str, Any]:
    base = {"job_title": "数据工程师", "slot": "2024-06-18 14:00-14:45", "expires": "6-18 15:00"}
    return {
        "canonical_id": f"notification:hrhub:{userid}:{template}",
        "userid": userid,
        "template": template,
        "language": "zh",
        "params": {**base, "link": LINK, **params},
    }


# -- tokens -----------------------------------------------------------------------------------


def test_concurrent_clients_share_one_token(sim: DingTalkSimulator, clock: FakeClock) -> None:
    clients = [make_client(sim, clock) for _ in range(8)]
    errors: list[BaseException] = []

    def work(c: DingTalkClient) -> None:
        try:
            c.onjob_userids()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert calls(sim, "/gettoken") == 1


def test_an_expired_token_is_refreshed_once_and_the_call_goes_on(
    sim: DingTalkSimulator, clock: FakeClock, client: DingTalkClient
) -> None:
    client.onjob_userids()
    first = client._token
    clock.advance(7300)  # past DingTalk's 7,200 s, but the client's cache is wall-clock
    TOKENS._tokens[client._token_key].expires_at = float("inf")  # the cache still trusts it
    assert len(client.onjob_userids()) > 0
    assert client._token != first
    assert calls(sim, "/gettoken") == 2


def test_a_wrong_secret_is_an_auth_error_without_the_secret(
    sim: DingTalkSimulator, clock: FakeClock
) -> None:
    bad = make_client(sim, clock, app_secret="Wrong-Secret-123")
    with pytest.raises(AuthError) as failure:
        bad.onjob_userids()
    assert failure.value.vendor_code == "40089"
    assert not failure.value.refreshable
    assert "Wrong-Secret-123" not in str(failure.value)


# -- work notifications -----------------------------------------------------------------------


def test_identical_invitations_go_out_100_recipients_a_call(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    users = active_users(sim, 250)
    outcomes = client.write("work_notification", [notice(u["userid"]) for u in users])
    assert [o.ok for o in outcomes] == [True] * 250
    assert calls(sim, "/asyncsend_v2") == 3
    task_ids = {o.remote_id.split(":")[0] for o in outcomes}
    assert len(task_ids) == 3
    assert all(
        o.remote_id.endswith(":" + u["userid"]) for o, u in zip(outcomes, users, strict=True)
    )
    assert sum(sim.over_limit.values()) == 0


def test_different_messages_are_not_merged(sim: DingTalkSimulator, client: DingTalkClient) -> None:
    users = active_users(sim, 4)
    records = [notice(users[0]["userid"]), notice(users[1]["userid"], "pass")]
    records += [notice(users[2]["userid"], "reject"), notice(users[3]["userid"])]
    outcomes = client.write("work_notification", records)
    assert all(o.ok for o in outcomes)
    assert calls(sim, "/asyncsend_v2") == 3  # invite (2 people), pass, reject


def test_a_resend_the_same_day_counts_as_delivered_not_duplicated(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    userid = active_users(sim, 1)[0]["userid"]
    first = client.write("work_notification", [notice(userid)])
    again = client.write("work_notification", [notice(userid)])
    assert first[0].ok and again[0].ok
    deliveries = [task for task in sim.sent_tasks.values() if userid in task.get("delivered", ())]
    assert len(deliveries) == 1, "DingTalk must have delivered the message once"


def test_unknown_user_is_recorded_with_dingtalks_list_and_the_rest_go_on(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    good = active_users(sim, 2)
    records = [notice(good[0]["userid"]), notice("no-such-user-1"), notice(good[1]["userid"])]
    outcomes = client.write("work_notification", records)
    assert [o.ok for o in outcomes] == [True, False, True]
    error = outcomes[1].error
    assert isinstance(error, RecordRejected) and not outcomes[1].retriable
    assert error.vendor_code == "invalid_user_id_list"


def test_the_daily_quota_is_retriable_after_midnight(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    userid = active_users(sim, 1)[0]["userid"]
    # Fill today's quota with 500 distinct messages (one call each: they differ).
    records = [notice(userid, "pending", decision_by=f"6-{n}") for n in range(500)]
    for chunk in range(0, 500, 100):
        client.write("work_notification", records[chunk : chunk + 100])
    [outcome] = client.write("work_notification", [notice(userid)])
    assert not outcome.ok and outcome.retriable
    assert outcome.error.vendor_code == "143105"
    assert 0 < outcome.error.retry_after <= 13.5 * 3600  # 10:30 -> midnight


def test_mobiles_are_resolved_and_bad_ones_carry_dingtalks_code(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    user = active_users(sim, 1)[0]
    by_mobile = {**notice("x"), "userid": None, "mobile": user["mobile"]}
    unknown = {**notice("x"), "userid": None, "mobile": "13999999999"}
    invalid = {**notice("x"), "userid": None, "mobile": "12345"}
    outcomes = client.write("work_notification", [by_mobile, unknown, invalid])
    assert outcomes[0].ok and outcomes[0].remote_id.endswith(":" + user["userid"])
    assert (outcomes[1].error.vendor_code, outcomes[1].error.field) == ("60121", "mobile")
    assert (outcomes[2].error.vendor_code, outcomes[2].error.field) == ("40104", "mobile")


def test_a_message_over_2048_bytes_is_refused_by_dingtalk_for_its_group_only(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    users = active_users(sim, 3)
    huge = notice(users[0]["userid"], job_title="数据" * 600)
    outcomes = client.write(
        "work_notification", [huge, notice(users[1]["userid"]), notice(users[2]["userid"])]
    )
    assert [o.ok for o in outcomes] == [False, True, True]
    assert outcomes[0].error.vendor_code == "40035"
    assert not outcomes[0].retriable


def test_throttling_90002_is_retried_until_the_messages_land(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    sim.set_faults("rate_limit=0.3,rate_limit_burst=2,seed=3")
    users = active_users(sim, 120)
    outcomes = client.write("work_notification", [notice(u["userid"]) for u in users])
    assert all(o.ok for o in outcomes)
    assert sim.counters["rate_limited"] > 0


def test_a_banned_ip_is_rate_limited_for_five_minutes(clock: FakeClock) -> None:
    with DingTalkSimulator(as_of=AS_OF, clock=clock, ip_limit=(5, 20.0)) as small:
        c = make_client(small, clock)
        with pytest.raises(RateLimited) as failure:
            for _ in range(10):
                c.onjob_userids()
        assert failure.value.vendor_code == "1111"
        assert failure.value.retry_after == 300


# -- pre-entry --------------------------------------------------------------------------------


def test_pre_entry_is_created_once_per_mobile(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    record = {
        "canonical_id": "pre_hire:hrhub:1",
        "name": "林晓",
        "mobile": "13712345678",
        "pre_entry_time": "2024-07-01",
        "extend_info": {"depts": "2", "mainDeptId": "2", "position": "工程师", "employeeType": 1},
    }
    [first] = client.write("pre_entry", [record])
    assert first.ok
    created = sim.preentries[first.remote_id]
    assert (created["name"], created["mobile"]) == ("林晓", "13712345678")
    fresh = make_client(sim, FakeClock())  # a new run: no cache of what it created
    [again] = fresh.write("pre_entry", [record])
    assert again.ok and again.remote_id == first.remote_id
    assert len(sim.preentries) == 1


def test_pre_entry_for_an_employee_returns_the_employee(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    user = active_users(sim, 1)[0]
    [outcome] = client.write("pre_entry", [{"name": user["name"], "mobile": user["mobile"]}])
    assert outcome.ok and outcome.remote_id == user["userid"]
    assert sim.preentries == {}


def test_pre_entry_without_smart_hr_permission_is_a_config_error(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    from connectors._core.errors import ConfigError

    sim.revoke_permission("smartwork")
    with pytest.raises(ConfigError) as failure:
        client.write("pre_entry", [{"name": "林晓", "mobile": "13712345678"}])
    assert failure.value.vendor_code == "88"
    assert "60011" in str(failure.value)


# -- robot ------------------------------------------------------------------------------------


def test_signed_robot_notice_reaches_the_hiring_group(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    [outcome] = client.write(
        "robot_notice",
        [
            {
                "template": "pending",
                "language": "zh",
                "params": {"job_title": "数据工程师", "decision_by": "6-25"},
                "at_mobiles": ["13800138000"],
            }
        ],
    )
    assert outcome.ok
    token, body = sim.robot_messages[-1]
    assert token == "hiring-group-robot"
    assert "数据工程师" in body["markdown"]["text"]
    assert body["at"]["atMobiles"] == ["13800138000"]


def test_a_wrong_robot_secret_is_a_config_error(sim: DingTalkSimulator, clock: FakeClock) -> None:
    from connectors._core.errors import ConfigError

    c = make_client(sim, clock)
    c._robot_secret = "SEC-wrong"
    with pytest.raises(ConfigError) as failure:
        c.robot_send({"msgtype": "text", "text": {"content": "hrhub"}})
    assert failure.value.vendor_code == "310000"
    assert sim.robot_messages == []


# -- attendance -------------------------------------------------------------------------------


def test_busy_intervals_follow_shifts_leave_and_punches(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    staff = [u["userid"] for u in sim.users if u.get("attendance")][:20]
    tuesday = datetime(2024, 6, 18, tzinfo=CHINA)
    busy = client.busy_intervals(staff, tuesday, tuesday + timedelta(days=1))
    for userid in staff:
        reasons = Counter(b.reason for b in busy[userid])
        assert busy[userid][0].start == tuesday
        assert busy[userid][-1].end == tuesday + timedelta(days=1)
        if "leave" not in reasons:
            assert [(b.start.hour, b.end.hour) for b in busy[userid]] == [(0, 9), (18, 0)]
    saturday = datetime(2024, 6, 22, tzinfo=CHINA)
    weekend = client.busy_intervals(staff[:3], saturday, saturday + timedelta(days=1))
    assert all(len(v) == 1 and v[0].reason == "off_shift" for v in weekend.values())


def test_busy_intervals_show_seeded_leave(sim: DingTalkSimulator, client: DingTalkClient) -> None:
    staff = [u["userid"] for u in sim.users if u.get("attendance")]
    start = datetime(2024, 6, 4, tzinfo=CHINA)
    busy = client.busy_intervals(staff, start, start + timedelta(days=13))
    assert any(b.reason == "leave" for v in busy.values() for b in v)


def test_punches_read_incrementally(sim: DingTalkSimulator, client: DingTalkClient) -> None:
    everything = [r for page in client.read_stream("punches") for r in page]
    assert len(everything) == sim.count_stream("punches")
    newest = max(client.cursor_value("punches", r) for r in everything)
    again = [r for page in client.read_stream("punches", since=newest) for r in page]
    assert 0 < len(again) < len(everything)  # only the overlap window


# -- the flow: dead letters, quotas and reminders -----------------------------------------------


@pytest.fixture
def ledger(tmp_path: Any) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


def canonical_notice(userid: str, n: int) -> dict[str, Any]:
    return {
        "canonical_id": f"notification:hrhub:{n}",
        "recipient": userid,
        "template": "invite",
        "job_title": "数据工程师",
        "slot_text": "2024-06-18 14:00-14:45",
        "link_expires_text": "6-18 15:00",
        "link_url": LINK,
    }


def test_push_settles_each_candidate_and_reminds_only_the_unread(
    sim: DingTalkSimulator, clock: FakeClock, client: DingTalkClient, ledger: Ledger
) -> None:
    users = active_users(sim, 30)
    records = [canonical_notice(u["userid"], n) for n, u in enumerate(users)]
    records.append(canonical_notice("departed-or-unknown", 99))
    queued = enqueue_writes("dingtalk", "work_notification", records, ledger=ledger)
    assert queued.queued == 31
    summary = push("dingtalk", client=client, ledger=ledger)
    assert (summary.landed, summary.dead_letters) == (30, 1)
    [letter] = ledger.dead_letters()
    assert letter.record_id == "notification:hrhub:99"
    assert "invalid_user_id_list" in letter.reason

    task = int(ledger.landed_writes("dingtalk", "work_notification")[0][0].remote_id.split(":")[0])
    for u in users[:10]:
        sim.mark_read(task, u["userid"])
    reminded = remind_unread(
        client=client,
        ledger=ledger,
        after=timedelta(minutes=30),
        now=datetime.now(CHINA) + timedelta(hours=1),
    )
    assert reminded.read >= 10
    assert reminded.reminded == 30 - reminded.read
    again = remind_unread(
        client=client,
        ledger=ledger,
        after=timedelta(minutes=30),
        now=datetime.now(CHINA) + timedelta(hours=1),
    )
    assert again.reminded == 0, "one reminder per person"
    sent = push("dingtalk", client=client, ledger=ledger)
    assert sent.landed == reminded.reminded
    texts = [t["msg"] for t in sim.sent_tasks.values()]
    assert any("面试提醒" in str(m) for m in texts)


def test_a_quota_refusal_waits_for_midnight_in_the_outbox(
    sim: DingTalkSimulator, client: DingTalkClient, ledger: Ledger
) -> None:
    userid = active_users(sim, 1)[0]["userid"]
    for chunk in range(5):
        client.write(
            "work_notification",
            [notice(userid, "pending", decision_by=f"{chunk}-{n}") for n in range(100)],
        )
    enqueue_writes("dingtalk", "work_notification", [canonical_notice(userid, 1)], ledger=ledger)
    summary = push("dingtalk", client=client, ledger=ledger)
    assert summary.requeued == 1
    assert ledger.claim("dingtalk", 10) == [], "not claimed again before midnight"
    [item] = ledger.outbox_items("dingtalk", "work_notification")
    assert item.not_before is not None and "143105" in (item.last_error or "")
