"""Hostile and broken SuccessFactors answers: each gets a classified error naming the entity
and key (or lands in dead letters with its reason), nothing is lost, nothing else stops.

The simulator answers faithfully; a wrapper around the client's session then damages the
answer on its way back, as a broken proxy or a misbehaving tenant would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from connectors._core.errors import DataContractError, FatalError
from connectors.successfactors.client import SuccessFactorsClient
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.flow.extract import extract_stream
from hrhub.ledger import Ledger


@pytest.fixture(scope="module")
def sim() -> Iterator[SuccessFactorsSimulator]:
    with SuccessFactorsSimulator(candidates=60, requisitions=4) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")


def client_with(sim, damage: Callable[[str, dict], dict | bytes]) -> SuccessFactorsClient:
    """A client whose list answers pass through `damage(url, body)` before it reads them."""
    client = SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        password=sim.password,
        auth="basic",
        page_size=20,
    )
    real = client.session.request

    def request(method: str, url: str, **kwargs) -> requests.Response:
        response = real(method, url, **kwargs)
        if method == "GET" and "/odata/v2/" in url and response.ok:
            damaged = damage(response.url, response.json())
            response._content = (
                damaged if isinstance(damaged, bytes) else json.dumps(damaged).encode()
            )
        return response

    client.session.request = request
    return client


def test_a_next_link_to_another_host_is_refused(sim) -> None:
    def redirect(url: str, body: dict) -> dict:
        if "__next" in body["d"]:
            body["d"]["__next"] = "https://evil.example.com/odata/v2/Candidate?$skiptoken=x"
        return body

    pages = client_with(sim, redirect).read_stream("Candidate")
    first = next(pages)
    assert len(first) == 20
    with pytest.raises(FatalError, match="cross-origin"):
        next(pages)


def test_a_looping_skiptoken_is_detected(sim) -> None:
    seen: list[str] = []

    def loop(url: str, body: dict) -> dict:
        if "__next" in body["d"]:
            if not seen:
                seen.append(body["d"]["__next"])
            body["d"]["__next"] = seen[0]
        return body

    with pytest.raises(FatalError, match="loop"):
        for _ in client_with(sim, loop).read_stream("Candidate"):
            pass


def test_malformed_json_is_a_data_contract_error_naming_the_call(sim) -> None:
    def truncate(url: str, body: dict) -> bytes:
        return b'{"d": {"results": [{"candidateId": "1"'

    with pytest.raises(DataContractError) as failure:
        next(client_with(sim, truncate).read_stream("Candidate"))
    assert "Candidate" in str(failure.value)


def first_row_changed(
    key: str, change: Callable[[dict], object]
) -> tuple[dict[str, str], Callable[[str, dict], dict]]:
    """A damage that applies `change` to the first row served, and where its id is kept."""
    victim: dict[str, str] = {}

    def damage(url: str, body: dict) -> dict:
        rows = body["d"]["results"]
        if rows and not victim:
            victim["id"] = rows[0][key]
            change(rows[0])
        return body

    return victim, damage


def test_a_record_missing_a_required_field_is_dead_lettered_and_the_rest_land(sim, ledger) -> None:
    victim, drop_job = first_row_changed("applicationId", lambda row: row.pop("jobReqId"))
    client = client_with(sim, drop_job)
    summary = extract_stream("successfactors", "JobApplication", client=client, ledger=ledger)
    total = sim.count_stream("JobApplication")
    assert (summary.inserted, summary.dead_letters) == (total - 1, 1)
    [dead] = ledger.dead_letters()
    assert dead.record_id == f"successfactors:application:{victim['id']}"
    assert "job_id" in dead.reason and "jobReqId" in dead.reason
    assert dead.field == "job_id"


def test_a_record_failing_validation_is_dead_lettered_naming_its_field(sim, ledger) -> None:
    victim, spoil_email = first_row_changed(
        "candidateId", lambda row: row.update(primaryEmail="not an address")
    )
    client = client_with(sim, spoil_email)
    summary = extract_stream("successfactors", "Candidate", client=client, ledger=ledger)
    assert (summary.inserted, summary.dead_letters) == (sim.count_stream("Candidate") - 1, 1)
    [dead] = ledger.dead_letters()
    assert dead.record_id == f"successfactors:candidate:{victim['id']}"
    assert dead.field == "emails.0" and dead.error_class == "ValidationError"
    assert "field 'emails.0'" in dead.reason


def test_an_unknown_requisition_state_waits_as_pending_instead_of_failing(sim, ledger) -> None:
    def strange_status(url: str, body: dict) -> dict:
        for row in body["d"]["results"][:1]:
            row["internalStatus"] = "On Hold (legacy)"
        return body

    client = client_with(sim, strange_status)
    summary = extract_stream("successfactors", "JobRequisition", client=client, ledger=ledger)
    assert summary.dead_letters == 0, "unknown requisition states wait as 'pending' by design"
    pending = [
        r
        for r in ledger.get_records(
            [f"successfactors:job:{row['jobReqId']}" for row in sim.rows("JobRequisition")]
        )
        if r.payload["status"] == "pending"
    ]
    assert pending


def test_a_requisition_whose_recruiter_comes_back_unexpanded_is_dead_lettered(sim, ledger) -> None:
    """The read asks for $expand=recruiter; a tenant answering with the deferred link instead
    must not stage a requisition that looks as if nobody owned it."""
    victim: dict[str, str] = {}

    def defer_recruiter(url: str, body: dict) -> dict:
        rows = body["d"]["results"]
        if rows and not victim:
            victim["id"] = rows[0]["jobReqId"]
            uri = rows[0]["__metadata"]["uri"]
            rows[0]["recruiter"] = {"__deferred": {"uri": f"{uri}/recruiter"}}
        return body

    client = client_with(sim, defer_recruiter)
    summary = extract_stream("successfactors", "JobRequisition", client=client, ledger=ledger)
    total = sim.count_stream("JobRequisition")
    assert (summary.inserted, summary.dead_letters) == (total - 1, 1)
    [dead] = ledger.dead_letters()
    assert dead.record_id == f"successfactors:job:{victim['id']}"
    assert dead.field == "recruiter_ids" and "recruiter.results" in dead.reason


def test_write_of_an_unknown_picklist_value_is_refused_for_that_record_only(sim) -> None:
    client = client_with(sim, lambda url, body: body)
    apps = sim.rows("JobApplication")[:2]
    sources = [f"hrhub:interview:{app['applicationId']}-ai" for app in apps]
    booked = client.write(
        "application_interview",
        [
            {"applicationId": str(app["applicationId"]), "status": "SCHEDULED", "source": source}
            for app, source in zip(apps, sources, strict=True)
        ],
    )
    assert all(outcome.ok for outcome in booked), booked
    records = [
        {
            "interviewSource": source,
            "averageRating": 4.0,
            "overallRating": rating,
            "comments": "ok",
            "type": "hrhub_ai_interview",
        }
        for source, rating in zip(sources, ("RECOMMEND", "GREAT"), strict=True)
    ]
    good, bad = client.write("interview_assessment", records)
    assert good.ok and not bad.ok and not bad.retriable
    assert "GREAT" in str(bad.error) and "InterviewOverallAssessment" in str(bad.error)
