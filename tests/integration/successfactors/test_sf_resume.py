"""Resumes read through SAP's shape: `JobApplication(<id>L)/resume` answers the Attachment with
base64 `fileContent`; the client hands back the bytes, or a classified error naming the
application. Bad input (no resume, a file no parser reads) is part of the simulated tenant."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from connectors._core.errors import AuthError, DataContractError, RecordRejected
from connectors._core.retry import retry_policy
from connectors.successfactors.client import ResumeFile, SuccessFactorsClient, application_key
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.scoring.resume.read import Unparseable, read_resume

AS_OF = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
BASIC = ("sfapi@HRHUBDEV", "sfapi-Secret1")
TIMEOUT = 10


@pytest.fixture(scope="module")
def sim() -> Iterator[SuccessFactorsSimulator]:
    """About 600 applications: enough for every kind of resume to occur. Read-only."""
    with SuccessFactorsSimulator(candidates=400, requisitions=8, seed=3, as_of=AS_OF) as server:
        yield server


@pytest.fixture(scope="module")
def kinds(sim: SuccessFactorsSimulator) -> dict[str, list[int]]:
    by_kind: dict[str, list[int]] = {"text": [], "missing": [], "unreadable": []}
    for row in sim.rows("JobApplication"):
        by_kind[sim.resume_kind(row["applicationId"])].append(row["applicationId"])
    assert all(by_kind.values()), {k: len(v) for k, v in by_kind.items()}
    return by_kind


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


def resume_url(sim: SuccessFactorsSimulator, key: str) -> str:
    return f"{sim.url}/odata/v2/JobApplication({key})/resume"


# -- the simulator's answer ------------------------------------------------------------------


def test_resume_navigation_answers_an_attachment_in_verbose_json(sim, kinds) -> None:
    app_id = kinds["text"][0]
    resp = requests.get(
        resume_url(sim, f"{app_id}L"), params={"$format": "json"}, auth=BASIC, timeout=TIMEOUT
    )
    assert resp.status_code == 200, resp.text
    d = resp.json()["d"]
    assert d["__metadata"]["type"] == "SFOData.Attachment"
    assert d["__metadata"]["uri"] == f"{sim.url}/odata/v2/Attachment({d['attachmentId']}L)"
    assert isinstance(d["attachmentId"], str) and d["attachmentId"].isdigit()  # Int64 as text
    content = base64.b64decode(d["fileContent"], validate=True)
    assert content.decode("utf-8") == sim.resume_text(app_id)
    assert d["fileSize"] == len(content)
    assert (d["fileName"], d["fileExtension"], d["mimeType"]) == (
        f"resume_{app_id}.txt",
        "txt",
        "text/plain",
    )
    assert (d["module"], d["moduleCategory"]) == ("RECRUITING", "RESUME")
    assert {"documentCategory", "userId"} <= set(d)
    assert d["lastModifiedDateTime"].startswith("/Date(") and d["lastModifiedDateTime"].endswith(
        "+0000)/"
    )
    named = requests.get(resume_url(sim, f"applicationId={app_id}L"), auth=BASIC, timeout=TIMEOUT)
    assert named.status_code == 200 and named.json() == resp.json()
    picked = requests.get(
        resume_url(sim, f"{app_id}L"), params={"$select": "fileName"}, auth=BASIC, timeout=TIMEOUT
    ).json()["d"]
    assert set(picked) == {"__metadata", "fileName"}


def test_resume_navigation_errors_are_sap_errors(sim, kinds) -> None:
    missing = requests.get(resume_url(sim, f"{kinds['missing'][0]}L"), auth=BASIC, timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "COE_ENTITY_NOT_FOUND"
    unknown = requests.get(resume_url(sim, "99999999L"), auth=BASIC, timeout=TIMEOUT)
    assert unknown.status_code == 404 and "[COE0018]" in unknown.json()["error"]["message"]["value"]
    app_id = kinds["text"][0]
    xml = requests.get(
        resume_url(sim, f"{app_id}L"), params={"$format": "xml"}, auth=BASIC, timeout=TIMEOUT
    )
    assert xml.status_code == 400
    bad_select = requests.get(
        resume_url(sim, f"{app_id}L"), params={"$select": "resumeText"}, auth=BASIC, timeout=TIMEOUT
    )
    assert bad_select.status_code == 400
    assert bad_select.json()["error"]["code"] == "COE_PROPERTY_NOT_FOUND"


def test_every_application_is_served_as_its_kind_says(sim) -> None:
    """The helper the flow's tests rely on agrees with the API for every application, and the
    kinds agree with hrhub's resume reader: text is read, unreadable is refused."""
    seen: Counter[str] = Counter()
    with requests.Session() as s:
        s.auth = BASIC
        for row in sim.rows("JobApplication"):
            app_id = row["applicationId"]
            kind = sim.resume_kind(app_id)
            seen[kind] += 1
            resp = s.get(resume_url(sim, f"{app_id}L"), timeout=TIMEOUT)
            if kind == "missing":
                assert resp.status_code == 404, app_id
                continue
            assert resp.status_code == 200, (app_id, resp.text)
            content = base64.b64decode(resp.json()["d"]["fileContent"])
            if kind == "text":
                assert content.decode("utf-8") == sim.resume_text(app_id)
                assert read_resume(content).language in ("zh", "en")
            else:
                with pytest.raises(Unparseable):
                    read_resume(content)
    assert set(seen) == {"text", "missing", "unreadable"}


