"""SAP's own OData client (pyodata) against the simulator: if pyodata reads, pages, filters,
expands and batches here, the simulator speaks OData v2 the way SAP's tooling expects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyodata
import pytest
import requests
from pyodata.exceptions import HttpError
from pyodata.v2.service import GetEntitySetFilter, Service

from connectors.successfactors.simulator import SuccessFactorsSimulator

AS_OF = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SuccessFactorsSimulator]:
    """2,500 candidates, about 3,800 applications: more than three server pages."""
    with SuccessFactorsSimulator(candidates=2500, seed=21, as_of=AS_OF) as sim:
        yield sim


@pytest.fixture(scope="module")
def service(server: SuccessFactorsSimulator) -> Iterator[Service]:
    session = requests.Session()
    session.auth = (f"{server.username}@{server.company_id}", server.password)
    yield pyodata.Client(server.url + "/odata/v2/", session)
    session.close()


@pytest.fixture
def writable() -> Iterator[tuple[SuccessFactorsSimulator, Service]]:
    with SuccessFactorsSimulator(candidates=40, requisitions=4, seed=2, as_of=AS_OF) as sim:
        session = requests.Session()
        session.auth = (f"{sim.username}@{sim.company_id}", sim.password)
        yield sim, pyodata.Client(sim.url + "/odata/v2/", session)
        session.close()


def test_metadata_parses(service: Service) -> None:
    names = {es.name for es in service.schema.entity_sets}
    assert {"Candidate", "JobApplication", "JobRequisition", "JobApplicationStatus"} <= names
    app = service.schema.entity_type("JobApplication")
    assert [p.name for p in app.key_proprties] == ["applicationId"]
    assert app.proprty("lastModifiedDateTime").typ.name == "Edm.DateTimeOffset"


def test_get_entities_follows_next_url_to_the_end(
    server: SuccessFactorsSimulator, service: Service
) -> None:
    entity_set = service.entity_sets.JobApplication
    page = entity_set.get_entities().execute()
    ids = [e.applicationId for e in page]
    pages = 1
    while page.next_url:
        page = entity_set.get_entities().next_url(page.next_url).execute()
        ids += [e.applicationId for e in page]
        pages += 1
    assert pages == 4
    assert len(ids) == len(set(ids)) == server.count_stream("JobApplication")


def test_filter_by_last_modified(server: SuccessFactorsSimulator, service: Service) -> None:
    cutoff = AS_OF - timedelta(days=7)
    expected = {
        r["candidateId"] for r in server.rows("Candidate") if r["lastModifiedDateTime"] >= cutoff
    }
    literal = cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
    request = (
        service.entity_sets.Candidate.get_entities()
        .filter(f"lastModifiedDateTime ge datetimeoffset'{literal}'")
        .count(inline=True)
    )
    found = request.execute()
    assert found.total_count == len(expected)
    assert {e.candidateId for e in found} == expected
    assert all(e.lastModifiedDateTime >= cutoff for e in found)
    prop = GetEntitySetFilter(service.schema.entity_type("Candidate").proprty("country"))
    cn = service.entity_sets.Candidate.get_entities().filter(prop == "CN").count().execute()
    assert cn == sum(1 for r in server.rows("Candidate") if r["country"] == "CN")


def test_expand_and_navigation(server: SuccessFactorsSimulator, service: Service) -> None:
    with_education = next(r["candidateId"] for r in server.rows("CandidateBackground_Education"))
    candidate = (
        service.entity_sets.Candidate.get_entity(with_education)
        .expand("education,outsideWorkExperience")
        .execute()
    )
    assert candidate.candidateId == with_education
    assert candidate.education and candidate.education[0].school
    assert isinstance(candidate.outsideWorkExperience, list)
    apps = (
        service.entity_sets.JobApplication.get_entities()
        .expand("jobAppStatus")
        .select("applicationId,jobAppStatus")
        .top(5)
        .execute()
    )
    assert len(apps) == 5
    assert all(a.jobAppStatus.appStatusName for a in apps)
    trail = service.entity_sets.JobApplication.get_entity(1).nav("jobApplicationStatusAuditTrail")
    assert len(trail.get_entities().execute()) >= 1


def test_requisition_recruiters_expand_and_navigate(
    server: SuccessFactorsSimulator, service: Service
) -> None:
    recruiters = {
        o["jobReqId"]: o["userName"]
        for o in server.rows("JobRequisitionOperator")
        if o["operatorRole"] == "R"
    }
    reqs = service.entity_sets.JobRequisition.get_entities().expand("recruiter").execute()
    assert len(reqs) == server.count_stream("JobRequisition")
    assert {r.jobReqId: [o.userName for o in r.recruiter] for r in reqs} == {
        k: [v] for k, v in recruiters.items()
    }
    first = min(recruiters)
    managers = service.entity_sets.JobRequisition.get_entity(first).nav("hiringManager")
    [manager] = managers.get_entities().execute()
    assert (manager.jobReqId, manager.operatorRole) == (first, "G")


def test_create_merge_and_sap_errors(writable: tuple[SuccessFactorsSimulator, Service]) -> None:
    _, service = writable
    created = (
        service.entity_sets.Candidate.create_entity()
        .set(
            firstName="思远",
            lastName="陈",
            contactEmail="siyuan.chen@example.cn",
            primaryEmail="siyuan.chen@example.cn",
            country="CN",
        )
        .execute()
    )
    assert created.candidateId > 100_040
    service.entity_sets.Candidate.update_entity(created.candidateId, method="MERGE").set(
        city="成都"
    ).execute()
    assert service.entity_sets.Candidate.get_entity(created.candidateId).execute().city == "成都"
    with pytest.raises(HttpError) as failure:
        service.entity_sets.Candidate.create_entity().set(firstName="缺").execute()
    assert failure.value.response.status_code == 400
    assert failure.value.response.json()["error"]["code"] == "COE_MISSING_REQUIRED_PROPERTIES"


def test_batch_with_changeset(writable: tuple[SuccessFactorsSimulator, Service]) -> None:
    sim, service = writable
    batch = service.create_batch()
    changeset = service.create_changeset()
    changeset.add_request(
        service.entity_sets.JobApplicationComments.create_entity().set(
            applicationId=1, content="AI 面试得分 82，建议进入复试"
        )
    )
    changeset.add_request(
        service.entity_sets.JobApplication.update_entity(1).set(statusComments="复试")
    )
    batch.add_request(changeset)
    batch.add_request(service.entity_sets.Candidate.get_entity(100_001))
    (comment, merged), candidate = batch.execute()
    assert comment.content.startswith("AI 面试") and merged is None
    assert candidate.candidateId == 100_001
    app = next(r for r in sim.rows("JobApplication") if r["applicationId"] == 1)
    assert app["statusComments"] == "复试"


def test_failing_changeset_rolls_back(writable: tuple[SuccessFactorsSimulator, Service]) -> None:
    sim, service = writable
    comments = len(sim.rows("JobApplicationComments"))
    batch = service.create_batch()
    changeset = service.create_changeset()
    changeset.add_request(
        service.entity_sets.JobApplicationComments.create_entity().set(
            applicationId=1, content="不应保存"
        )
    )
    changeset.add_request(service.entity_sets.JobApplication.update_entity(2).set(status="Closed"))
    batch.add_request(changeset)
    with pytest.raises(HttpError) as failure:
        batch.execute()
    assert failure.value.response.status_code == 400
    assert len(sim.rows("JobApplicationComments")) == comments
