"""The SuccessFactors connector against its simulator over loopback: auth, incremental
extraction into the ledger, and write-back through the outbox with per-record outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from connectors._core.errors import ConfigError, ConnectorError
from connectors.successfactors.client import SuccessFactorsClient, parse_sap_date
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.flow.extract import extract_stream
from hrhub.flow.push import enqueue_writes, push
from hrhub.ledger import Ledger
from hrhub.models import Interview


@pytest.fixture
def sim() -> Iterator[SuccessFactorsSimulator]:
    with SuccessFactorsSimulator(candidates=120, requisitions=8) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")


def basic_client(sim: SuccessFactorsSimulator, **kw) -> SuccessFactorsClient:
    return SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        password=sim.password,
        auth="basic",
        **kw,
    )


def oauth_client(sim: SuccessFactorsSimulator, **kw) -> SuccessFactorsClient:
    return SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        auth="oauth",
        client_id=sim.client_id,
        private_key_pem=sim.private_key_pem,
        **kw,
    )


def test_oauth_saml_bearer_reads_and_refreshes_an_expired_token(sim) -> None:
    client = oauth_client(sim, page_size=50)
    assert "HRHUBDEV" in client.check()
    first = client._token
    sim.expire_tokens()
    rows = [r for page in client.read_stream("Candidate") for r in page]
    assert len({r["candidateId"] for r in rows}) == sim.count_stream("Candidate")
    assert client._token != first


def test_oauth_with_a_foreign_key_is_refused_clearly(sim) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    client = SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        auth="oauth",
        client_id=sim.client_id,
        private_key_pem=foreign_key,
    )
    with pytest.raises(ConnectorError) as failure:
        client.check()
    assert "signature" in str(failure.value).lower()


def test_basic_auth_switched_off_is_a_config_error_naming_the_fix() -> None:
    with (
        SuccessFactorsSimulator(candidates=5, basic_auth=False) as sim,
        pytest.raises(ConfigError) as failure,
    ):
        basic_client(sim).check()
    assert "LGN0010" in str(failure.value)
    assert "OAuth" in str(failure.value)


def test_incremental_extract_stages_everything_once_and_ignores_touch_only_changes(
    sim, ledger
) -> None:
    client = basic_client(sim, page_size=40)
    for stream in ("JobRequisition", "Candidate", "JobApplication"):
        summary = extract_stream("successfactors", stream, client=client, ledger=ledger)
        assert summary.dead_letters == 0
        assert summary.inserted == sim.count_stream(stream)
    watermark = ledger.get_watermark("successfactors", "Candidate")
    newest = max(r["lastModifiedDateTime"] for r in sim.rows("Candidate"))
    assert parse_sap_date(watermark) == newest

    # Effective dating: a touched record comes back with a new time but the same content.
    candidate = sim.rows("Candidate")[0]
    sim.touch("Candidate", candidate["candidateId"])
    canonical_id = f"successfactors:candidate:{candidate['candidateId']}"
    ledger.set_stage([canonical_id], "screened")
    again = extract_stream("successfactors", "Candidate", client=client, ledger=ledger)
    assert again.inserted == 0
    assert again.read >= 1  # the overlap window re-reads, staging de-duplicates
    [row] = ledger.get_records([canonical_id])
    assert row.stage == "screened", "a touch-only change must not send a candidate round again"
    assert ledger.get_watermark("successfactors", "Candidate") > watermark


def test_extracted_requisitions_name_their_recruiters(sim, ledger) -> None:
    """The requisition read expands `recruiter` (and is otherwise the incremental read it was);
    each staged Job carries its recruiters' user names, the owners the web views filter on."""
    client = basic_client(sim, page_size=5)
    asked: list[dict] = []
    real = client.session.request

    def request(method: str, url: str, **kwargs) -> requests.Response:
        if "/odata/v2/JobRequisition" in url:
            asked.append(dict(kwargs.get("params") or {}))
        return real(method, url, **kwargs)

    client.session.request = request
    summary = extract_stream("successfactors", "JobRequisition", client=client, ledger=ledger)
    total = sim.count_stream("JobRequisition")
    assert (summary.inserted, summary.dead_letters) == (total, 0)
    assert asked[0] == {
        "$format": "json",
        "paging": "snapshot",
        "customPageSize": 5,
        "$orderby": "lastModifiedDateTime asc",
        "$expand": "recruiter",
    }
    owners: dict[str, list[str]] = {}
    for operator in sim.rows("JobRequisitionOperator"):
        if operator["operatorRole"] == "R":
            owners.setdefault(f"successfactors:job:{operator['jobReqId']}", []).append(
                operator["userName"]
            )
    assert len(owners) == total
    staged = {r.canonical_id: r.payload["recruiter_ids"] for r in ledger.get_records(owners)}
    assert staged == owners
    assert len({name for names in staged.values() for name in names}) > 1