def test_resume_kinds_are_about_the_documented_shares_and_fixed_by_seed() -> None:
    one = SuccessFactorsSimulator(candidates=3000, seed=11, as_of=AS_OF)
    two = SuccessFactorsSimulator(candidates=3000, seed=11, as_of=AS_OF)
    other = SuccessFactorsSimulator(candidates=3000, seed=12, as_of=AS_OF)
    ids = [r["applicationId"] for r in one.rows("JobApplication")]
    kinds = [one.resume_kind(i) for i in ids]
    shares = {k: n / len(ids) for k, n in Counter(kinds).items()}
    assert 0.01 <= shares["missing"] <= 0.03
    assert 0.004 <= shares["unreadable"] <= 0.02
    assert kinds == [two.resume_kind(i) for i in ids]
    common = [i for i in ids if i <= other.count_stream("JobApplication")]
    assert [one.resume_kind(i) for i in common] != [other.resume_kind(i) for i in common]
    with pytest.raises(KeyError):
        one.resume_kind(10**9)
    bad = next(i for i, k in zip(ids, kinds, strict=True) if k == "unreadable")
    with one, two:
        first, second = (
            requests.get(resume_url(s, f"{bad}L"), auth=BASIC, timeout=TIMEOUT).json()["d"]
            for s in (one, two)
        )
    assert first["fileContent"] == second["fileContent"]


