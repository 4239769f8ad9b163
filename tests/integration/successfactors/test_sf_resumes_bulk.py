"""Resumes in bulk: `JobApplication?$filter=applicationId in (...)&$expand=resume` carries each
application's Attachment inline (or `"resume": null`), IN_CHUNK applications a call, and
`fetch_resumes` hands back exactly what `fetch_resume` would for each, in far fewer calls."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime

import pyodata
import pytest
import requests

from connectors._core.errors import AuthError, DataContractError, RecordRejected
from connectors._core.retry import retry_policy
from connectors.successfactors.client import IN_CHUNK, ResumeFile, SuccessFactorsClient
from connectors.successfactors.simulator import SuccessFactorsSimulator

AS_OF = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
BASIC = ("sfapi@HRHUBDEV", "sfapi-Secret1")
TIMEOUT = 10
LIST = ("GET", "/odata/v2/JobApplication")


@pytest.fixture(scope="module")
def sim() -> Iterator[SuccessFactorsSimulator]:
    """About 600 applications, every kind of resume among them. Read-only."""
    with SuccessFactorsSimulator(candidates=400, requisitions=8, seed=3, as_of=AS_OF) as server:
        yield server


@pytest.fixture(scope="module")
def ids(sim: SuccessFactorsSimulator) -> list[int]:
    """The first 300 applications: all three kinds occur among them."""
    first = [r["applicationId"] for r in sim.rows("JobApplication")][:300]
    assert len(first) == 300
    assert {sim.resume_kind(i) for i in first} == {"text", "missing", "unreadable"}
    return first


def client_for(sim: SuccessFactorsSimulator, **kw) -> SuccessFactorsClient:
    return SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        password=sim.password,
        auth="basic",
        retry=retry_policy(sleep=lambda _s: None),
        **kw,
    )


def expanded(sim: SuccessFactorsSimulator, app_ids: list[int], **params) -> requests.Response:
    query = {
        "$filter": f"applicationId in ({','.join(map(str, app_ids))})",
        "$select": "applicationId,resume",
        "$expand": "resume",
        "$format": "json",
        **params,
    }
    return requests.get(
        f"{sim.url}/odata/v2/JobApplication", params=query, auth=BASIC, timeout=TIMEOUT
    )


def list_calls(sim: SuccessFactorsSimulator) -> int:
    return sum(1 for call in sim.calls if call == LIST)


# -- the simulator's answer ------------------------------------------------------------------


def test_expand_inlines_the_attachment_the_resume_navigation_serves(sim, ids) -> None:
    resp = expanded(sim, ids[:IN_CHUNK])
    assert resp.status_code == 200, resp.text
    rows = resp.json()["d"]["results"]
    assert sorted(int(r["applicationId"]) for r in rows) == sorted(ids[:IN_CHUNK])
    with requests.Session() as s:
        s.auth = BASIC
        for row in rows:
            assert set(row) == {"__metadata", "applicationId", "resume"}
            app_id = int(row["applicationId"])
            alone = s.get(
                f"{sim.url}/odata/v2/JobApplication({app_id}L)/resume",
                params={"$format": "json"},
                timeout=TIMEOUT,
            )
            if sim.resume_kind(app_id) == "missing":
                assert row["resume"] is None
                assert alone.status_code == 404
            else:
                assert alone.status_code == 200
                assert row["resume"] == alone.json()["d"]
                assert row["resume"]["__metadata"]["type"] == "SFOData.Attachment"


def test_expand_works_on_a_single_entity_and_without_select(sim, ids) -> None:
    app_id = next(i for i in ids if sim.resume_kind(i) == "text")
    one = requests.get(
        f"{sim.url}/odata/v2/JobApplication({app_id}L)",
        params={"$expand": "resume"},
        auth=BASIC,
        timeout=TIMEOUT,
    ).json()["d"]
    assert (
        "lastModifiedDateTime" in one and "jobAppStatus" in one
    )  # all properties, others deferred
    assert one["resume"]["fileName"] == f"resume_{app_id}.txt"
    plain = requests.get(
        f"{sim.url}/odata/v2/JobApplication({app_id}L)", auth=BASIC, timeout=TIMEOUT
    ).json()["d"]
    assert plain["resume"] == {
        "__deferred": {"uri": f"{sim.url}/odata/v2/JobApplication({app_id}L)/resume"}
    }
    picked = expanded(sim, [app_id], **{"$select": "applicationId,resume/fileName"}).json()
    assert set(picked["d"]["results"][0]["resume"]) == {"__metadata", "fileName"}


def test_the_attachment_set_is_declared_but_served_only_through_the_navigation(sim) -> None:
    session = requests.Session()
    session.auth = BASIC
    service = pyodata.Client(f"{sim.url}/odata/v2/", session)
    nav = service.schema.entity_type("JobApplication").nav_proprty("resume")
    assert nav.to_role.entity_type_name == "Attachment"
    assert nav.to_role.multiplicity == "1"
    attachment = service.schema.entity_type("Attachment")
    assert attachment.proprty("fileContent").typ.name == "Edm.Binary"
    rows = (
        service.entity_sets.JobApplication.get_entities()
        .filter("applicationId in (1,2)")
        .expand("resume")
        .execute()
    )
    assert [r.resume.fileName for r in rows if r.resume is not None]
    session.close()
    direct = requests.get(f"{sim.url}/odata/v2/Attachment", auth=BASIC, timeout=TIMEOUT)
    assert direct.status_code == 400
    assert "JobApplication" in direct.json()["error"]["message"]["value"]


def test_expand_of_an_unknown_navigation_is_refused(sim, ids) -> None:
    resp = expanded(sim, ids[:3], **{"$expand": "resumeFile"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "COE_PROPERTY_NOT_FOUND"


# -- the client ----------------------------------------------------------------------------------


def test_bulk_equals_one_by_one_in_ceil_n_over_in_chunk_calls(sim, ids) -> None:
    with client_for(sim, rate_budget=None) as one_by_one:
        expected: dict[str, ResumeFile | None] = {}
        for app_id in ids:
            try:
                expected[str(app_id)] = one_by_one.fetch_resume(app_id)
            except RecordRejected:
                expected[str(app_id)] = None
    sim.reset_stats()
    with client_for(sim) as client:  # the default rate budget
        got = client.fetch_resumes(ids)
    assert list_calls(sim) == math.ceil(len(ids) / IN_CHUNK) == len(sim.calls)
    assert list(got) == [str(i) for i in ids]
    for app_id in ids:
        key, value = str(app_id), got[str(app_id)]
        kind = sim.resume_kind(app_id)
        if kind == "missing":
            assert expected[key] is None
            assert isinstance(value, RecordRejected)
            assert (value.record_id, value.field) == (key, "resume")
            assert f"JobApplication({key}) has no resume" in str(value)
            continue
        assert value == expected[key]  # same file name, mime type and bytes
        if kind == "text":
            assert value.content.decode("utf-8") == sim.resume_text(app_id)
        else:
            assert value.mime_type in ("application/pdf", "application/msword")
            with pytest.raises(UnicodeDecodeError):
                value.content.decode("utf-8")


def test_canonical_ids_duplicates_and_unknown_applications(sim, ids) -> None:
    text_id = next(i for i in ids if sim.resume_kind(i) == "text")
    asked = [f"successfactors:application:{text_id}", str(text_id), text_id, 99_999_999]
    with client_for(sim) as client:
        got = client.fetch_resumes(asked)
        assert list(got) == [str(text_id), "99999999"]
        assert got[str(text_id)] == client.fetch_resume(text_id)
        unknown = got["99999999"]
        assert isinstance(unknown, RecordRejected)
        assert (unknown.record_id, unknown.field) == ("99999999", "resume")
        assert "no such application" in str(unknown)
        with pytest.raises(RecordRejected) as one:  # what the caller gets one by one
            client.fetch_resume(99_999_999)
        assert type(one.value) is type(unknown)
        sim.reset_stats()
        assert client.fetch_resumes([]) == {}
        assert sim.calls == []
        for wrong in (["A1"], ["yonyou:application:7"], [True]):
            with pytest.raises(ValueError):
                client.fetch_resumes(wrong)
        with pytest.raises(TypeError):
            client.fetch_resumes(str(text_id))  # type: ignore[arg-type]


def test_server_pages_are_followed() -> None:
    with SuccessFactorsSimulator(
        candidates=120, requisitions=4, seed=3, as_of=AS_OF, page_size=7
    ) as server:
        app_ids = [r["applicationId"] for r in server.rows("JobApplication")][:150]
        assert len(app_ids) == 150
        with client_for(server) as client:
            got = client.fetch_resumes(app_ids)
        assert list(got) == [str(i) for i in app_ids]
        for app_id in app_ids:
            value = got[str(app_id)]
            if server.resume_kind(app_id) == "missing":
                assert isinstance(value, RecordRejected)
            elif server.resume_kind(app_id) == "text":
                assert value.content.decode("utf-8") == server.resume_text(app_id)
        pages = sum(math.ceil(len(app_ids[s : s + IN_CHUNK]) / 7) for s in (0, IN_CHUNK))
        assert list_calls(server) == pages


def test_faults_are_ridden_out_by_the_retry() -> None:
    faults = "error_rate=0.2,rate_limit=0.1,rate_limit_burst=1,retry_after=0,drop=0.1,seed=7"
    with SuccessFactorsSimulator(faults, candidates=200, seed=3, as_of=AS_OF) as server:
        app_ids = [r["applicationId"] for r in server.rows("JobApplication")]
        assert len(app_ids) > 2 * IN_CHUNK
        with client_for(server) as client:
            got = client.fetch_resumes(app_ids)
        assert list(got) == [str(i) for i in app_ids]
        for app_id in app_ids:
            value = got[str(app_id)]
            kind = server.resume_kind(app_id)
            assert isinstance(value, RecordRejected) == (kind == "missing"), app_id
            if kind == "text":
                assert value.content.decode("utf-8") == server.resume_text(app_id)
        for fault in ("faulted", "rate_limited", "dropped"):
            assert server.counters[fault] > 0, fault


def test_duplicated_and_shuffled_rows_change_nothing() -> None:
    with SuccessFactorsSimulator(
        "duplicate=0.3,out_of_order=true,seed=2", candidates=60, seed=3, as_of=AS_OF
    ) as server:
        app_ids = [r["applicationId"] for r in server.rows("JobApplication")]
        with client_for(server) as client:
            got = client.fetch_resumes(app_ids)
        assert list(got) == [str(i) for i in app_ids]
        for app_id in app_ids:
            value = got[str(app_id)]
            kind = server.resume_kind(app_id)
            assert isinstance(value, RecordRejected) == (kind == "missing"), app_id
            if kind == "text":
                assert value.content.decode("utf-8") == server.resume_text(app_id)
        assert server.counters["duplicated"] > 0


def test_bulk_reads_need_credentials(sim, ids) -> None:
    resp = requests.get(
        f"{sim.url}/odata/v2/JobApplication",
        params={"$filter": f"applicationId in ({ids[0]})", "$expand": "resume"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "UNAUTHORIZED"
    wrong = SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        password="not-the-password",
        auth="basic",
    )
    with wrong, pytest.raises(AuthError):
        wrong.fetch_resumes(ids[:5])


def test_oauth_client_reads_resumes_in_bulk(sim, ids) -> None:
    client = SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        auth="oauth",
        client_id=sim.client_id,
        private_key_pem=sim.private_key_pem,
    )
    text_ids = [i for i in ids if sim.resume_kind(i) == "text"][:20]
    with client:
        got = client.fetch_resumes(text_ids)
    assert [got[str(i)].content.decode("utf-8") for i in text_ids] == [
        sim.resume_text(i) for i in text_ids
    ]


def _tamper(client: SuccessFactorsClient, change) -> None:
    """Rewrite each answer's first expanded resume as `change` says."""
    real = client.session.request

    def request(method: str, url: str, **kwargs) -> requests.Response:
        response = real(method, url, **kwargs)
        body = response.json()
        first = next(r for r in body["d"]["results"] if r["resume"] is not None)
        change(first)
        response._content = json.dumps(body).encode()
        return response

    client.session.request = request  # type: ignore[method-assign]


def test_malformed_base64_is_a_data_contract_error_naming_the_application(sim, ids) -> None:
    client = client_for(sim)
    seen: list[str] = []

    def garble(row: dict) -> None:
        seen.append(row["applicationId"])
        row["resume"]["fileContent"] = "not base64 at all!"

    _tamper(client, garble)
    with client, pytest.raises(DataContractError) as caught:
        client.fetch_resumes(ids[:10])
    assert caught.value.record_id == seen[0]
    assert f"JobApplication({seen[0]})" in str(caught.value)
    assert caught.value.field == "fileContent"


def test_a_resume_left_deferred_is_a_data_contract_error(sim, ids) -> None:
    """A tenant that ignored $expand: failing loudly beats reading every resume as missing."""
    client = client_for(sim)

    def defer(row: dict) -> None:
        row["resume"] = {"__deferred": {"uri": "JobApplication(1L)/resume"}}

    _tamper(client, defer)
    with client, pytest.raises(DataContractError, match="deferred"):
        client.fetch_resumes(ids[:10])
