"""A new hire's first-week punches reach the eHR (NC or YonBIP) as check-ins, once each.

The employee comes from NC through the extract step; the punches are staged as the attendance
system's extract stages them (canonical attendance events); the step queues check-ins and the
push step writes them to the simulator (NC over SOAP, YonBIP over its OpenAPI).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.yonyou.client import YonyouClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator
from hrhub.flow.extract import extract_stream
from hrhub.flow.onboard import CHECKIN_OPERATIONS, first_week_checkins
from hrhub.flow.push import push
from hrhub.ledger import Ledger, StageInput
from hrhub.models import AttendanceEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 4)


@pytest.fixture
def server() -> Iterator[YonyouSimulator]:
    sim = YonyouSimulator(persons=40, applicants=5)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


def hire(server: YonyouSimulator, code: str, hired: date) -> None:
    template = next(iter(server.data.persons.values()))
    server.data.create_person(
        code=code,
        name=f"新员工{code}",
        sex=1,
        id_number=f"31010419900101{code[-4:]}",
        mobile=f"139{code[-4:]:0>8}",
        email=None,
        birthdate=template.birthdate,
        pk_org=template.pk_org,
        pk_dept=template.pk_dept,
        job_name="数据工程师",
        indutydate=hired,
        origin="test",
    )


def punch(ledger: Ledger, n: int, code: str, when: datetime, direction: str) -> None:
    event = AttendanceEvent(
        source_system="attendance",
        remote_id=f"{code}|{when:%Y-%m-%d %H:%M:%S}|{n}",
        modified_at=when + timedelta(minutes=1),
        person_code=code,
        punch_time=when,
        direction=direction,
        terminal="SH-HQ-GATE-2",
        source="device",
    )
    ledger.stage(
        [StageInput.of(event)],
        batch_id=f"punches-{n}",
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("flavor", "stream"), [("nc", "nc_persons"), ("bip", "bip_staff")])
def test_first_week_punches_become_checkins_in_the_ehr_once(
    server: YonyouSimulator, ledger: Ledger, flavor: str, stream: str
) -> None:
    hire(server, "E900001", TODAY - timedelta(days=2))  # in their first week
    hire(server, "E900002", TODAY - timedelta(days=30))  # settled in long ago
    client = YonyouClient(
        server.url, flavor=flavor, username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
    )
    operation = CHECKIN_OPERATIONS[flavor]
    with client:
        extract_stream("yonyou", stream, client=client, ledger=ledger)
        first_day = TODAY - timedelta(days=2)
        punch(ledger, 1, "E900001", at(first_day, 8, 55), "in")
        punch(ledger, 2, "E900001", at(first_day, 18, 5), "out")
        punch(ledger, 3, "E900001", at(first_day, 12, 0), "other")  # a break: not a check-in
        punch(ledger, 4, "E900001", at(first_day - timedelta(days=1), 9, 0), "in")  # before hire
        punch(ledger, 5, "E900002", at(first_day, 9, 0), "in")  # not a new hire

        summary = first_week_checkins(ledger=ledger, today=TODAY, operation=operation)
        assert (summary.new_hires, summary.punches, summary.queued) == (1, 2, 2)
        assert push("yonyou", client=client, ledger=ledger).landed == 2

        # Every day of the week the step runs again: nothing new is sent or stored.
        again = first_week_checkins(
            ledger=ledger, today=TODAY + timedelta(days=1), operation=operation
        )
        assert again.punches == 2
        assert push("yonyou", client=client, ledger=ledger).claimed == 0

    person = server.data.person_by_code("E900001")
    assert person is not None
    stored = sorted(server.data.checkins.values(), key=lambda c: c.checktime)
    assert [(c.pk_psndoc, c.direction) for c in stored] == [
        (person.pk_psndoc, "I"),
        (person.pk_psndoc, "O"),
    ]
    assert stored[0].checktime == datetime(first_day.year, first_day.month, first_day.day, 8, 55)


def test_a_checkin_for_a_person_nc_does_not_know_is_a_dead_letter(
    server: YonyouSimulator, ledger: Ledger
) -> None:
    client = YonyouClient(
        server.url, flavor="nc", username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
    )
    with client:
        outcomes = client.write(
            "nc_checkin",
            [
                {"bill_id": "ev-1", "psncode": "NOBODY", "checktime": "2026-12-01 09:00:00",
                 "direction": "I"},
                {"bill_id": "ev-2", "psncode": next(iter(server.data.persons.values())).code,
                 "checktime": "2026-12-01 25:00:00", "direction": "I"},
            ],
        )  # fmt: skip
    assert [o.ok for o in outcomes] == [False, False]
    assert outcomes[0].error is not None and outcomes[0].error.field == "psncode"
    assert outcomes[1].error is not None and outcomes[1].error.field == "checktime"


def test_a_bip_signcard_for_an_unknown_person_or_time_is_refused_alone(
    server: YonyouSimulator,
) -> None:
    client = YonyouClient(
        server.url, flavor="bip", username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
    )
    known = next(iter(server.data.persons.values())).code
    with client:
        outcomes = client.write(
            "bip_checkin",
            [
                {"code": "c1", "staffCode": "NOBODY", "signTime": "2026-12-01 09:00:00",
                 "signType": "1"},
                {"code": "c2", "staffCode": known, "signTime": "2026-12-01 9:00",
                 "signType": "1"},
                {"code": "c3", "staffCode": known, "signTime": "2026-12-01 18:00:00",
                 "signType": "2"},
            ],
        )  # fmt: skip
    assert [o.ok for o in outcomes] == [False, False, True]
    assert outcomes[0].error is not None and outcomes[0].error.field == "staffCode"
    assert outcomes[1].error is not None and outcomes[1].error.field == "signTime"
    assert [c.direction for c in server.data.checkins.values()] == ["O"]
