"""Yonyou through hrhub's own steps: extract into the ledger, push out of the outbox.

The simulator runs on loopback; the client is the facade the hook builds, so these tests cover
the connection's flavor, the mappings in mappings/yonyou/ and the ledger's guarantees: a bad
record is a dead letter naming the record and the field, everything else lands, nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors._core.errors import ConfigError
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator
from hrhub.flow.extract import extract_stream
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger


@pytest.fixture
def server() -> Iterator[YonyouSimulator]:
    sim = YonyouSimulator(persons=120, applicants=80)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield store
    store.close()


def client_for(server: YonyouSimulator, flavor: str) -> YonyouClient:
    return YonyouClient(
        server.url, flavor=flavor, username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
    )


def resident_id(body17: str) -> str:
    """An 18-character resident id with its ISO 7064 MOD 11-2 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def pre_hire(n: int, *, id_number: str | None = None) -> dict[str, Any]:
    return {
        "canonical_id": f"hrhub:pre_hire:PH{n:04d}",
        "candidate_id": f"yonyou:candidate:RM{n:04d}",
        "name": f"新员工{n}",
        "mobile": f"+86 139{n:08d}",
        "email": f"new{n}@example.cn",
        "id_number": id_number or resident_id(f"310104199{n % 10}0101{n:03d}"),
        "planned_entry_date": "2026-12-15",
        "department": "1001A1100000000DEPT02",
        "position": "数据工程师",
    }


def interview_result(n: int, applicant: str, score: float) -> dict[str, Any]:
    return {
        "canonical_id": f"hrhub:interview_result:IR{n:04d}",
        "candidate_id": f"yonyou:candidate:{applicant}",
        "overall_score": score,
        "recommendation": "YES" if score >= 60 else "NO",
        "explanation": "结构化回答清晰, 有数据管道的实际经验。",
        "scored_at": "2026-11-20T10:00:00+08:00",
    }


@pytest.mark.parametrize(("flavor", "stream"), [("nc", "nc_persons"), ("bip", "bip_staff")])
def test_a_broken_person_is_a_dead_letter_and_the_rest_are_staged(
    server: YonyouSimulator, ledger: Ledger, flavor: str, stream: str
) -> None:
    broken = server.data.create_person(
        name="错号码",
        sex=1,
        id_number=resident_id("11010119900101999"),
        mobile="12345",
        email=None,
        birthdate=server.data.persons[next(iter(server.data.persons))].birthdate,
        pk_org="0001A110000000000ORG",
        pk_dept="1001A1100000000DEPT01",
        job_name="测试",
        indutydate=server.data.clock().date(),
    )
    with client_for(server, flavor) as client:
        summary = extract_stream("yonyou", stream, client=client, ledger=ledger)
    total = server.count_stream(stream)
    assert (summary.read, summary.dead_letters) == (total, 1)
    assert len(ledger.staged_remote_ids("yonyou", "employee")) == total - 1
    [letter] = ledger.dead_letters()
    key = broken.pk_psndoc if flavor == "nc" else broken.bip_id
    assert key in letter.record_id
    assert "mobile" in letter.reason


def test_nc_applicants_extract_incrementally(server: YonyouSimulator, ledger: Ledger) -> None:
    with client_for(server, "nc") as client:
        first = extract_stream("yonyou", "nc_applicants", client=client, ledger=ledger)
        assert first.inserted == server.count_stream("nc_applicants")
        again = extract_stream("yonyou", "nc_applicants", client=client, ledger=ledger)
    assert again.inserted == 0 and again.dead_letters == 0
    assert again.read < first.read, "the second run reads from the watermark (minus overlap)"
    staged = ledger.staged_remote_ids("yonyou", "candidate")
    assert staged == set(server.data.applicants)


def test_nc_pre_hires_land_once_and_a_bad_id_number_is_a_dead_letter(
    server: YonyouSimulator, ledger: Ledger
) -> None:
    records = [pre_hire(n) for n in range(1, 6)]
    valid = resident_id("31010419900101999")
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # wrong check character
    records.append(pre_hire(9, id_number=wrong))
    queued = enqueue_writes("yonyou", "nc_pre_hire", records, ledger=ledger)
    assert queued.queued == 6
    persons_before = len(server.data.persons)
    with client_for(server, "nc") as client:
        summary = push("yonyou", client=client, ledger=ledger)
        assert (summary.landed, summary.dead_letters) == (5, 1)
        [letter] = ledger.dead_letters()
        assert letter.record_id == "hrhub:pre_hire:PH0009"
        assert "id" in letter.reason
        assert len(server.data.persons) == persons_before + 5

        # The same records again: already in the outbox, nothing is sent or created.
        enqueue_writes("yonyou", "nc_pre_hire", records[:5], ledger=ledger)
        assert len(ledger.outbox_items("yonyou", "nc_pre_hire")) == 6
        assert push("yonyou", client=client, ledger=ledger).claimed == 0
        # Written again by another path (a replay with a new mapping, say): found, not created.
        landed_items = [item for _, item in ledger.landed_writes("yonyou", "nc_pre_hire")]
        outcomes = client.write("nc_pre_hire", [dict(item.payload) for item in landed_items])
    assert sum(o.ok for o in outcomes) == 5
    assert len(server.data.persons) == persons_before + 5
    landed = {r.remote_id for r, _ in ledger.landed_writes("yonyou", "nc_pre_hire")}
    assert landed == {o.remote_id for o in outcomes if o.ok}


def test_bip_interview_results_update_in_place_when_the_score_changes(
    server: YonyouSimulator, ledger: Ledger
) -> None:
    applicants = sorted(server.data.applicants)[:4]
    first = [interview_result(n, a, 55.0 + n) for n, a in enumerate(applicants)]
    enqueue_writes("yonyou", "bip_interview_result", first, ledger=ledger)
    with client_for(server, "bip") as client:
        assert push("yonyou", client=client, ledger=ledger).landed == 4
        ids = {r.remote_id for r, _ in ledger.landed_writes("yonyou", "bip_interview_result")}
        rescored = [interview_result(n, a, 90.0) for n, a in enumerate(applicants)]
        assert enqueue_writes("yonyou", "bip_interview_result", rescored, ledger=ledger).queued == 4
        assert push("yonyou", client=client, ledger=ledger).landed == 4
    receipts = ledger.landed_writes("yonyou", "bip_interview_result")
    assert {r.remote_id for r, _ in receipts} == ids, "the same documents, updated"
    assert len(server.data.results) == 4
    assert {r.fields["result"] for r in server.data.results.values()} == {"pass"}


def test_a_stream_of_the_other_product_is_refused_clearly(server: YonyouSimulator) -> None:
    with client_for(server, "nc") as client, pytest.raises(ConfigError) as refused:
        list(client.read_stream("bip_staff"))
    assert "flavor" in str(refused.value) and "bip" in str(refused.value)
    with pytest.raises(ConfigError, match="unknown Yonyou flavor 'ncc'"):
        client_for(server, "ncc")