def application_record(app: dict, stage: str) -> dict:
    return {
        "canonical_id": f"successfactors:application:{app['applicationId']}",
        "remote_id": str(app["applicationId"]),
        "stage": stage,
    }


def test_status_write_back_settles_each_record_and_dead_letters_the_refused(sim, ledger) -> None:
    apps = sim.rows("JobApplication")[:3]
    records = [application_record(a, "shortlisted") for a in apps[:2]]
    records.append({**application_record(apps[2], "shortlisted"), "remote_id": "999999"})
    queued = enqueue_writes("successfactors", "application_status", records, ledger=ledger)
    assert queued.queued == 3

    summary = push("successfactors", client=basic_client(sim), ledger=ledger)
    assert (summary.landed, summary.dead_letters) == (2, 1)
    trail = sim.rows("JobApplicationStatusAuditTrail")
    for app in apps[:2]:
        [row] = [
            r for r in sim.rows("JobApplication") if r["applicationId"] == app["applicationId"]
        ]
        assert row["appStatusSetItemId"] != app["appStatusSetItemId"] or trail
    [dead] = ledger.dead_letters()
    assert "999999" in dead.reason and dead.field == "appStatusName"

    # Enqueuing the same results again writes nothing twice.
    enqueue_writes("successfactors", "application_status", records[:2], ledger=ledger)
    assert push("successfactors", client=basic_client(sim), ledger=ledger).claimed == 0


def hub_interview(app: dict, hours: int) -> dict:
    """The canonical interview hrhub books for an application (its own, source hrhub)."""
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC) + timedelta(hours=hours)
    interview = Interview(
        source_system="hrhub",
        remote_id=f"{app['applicationId']}-ai",
        modified_at=start - timedelta(days=2),
        application_id=f"successfactors:application:{app['applicationId']}",
        candidate_id=f"successfactors:candidate:{app['candidateId']}",
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
    )
    return interview.model_dump(mode="json")


def interview_result(app: dict, interview_id: str, score: float, text: str) -> dict:
    return {
        "canonical_id": f"hrhub:interview_result:{app['applicationId']}",
        "application_id": f"successfactors:application:{app['applicationId']}",
        "interview_id": interview_id,
        "overall_score": score,
        "recommendation": "YES",
        "explanation": text,
    }


class LoseUpsertAnswers:
    """Sends the request, then loses the answer: the write landed, the caller cannot know."""

    def __init__(self, session: requests.Session, times: int) -> None:
        self.real = session.request
        self.left = times

    def __call__(self, method: str, url: str, **kwargs):
        response = self.real(method, url, **kwargs)
        if "/upsert" in url and self.left:
            self.left -= 1
            raise requests.ConnectionError("connection reset after the request was sent")
        return response


def test_results_written_after_a_lost_answer_land_once(sim, ledger) -> None:
    apps = sim.rows("JobApplication")[:2]
    # The interviews hrhub booked, written to SuccessFactors at invite time.
    interviews = [hub_interview(app, n) for n, app in enumerate(apps)]
    enqueue_writes("successfactors", "application_interview", interviews, ledger=ledger)
    assert push("successfactors", client=basic_client(sim), ledger=ledger).landed == 2
    made = {
        row["source"]: row["applicationInterviewId"] for row in sim.rows("JobApplicationInterview")
    }
    results = [
        interview_result(app, interviews[n]["canonical_id"], 80 + n, f"结论 {n}")
        for n, app in enumerate(apps)
    ]
    for operation in ("interview_assessment", "comment"):
        enqueue_writes("successfactors", operation, results, ledger=ledger)
    before = {
        name: len(sim.rows(name))
        for name in ("InterviewOverallAssessment", "JobApplicationComments")
    }
    client = basic_client(sim)
    lose = LoseUpsertAnswers(client.session, times=2)
    client.session.request = lose
    summary = push("successfactors", client=client, ledger=ledger)
    assert lose.left == 0, "the answers were not lost: this test proved nothing"
    assert (summary.landed, summary.dead_letters) == (4, 0)
    after = {name: len(sim.rows(name)) for name in before}
    assert after["InterviewOverallAssessment"] == before["InterviewOverallAssessment"] + 2
    assert after["JobApplicationComments"] == before["JobApplicationComments"] + 2
    assert {
        row["interviewRefId"]
        for row in sim.rows("InterviewOverallAssessment")
        if row["type"] == "hrhub_ai_interview"
    } == {made[i["canonical_id"]] for i in interviews}
    assert ledger.status()["outbox"]["done"] == 2 + 4  # the two interviews, then the results