def test_an_application_created_through_the_api_has_no_resume() -> None:
    with SuccessFactorsSimulator(candidates=5, requisitions=2, seed=3, as_of=AS_OF) as server:
        cand = server.rows("Candidate")[0]
        created = requests.post(
            f"{server.url}/odata/v2/JobApplication",
            json={
                "candidateId": str(cand["candidateId"]),
                "jobReqId": str(server.rows("JobRequisition")[0]["jobReqId"]),
                "firstName": cand["firstName"],
                "lastName": cand["lastName"],
                "contactEmail": cand["contactEmail"],
                "cellPhone": cand["cellPhone"],
                "country": cand["country"],
            },
            auth=BASIC,
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
        app_id = int(created.json()["d"]["applicationId"])
        assert server.resume_kind(app_id) == "missing"
        with pytest.raises(RecordRejected):
            client_for(server).fetch_resume(app_id)


# -- the client ----------------------------------------------------------------------------------


def test_text_resume_round_trip_equals_resume_text(sim, kinds) -> None:
    with client_for(sim) as client:
        for app_id in kinds["text"][:5]:
            resume = client.fetch_resume(app_id)
            assert isinstance(resume, ResumeFile)
            assert resume.content.decode("utf-8") == sim.resume_text(app_id)
            assert (resume.file_name, resume.mime_type) == (f"resume_{app_id}.txt", "text/plain")


def test_a_missing_resume_is_rejected_for_that_application(sim, kinds) -> None:
    app_id = kinds["missing"][0]
    with client_for(sim) as client:
        with pytest.raises(RecordRejected) as caught:
            client.fetch_resume(app_id)
        assert caught.value.status == 404
        assert caught.value.vendor_code == "COE_ENTITY_NOT_FOUND"
        assert caught.value.record_id == str(app_id) and caught.value.field == "resume"
        assert f"JobApplication({app_id})" in str(caught.value)
        with pytest.raises(RecordRejected, match=r"JobApplication\(99999999\)"):
            client.fetch_resume(99_999_999)
        # The client still works after a rejection.
        assert client.fetch_resume(kinds["text"][0]).content


def test_unreadable_files_come_back_as_bytes(sim, kinds) -> None:
    with client_for(sim) as client:
        for app_id in kinds["unreadable"]:
            resume = client.fetch_resume(app_id)
            assert resume.mime_type in ("application/pdf", "application/msword")
            assert resume.file_name.endswith((".pdf", ".doc"))
            assert 2048 <= len(resume.content) <= 8192
            with pytest.raises(UnicodeDecodeError):
                resume.content.decode("utf-8")


def test_bare_and_canonical_ids_are_accepted(sim, kinds) -> None:
    app_id = kinds["text"][1]
    with client_for(sim) as client:
        expected = client.fetch_resume(app_id)
        assert client.fetch_resume(str(app_id)) == expected
        assert client.fetch_resume(f"successfactors:application:{app_id}") == expected
    assert application_key(f" {app_id} ") == str(app_id)
    for wrong in ("yonyou:application:7", "successfactors:candidate:7", "A1", "", "-7", True, 1.5):
        with pytest.raises(ValueError):
            application_key(wrong)  # type: ignore[arg-type]


def test_resumes_need_credentials(sim, kinds) -> None:
    resp = requests.get(resume_url(sim, f"{kinds['text'][0]}L"), timeout=TIMEOUT)
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
        wrong.fetch_resume(kinds["text"][0])


def test_oauth_client_reads_resumes(sim, kinds) -> None:
    client = SuccessFactorsClient(
        sim.url,
        company_id=sim.company_id,
        username=sim.username,
        auth="oauth",
        client_id=sim.client_id,
        private_key_pem=sim.private_key_pem,
    )
    with client:
        app_id = kinds["text"][2]
        assert client.fetch_resume(app_id).content.decode("utf-8") == sim.resume_text(app_id)


def test_faults_are_ridden_out_by_the_retry() -> None:
    faults = "error_rate=0.2,rate_limit=0.1,rate_limit_burst=1,retry_after=0,drop=0.05,seed=5"
    with SuccessFactorsSimulator(faults, candidates=40, seed=3, as_of=AS_OF) as server:
        ids = [r["applicationId"] for r in server.rows("JobApplication")]
        text_ids = [i for i in ids if server.resume_kind(i) == "text"][:25]
        with client_for(server) as client:
            for app_id in text_ids:
                assert client.fetch_resume(app_id).content.decode("utf-8") == server.resume_text(
                    app_id
                )
        for fault in ("faulted", "rate_limited", "dropped"):
            assert server.counters[fault] > 0, fault


def test_malformed_base64_is_a_data_contract_error_naming_the_application(sim, kinds) -> None:
    app_id = kinds["text"][0]
    client = client_for(sim)
    real = client.session.request

    def request(method: str, url: str, **kwargs) -> requests.Response:
        response = real(method, url, **kwargs)
        body = response.json()
        body["d"]["fileContent"] = "not base64 at all!"
        response._content = json.dumps(body).encode()
        return response

    client.session.request = request  # type: ignore[method-assign]
    with client, pytest.raises(DataContractError) as caught:
        client.fetch_resume(app_id)
    assert caught.value.record_id == str(app_id)
    assert f"JobApplication({app_id})" in str(caught.value)


def test_base64_wrapped_in_lines_is_still_read(sim, kinds) -> None:
    app_id = kinds["text"][0]
    client = client_for(sim)
    real = client.session.request

    def request(method: str, url: str, **kwargs) -> requests.Response:
        response = real(method, url, **kwargs)
        body = response.json()
        text = body["d"]["fileContent"]
        body["d"]["fileContent"] = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
        response._content = json.dumps(body).encode()
        return response

    client.session.request = request  # type: ignore[method-assign]
    with client:
        assert client.fetch_resume(app_id).content.decode("utf-8") == sim.resume_text(app_id)
