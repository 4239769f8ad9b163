"""Erasing a candidate's work notifications in DingTalk's simulator over loopback: a message to
the candidate alone is recalled; one sent to others in the same call, or older than the 24
hours DingTalk allows, is left to a person; a task DingTalk does not know is not found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from connectors._core.busy import CHINA
from connectors._core.erasure import ERASED, FAILED, MANUAL, NOT_FOUND
from connectors._core.errors import ConfigError
from connectors._core.retry import retry_policy
from connectors.dingtalk.client import TOKENS, DingTalkClient
from connectors.dingtalk.simulator import DingTalkSimulator

AS_OF = datetime(2024, 6, 17, 10, 30)
MSG = {"msgtype": "text", "text": {"content": "面试邀请 / interview invitation"}}
SUBJECT = "successfactors:candidate:42"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DingTalkSimulator]:
    with DingTalkSimulator(as_of=AS_OF, clock=clock, users=50) as server:
        yield server


@pytest.fixture
def client(sim: DingTalkSimulator) -> Iterator[DingTalkClient]:
    TOKENS.invalidate((sim.url, ""), None)
    with DingTalkClient(
        sim.url,
        app_key=DingTalkSimulator.APP_KEY,
        app_secret=DingTalkSimulator.APP_SECRET,
        agent_id=DingTalkSimulator.AGENT_ID,
        api_url=sim.api_url,
        result_wait_seconds=0,
        now=lambda: sim.now().replace(tzinfo=CHINA),
        retry=retry_policy(sleep=lambda s: None, initial=0.01, max_attempts=2),
    ) as made:
        yield made


def people(sim: DingTalkSimulator, n: int) -> list[str]:
    return [u["userid"] for u in sim.users if u["status"] != "departed"][:n]


def recalled(sim: DingTalkSimulator) -> dict[int, bool]:
    return {row["task_id"]: row["recalled"] for row in sim.rows("tasks")}


def test_a_message_to_the_candidate_alone_is_recalled_and_a_shared_one_is_left(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    candidate, other = people(sim, 2)
    alone = client.send_work_notification([candidate], MSG)
    shared = client.send_work_notification([candidate, other], {**MSG, "text": {"content": "x"}})
    ids = [f"{alone}:{candidate}", f"{shared}:{candidate}", "1:nobody", "garbage"]

    outcomes = client.erase("work_notification", ids, subject_id=SUBJECT)

    assert [o.remote_id for o in outcomes] == ids
    assert [o.status for o in outcomes] == [ERASED, MANUAL, NOT_FOUND, MANUAL]
    assert "1 other people" in outcomes[1].detail
    assert recalled(sim) == {alone: True, shared: False}
    # A second erasure finds the message recalled already: asking again is harmless.
    [again] = client.erase("work_notification", ids[:1], subject_id=SUBJECT)
    assert again.status == ERASED and recalled(sim)[alone] is True


def test_a_message_older_than_24_hours_cannot_be_recalled(
    sim: DingTalkSimulator, client: DingTalkClient, clock: FakeClock
) -> None:
    [candidate] = people(sim, 1)
    task = client.send_work_notification([candidate], MSG)
    clock.t += 24 * 3600 + 60

    [outcome] = client.erase("work_notification", [f"{task}:{candidate}"], subject_id=SUBJECT)

    assert outcome.status == MANUAL and "24 hours" in outcome.detail
    assert recalled(sim) == {task: False}


def test_dingtalk_down_is_a_failed_answer_not_an_exception(
    sim: DingTalkSimulator, client: DingTalkClient
) -> None:
    [candidate] = people(sim, 1)
    task = client.send_work_notification([candidate], MSG)
    sim.set_faults("error_rate=1")

    [outcome] = client.erase("work_notification", [f"{task}:{candidate}"], subject_id=SUBJECT)

    assert outcome.status == FAILED and outcome.detail
    sim.set_faults(None)
    [later] = client.erase("work_notification", [f"{task}:{candidate}"], subject_id=SUBJECT)
    assert later.status == ERASED


def test_only_work_notifications_are_erased_by_api(client: DingTalkClient) -> None:
    with pytest.raises(ConfigError, match="pre_entry"):
        client.erase("pre_entry", ["u1"], subject_id=SUBJECT)


def test_a_task_still_sending_is_asked_again_later(clock: FakeClock) -> None:
    """Until DingTalk has sent a task to everyone, who else got it is not known: the hub
    does not guess (it might take the message from others), it asks again next time."""
    with DingTalkSimulator(as_of=AS_OF, clock=clock, users=50, task_seconds=60) as slow:
        TOKENS.invalidate((slow.url, ""), None)
        with DingTalkClient(
            slow.url,
            app_key=DingTalkSimulator.APP_KEY,
            app_secret=DingTalkSimulator.APP_SECRET,
            agent_id=DingTalkSimulator.AGENT_ID,
            api_url=slow.api_url,
            result_wait_seconds=0,
            now=lambda: slow.now().replace(tzinfo=CHINA),
        ) as client:
            [candidate] = people(slow, 1)
            task = client.send_work_notification([candidate], MSG)
            remote = f"{task}:{candidate}"

            [early] = client.erase("work_notification", [remote], subject_id=SUBJECT)
            clock.t += 61
            [later] = client.erase("work_notification", [remote], subject_id=SUBJECT)

    assert early.status == FAILED and "still sending" in early.detail
    assert later.status == ERASED
