"""The SuccessFactors simulator over real loopback HTTP: auth, paging, queries, writes,
upsert, $batch and faults, checked against the dossier (hr-system-apis.md §1)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from connectors.successfactors import saml
from connectors.successfactors.simulator import SuccessFactorsSimulator

AS_OF = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
BASIC = ("sfapi@HRHUBDEV", "sfapi-Secret1")
TIMEOUT = 10


@pytest.fixture(scope="module")
def big() -> Iterator[SuccessFactorsSimulator]:
    """2,500 candidates (about 3,800 applications): paging needs several pages. Read-only."""
    with SuccessFactorsSimulator(candidates=2500, seed=7, as_of=AS_OF) as server:
        yield server


@pytest.fixture
def sim() -> Iterator[SuccessFactorsSimulator]:
    """A small simulator per test, for tests that write."""
    with SuccessFactorsSimulator(candidates=60, requisitions=6, seed=3, as_of=AS_OF) as server:
        yield server


def api(server: SuccessFactorsSimulator) -> requests.Session:
    session = requests.Session()
    session.auth = BASIC
    session.headers["Accept"] = "application/json"
    return session


def odata(server: SuccessFactorsSimulator, path: str = "") -> str:
    return f"{server.url}/odata/v2/{path}"


def error_code(resp: requests.Response) -> str:
    return resp.json()["error"]["code"]


def error_text(resp: requests.Response) -> str:
    return resp.json()["error"]["message"]["value"]


def sap_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def date_ms(value: str) -> int:
    """/Date(ms)/ or /Date(ms+0000)/ -> ms."""
    inner = value[len("/Date(") : -len(")/")]
    return int(inner.split("+")[0])


def walk(session: requests.Session, url: str, params: dict[str, Any]) -> list[list[dict]]:
    """Follow __next to the end; the pages as lists of records."""
    pages = []
    resp = session.get(url, params=params, timeout=TIMEOUT)
    while True:
        assert resp.status_code == 200, resp.text
        d = resp.json()["d"]
        pages.append(d["results"])
        if "__next" not in d:
            return pages
        assert len(pages) < 100, "paging does not end"
        resp = session.get(d["__next"], timeout=TIMEOUT)


def token_for(server: SuccessFactorsSimulator, **overrides: Any) -> requests.Response:
    """POST /oauth/token with a SAML assertion built as the connector builds it."""
    build = {
        "client_id": server.client_id,
        "user_id": server.username,
        "company_id": server.company_id,
        "token_url": f"{server.url}/oauth/token",
        "private_key_pem": server.private_key_pem,
    }
    form = {"client_id": server.client_id, "company_id": server.company_id, "grant_type": GRANT}
    for name in ("client_id", "company_id", "grant_type"):
        if f"form_{name}" in overrides:
            form[name] = overrides.pop(f"form_{name}")
    assertion = overrides.pop("assertion", None)
    build.update(overrides)
    form["assertion"] = assertion or saml.build_assertion(**build)
    return requests.post(f"{server.url}/oauth/token", data=form, timeout=TIMEOUT)


# -- auth ------------------------------------------------------------------------------------------


def test_basic_auth_user_at_company(sim: SuccessFactorsSimulator) -> None:
    ok = requests.get(odata(sim, "JobRequisition"), auth=BASIC, timeout=TIMEOUT)
    assert ok.status_code == 200
    wrong = requests.get(odata(sim, "JobRequisition"), auth=("sfapi@HRHUBDEV", "x"), timeout=5)
    assert wrong.status_code == 401
    assert "error" in wrong.json()
    no_company = requests.get(odata(sim, "JobRequisition"), auth=("sfapi", "sfapi-Secret1"))
    assert no_company.status_code == 401
    other = requests.get(odata(sim, "JobRequisition"), auth=("sfapi@NOPE", "sfapi-Secret1"))
    assert (other.status_code, error_code(other)) == (403, "LGN0008")
    anonymous = requests.get(odata(sim, "JobRequisition"), timeout=TIMEOUT)
    assert anonymous.status_code == 401


def test_basic_auth_disabled_answers_lgn0010() -> None:
    with SuccessFactorsSimulator(candidates=5, basic_auth=False) as server:
        resp = requests.get(odata(server, "Candidate"), auth=BASIC, timeout=TIMEOUT)
        assert (resp.status_code, error_code(resp)) == (403, "LGN0010")
        assert "Basic authentication is disabled" in error_text(resp)
        token = token_for(server).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert requests.get(odata(server, "Candidate"), headers=bearer).status_code == 200


def test_saml_bearer_happy_path(sim: SuccessFactorsSimulator) -> None:
    resp = token_for(sim)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    data = requests.get(odata(sim, "Candidate"), params={"$top": 1}, headers=headers).json()
    assert len(data["d"]["results"]) == 1
    valid = requests.get(f"{sim.url}/oauth/validate", headers=headers, timeout=TIMEOUT)
    assert valid.status_code == 200 and valid.json()["user_id"] == "sfapi"


def _other_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _good_xml(server: SuccessFactorsSimulator) -> bytes:
    good = saml.build_assertion(
        client_id=server.client_id,
        user_id="sfapi",
        company_id=server.company_id,
        token_url=f"{server.url}/oauth/token",
        private_key_pem=server.private_key_pem,
    )
    return base64.b64decode(good)


def _tampered(server: SuccessFactorsSimulator) -> str:
    xml = _good_xml(server).replace(b">sfapi<", b">admin<")
    return base64.b64encode(xml).decode()


def _unsigned(server: SuccessFactorsSimulator) -> str:
    root = etree.fromstring(_good_xml(server))
    for signature in root.findall(f"{{{saml.DS_NS}}}Signature"):
        root.remove(signature)
    return base64.b64encode(etree.tostring(root)).decode()


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("forged", "signature_invalid"),
        ("expired", "expired"),
        ("future", "not_yet_valid"),
        ("audience", "audience_mismatch"),
        ("recipient", "recipient_mismatch"),
        ("issuer", "issuer_mismatch"),
        ("tampered", "digest_mismatch"),
        ("unsigned", "signature_missing"),
        ("garbage", "invalid_assertion"),
    ],
)
def test_bad_assertions_are_refused(sim: SuccessFactorsSimulator, case: str, code: str) -> None:
    now = datetime.now(UTC)
    overrides: dict[str, Any] = {
        "forged": {"private_key_pem": _other_key()},
        "expired": {"now": now - timedelta(hours=1), "lifetime": 600},
        "future": {"now": now + timedelta(hours=1)},
        "audience": {"audience": "www.example.com"},
        "recipient": {"token_url": "https://api.sapsf.eu/oauth/token"},
        "issuer": {"client_id": "someone-else"},
        "tampered": {"assertion": _tampered(sim)},
        "unsigned": {"assertion": _unsigned(sim)},
        "garbage": {"assertion": "not base64 at all!"},
    }[case]
    resp = token_for(sim, **overrides)
    assert resp.status_code == 401, resp.text
    assert resp.json()["errorCode"] == code
    assert resp.json()["errorMessage"]


def test_token_request_errors(sim: SuccessFactorsSimulator) -> None:
    assert token_for(sim, form_grant_type="password").status_code == 400
    unknown_client = token_for(sim, form_client_id="nobody")
    assert (unknown_client.status_code, unknown_client.json()["errorCode"]) == (
        401,
        "invalid_client",
    )
    company = token_for(sim, form_company_id="OTHERCO")
    assert (company.status_code, company.json()["errorCode"]) == (400, "LGN0008")
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'
    resp = token_for(sim, assertion=base64.b64encode(dtd).decode())
    assert (resp.status_code, resp.json()["errorCode"]) == (401, "invalid_assertion")


def test_expired_and_unknown_tokens() -> None:
    with SuccessFactorsSimulator("token_expiry=0.3", candidates=5) as server:
        body = token_for(server).json()
        assert body["expires_in"] == 1
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert requests.get(odata(server, "Candidate"), headers=headers).status_code == 200
        time.sleep(0.4)
        expired = requests.get(odata(server, "Candidate"), headers=headers, timeout=TIMEOUT)
        assert (expired.status_code, error_code(expired)) == (401, "LGN0006")
        validate = requests.get(f"{server.url}/oauth/validate", headers=headers)
        assert validate.status_code == 401
    with SuccessFactorsSimulator(candidates=5) as server:
        bad = {"Authorization": "Bearer not-a-token"}
        invalid = requests.get(odata(server, "Candidate"), headers=bad, timeout=TIMEOUT)
        assert (invalid.status_code, error_code(invalid)) == (401, "LGN0007")
        good = {"Authorization": f"Bearer {server.bearer_token()}"}
        server.expire_tokens()
        assert error_code(requests.get(odata(server, "Candidate"), headers=good)) == "LGN0006"


# -- paging ----------------------------------------------------------------------------------------


def test_server_paging_to_the_end_without_loss_or_duplicates(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        pages = walk(s, odata(big, "JobApplication"), {"$format": "json"})
    sizes = [len(p) for p in pages]
    total = big.count_stream("JobApplication")
    assert total > 3000
    assert all(size == 1000 for size in sizes[:-1]) and 0 < sizes[-1] <= 1000
    ids = [r["applicationId"] for p in pages for r in p]
    assert len(ids) == len(set(ids)) == total


def test_next_link_is_absolute_with_opaque_skiptoken(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        d = s.get(odata(big, "Candidate"), timeout=TIMEOUT).json()["d"]
        assert d["__next"].startswith(big.url + "/odata/v2/Candidate?")
        assert "%24skiptoken=" in d["__next"] or "$skiptoken=" in d["__next"]
        forged = s.get(odata(big, "Candidate"), params={"$skiptoken": "garbage"})
        assert forged.status_code == 400
        other_query = d["__next"] + "&$filter=country eq 'CN'"
        assert s.get(other_query, timeout=TIMEOUT).status_code == 400


def test_custom_page_size(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        pages = walk(s, odata(big, "Candidate"), {"customPageSize": 700, "$select": "candidateId"})
        assert [len(p) for p in pages] == [700, 700, 700, 400]
        assert len({r["candidateId"] for p in pages for r in p}) == 2500
        too_big = s.get(odata(big, "Candidate"), params={"customPageSize": 1001})
        assert (too_big.status_code, error_code(too_big)) == (400, "COE_GENERAL_BAD_REQUEST")


def test_snapshot_paging_is_stable_under_concurrent_writes() -> None:
    params = {"paging": "snapshot", "customPageSize": 500, "$orderby": "lastModifiedDateTime asc"}
    with SuccessFactorsSimulator(candidates=2500, seed=11, as_of=AS_OF) as server, api(server) as s:
        expected = {str(r["candidateId"]) for r in server.rows("Candidate")}
        resp = s.get(odata(server, "Candidate"), params=params, timeout=TIMEOUT)
        seen = [r["candidateId"] for r in resp.json()["d"]["results"]]
        next_url = resp.json()["d"]["__next"]
        while next_url:
            for cid in seen[:20]:  # edits move early rows to the end of the order
                server.touch("Candidate", int(cid))
            created = s.post(odata(server, "Candidate"), json=_new_candidate(), timeout=TIMEOUT)
            assert created.status_code == 201, created.text
            d = s.get(next_url, timeout=TIMEOUT).json()["d"]
            seen += [r["candidateId"] for r in d["results"]]
            next_url = d.get("__next")
    assert len(seen) == len(set(seen)) == 2500
    assert set(seen) == expected


def test_paging_without_snapshot_shifts_under_change_like_sap() -> None:
    params = {"customPageSize": 500, "$orderby": "lastModifiedDateTime asc"}
    with SuccessFactorsSimulator(candidates=2500, seed=11, as_of=AS_OF) as server, api(server) as s:
        resp = s.get(odata(server, "Candidate"), params=params, timeout=TIMEOUT)
        seen = [r["candidateId"] for r in resp.json()["d"]["results"]]
        next_url = resp.json()["d"]["__next"]
        while next_url:
            for cid in seen[:20]:
                server.touch("Candidate", int(cid))
            d = s.get(next_url, timeout=TIMEOUT).json()["d"]
            seen += [r["candidateId"] for r in d["results"]]
            next_url = d.get("__next")
    assert len(seen) != len(set(seen)) or len(set(seen)) < 2500


def test_top_and_skip_select_a_window(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        all_ids = [
            r["candidateId"]
            for r in s.get(odata(big, "Candidate"), params={"$select": "candidateId"}).json()["d"][
                "results"
            ]
        ]
        window = s.get(
            odata(big, "Candidate"), params={"$top": 5, "$skip": 10, "$select": "candidateId"}
        ).json()["d"]
        assert [r["candidateId"] for r in window["results"]] == all_ids[10:15]
        assert "__next" not in window
        pages = walk(s, odata(big, "Candidate"), {"$top": 1500, "$select": "candidateId"})
        assert [len(p) for p in pages] == [1000, 500]
        bad = s.get(odata(big, "Candidate"), params={"$top": "-1"})
        assert bad.status_code == 400


# -- queries ---------------------------------------------------------------------------------------


def test_filter_on_last_modified_with_datetimeoffset(big: SuccessFactorsSimulator) -> None:
    cutoff = AS_OF - timedelta(days=10)
    expected = {
        r["candidateId"] for r in big.rows("Candidate") if r["lastModifiedDateTime"] >= cutoff
    }
    assert 0 < len(expected) < 2500
    with api(big) as s:
        literal = cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"$filter": f"lastModifiedDateTime ge datetimeoffset'{literal}'"}
        got = {int(r["candidateId"]) for p in walk(s, odata(big, "Candidate"), params) for r in p}
        assert got == expected
        shanghai = (cutoff + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
        params = {"$filter": f"lastModifiedDateTime ge datetimeoffset'{shanghai}'"}
        count = s.get(odata(big, "Candidate/$count"), params=params, timeout=TIMEOUT)
        assert count.headers["Content-Type"].startswith("text/plain")
        assert int(count.text) == len(expected)
        for record in walk(s, odata(big, "Candidate"), params)[0]:
            assert date_ms(record["lastModifiedDateTime"]) >= sap_ms(cutoff)
            assert record["lastModifiedDateTime"].endswith("+0000)/")


def test_filter_errors_are_sap_errors(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        unknown = s.get(odata(big, "Candidate"), params={"$filter": "shoeSize eq 3"})
        assert (unknown.status_code, error_code(unknown)) == (400, "COE_PROPERTY_NOT_FOUND")
        syntax = s.get(odata(big, "Candidate"), params={"$filter": "country eq"})
        assert (syntax.status_code, error_code(syntax)) == (400, "COE_GENERAL_BAD_REQUEST")
        mixed = s.get(
            odata(big, "JobApplication/$count"),
            params={"$filter": "candidateId in (100001L, 100002L) and status eq 'Open'"},
        )
        assert mixed.status_code == 200 and int(mixed.text) >= 1


def test_select_expand_orderby_inlinecount(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        d = s.get(
            odata(big, "Candidate"),
            params={
                "$select": "candidateId,firstName,lastModifiedDateTime,education",
                "$expand": "education",
                "$orderby": "lastModifiedDateTime desc",
                "$top": 50,
                "$inlinecount": "allpages",
            },
        ).json()["d"]
    assert d["__count"] == "2500"
    rows = d["results"]
    assert {k for k in rows[0]} == {
        "__metadata",
        "candidateId",
        "firstName",
        "lastModifiedDateTime",
        "education",
    }
    stamps = [date_ms(r["lastModifiedDateTime"]) for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert all(isinstance(r["education"]["results"], list) for r in rows)
    assert any(r["education"]["results"] for r in rows)
    meta = rows[0]["__metadata"]
    assert meta["type"] == "SFOData.Candidate"
    assert meta["uri"] == f"{big.url}/odata/v2/Candidate({rows[0]['candidateId']}L)"


def test_deferred_and_single_navigation(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        app = s.get(odata(big, "JobApplication(1L)"), params={"$expand": "jobAppStatus"}).json()
        record = app["d"]
        assert record["jobAppStatus"]["appStatusName"] in {
            "Applied",
            "Screened",
            "Interview",
            "Offer",
            "Hired",
            "Rejected",
        }
        deferred = record["jobApplicationComments"]["__deferred"]["uri"]
        assert deferred == f"{big.url}/odata/v2/JobApplication(1L)/jobApplicationComments"
        trail = s.get(deferred.replace("jobApplicationComments", "jobApplicationStatusAuditTrail"))
        rows = trail.json()["d"]["results"]
        assert rows and "applicationId" not in rows[0]  # SAP keeps the link server-side


RECRUITER_POOL = {"recruiter01", "recruiter02", "recruiter03"}


def test_requisition_owners_are_deferred_unless_expanded(big: SuccessFactorsSimulator) -> None:
    """JobRequisition's recruiter and hiringManager are navigations: a `__deferred` link
    without $expand, a to-many `results` list of JobRequisitionOperator rows with it."""
    with api(big) as s:
        plain = s.get(odata(big, "JobRequisition"), timeout=TIMEOUT).json()["d"]["results"]
        expanded = s.get(
            odata(big, "JobRequisition"), params={"$expand": "recruiter"}, timeout=TIMEOUT
        ).json()["d"]["results"]
        followed = s.get(plain[0]["recruiter"]["__deferred"]["uri"], timeout=TIMEOUT).json()
    assert len(plain) == len(expanded) == big.count_stream("JobRequisition")
    for row in plain:
        uri = row["__metadata"]["uri"]
        assert row["recruiter"] == {"__deferred": {"uri": f"{uri}/recruiter"}}
        assert row["hiringManager"] == {"__deferred": {"uri": f"{uri}/hiringManager"}}
    owners = {}
    for row in expanded:
        [operator] = row["recruiter"]["results"]
        assert operator["__metadata"]["type"] == "SFOData.JobRequisitionOperator"
        assert (operator["jobReqId"], operator["operatorRole"]) == (row["jobReqId"], "R")
        assert operator["userName"] in RECRUITER_POOL and operator["email"].endswith(".cn")
        assert "__deferred" in row["hiringManager"], "only what $expand names is expanded"
        owners[row["jobReqId"]] = operator["userName"]
    assert len(set(owners.values())) > 1, "requisitions are spread over the recruiters"
    [first] = followed["d"]["results"]
    assert first == expanded[0]["recruiter"]["results"][0]


def test_requisition_owners_with_select_filter_and_a_wrong_name(
    big: SuccessFactorsSimulator,
) -> None:
    operators = big.rows("JobRequisitionOperator")
    managers = {str(o["jobReqId"]): o["userName"] for o in operators if o["operatorRole"] == "G"}
    owned = sorted(str(o["jobReqId"]) for o in operators if o["userName"] == "recruiter01")
    with api(big) as s:
        picked = s.get(
            odata(big, "JobRequisition"),
            params={
                "$select": "jobReqId,recruiter/userName,hiringManager",
                "$expand": "recruiter,hiringManager",
            },
            timeout=TIMEOUT,
        ).json()["d"]["results"]
        mine = s.get(
            odata(big, "JobRequisition"),
            params={"$filter": "recruiter/userName eq 'recruiter01'", "$select": "jobReqId"},
            timeout=TIMEOUT,
        ).json()["d"]["results"]
        typo = s.get(
            odata(big, "JobRequisition"), params={"$expand": "recruiters"}, timeout=TIMEOUT
        )
    for row in picked:
        assert set(row) == {"__metadata", "jobReqId", "recruiter", "hiringManager"}
        [recruiter] = row["recruiter"]["results"]
        assert set(recruiter) == {"__metadata", "userName"}
        [manager] = row["hiringManager"]["results"]
        assert (manager["operatorRole"], manager["userName"]) == ("G", managers[row["jobReqId"]])
    assert owned and sorted(r["jobReqId"] for r in mine) == owned
    assert (typo.status_code, error_code(typo)) == (400, "COE_PROPERTY_NOT_FOUND")
    assert "JobRequisition/recruiters" in error_text(typo)


def test_requisition_owners_are_seeded_from_the_pools_deterministically() -> None:
    one = SuccessFactorsSimulator(candidates=5, requisitions=12, seed=5, as_of=AS_OF)
    two = SuccessFactorsSimulator(candidates=5, requisitions=12, seed=5, as_of=AS_OF)
    operators = one.rows("JobRequisitionOperator")
    assert operators == two.rows("JobRequisitionOperator")
    by_role = {role: [o for o in operators if o["operatorRole"] == role] for role in "RG"}
    reqs = sorted(r["jobReqId"] for r in one.rows("JobRequisition"))
    for role, rows in by_role.items():
        assert sorted(o["jobReqId"] for o in rows) == reqs, f"one {role} per requisition"
    assert {o["userName"] for o in by_role["R"]} <= RECRUITER_POOL
    assert not {o["userName"] for o in by_role["G"]} & RECRUITER_POOL
    # A requisition's owners depend on the seed and its id, not on how many are seeded.
    fewer = SuccessFactorsSimulator(candidates=5, requisitions=6, seed=5, as_of=AS_OF)
    assert fewer.rows("JobRequisitionOperator") == [o for o in operators if o["jobReqId"] <= 1006]


def test_key_addressing_forms(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        for key in ("100001L", "candidateId=100001L", "100001", "candidateId=100001"):
            resp = s.get(odata(big, f"Candidate({key})"), timeout=TIMEOUT)
            assert resp.status_code == 200, (key, resp.text)
            assert resp.json()["d"]["candidateId"] == "100001"
        missing = s.get(odata(big, "Candidate(999L)"), timeout=TIMEOUT)
        assert (missing.status_code, error_code(missing)) == (404, "COE_ENTITY_NOT_FOUND")
        unknown_set = s.get(odata(big, "Employee"), timeout=TIMEOUT)
        assert unknown_set.status_code == 404


def test_metadata_is_xml(big: SuccessFactorsSimulator) -> None:
    with api(big) as s:
        for path in ("$metadata", "Candidate/$metadata"):
            resp = s.get(odata(big, path), timeout=TIMEOUT)
            assert resp.status_code == 200
            assert resp.headers["Content-Type"].startswith("application/xml")
            root = etree.fromstring(resp.content)
            names = root.xpath("//*[local-name()='EntitySet']/@Name")
            assert "Candidate" in names
        assert requests.get(odata(big, "$metadata"), timeout=TIMEOUT).status_code == 401


# -- writes ----------------------------------------------------------------------------------------


def _new_candidate(**fields: Any) -> dict[str, Any]:
    email = f"new.{uuid.uuid4().hex[:10]}@example.cn"
    return {
        "firstName": "晓明",
        "lastName": "王",
        "contactEmail": email,
        "primaryEmail": email,
        "cellPhone": "+86 13800138000",
        "country": "CN",
        **fields,
    }


def test_create_candidate_and_its_validation(sim: SuccessFactorsSimulator) -> None:
    with api(sim) as s:
        url = odata(sim, "Candidate")
        created = s.post(url, json=_new_candidate(), timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        record = created.json()["d"]
        assert int(record["candidateId"]) > 100_060
        assert record["__metadata"]["uri"].endswith(f"Candidate({record['candidateId']}L)")
        assert date_ms(record["lastModifiedDateTime"]) > sap_ms(AS_OF)

        missing = s.post(url, json={"country": "CN"}, timeout=TIMEOUT)
        assert error_code(missing) == "COE_MISSING_REQUIRED_PROPERTIES"
        for name in ("firstName", "lastName", "contactEmail", "primaryEmail"):
            assert name in error_text(missing)

        too_long = s.post(url, json=_new_candidate(firstName="x" * 256), timeout=TIMEOUT)
        assert (too_long.status_code, error_code(too_long)) == (
            400,
            "COE_PROPERTY_EXCEED_MAX_LENGTH",
        )

        unknown = s.post(url, json=_new_candidate(shoeSize=42), timeout=TIMEOUT)
        assert (unknown.status_code, error_code(unknown)) == (400, "COE_PROPERTY_NOT_FOUND")
        assert "shoeSize" in error_text(unknown)

        picklist = s.post(url, json=_new_candidate(country="XX"), timeout=TIMEOUT)
        assert picklist.status_code == 400 and "'XX'" in error_text(picklist)

        twin = {**_new_candidate(), "primaryEmail": record["primaryEmail"]}
        assert s.post(url, json=twin, timeout=TIMEOUT).status_code == 400

        read_only = s.post(odata(sim, "JobApplicationStatusAuditTrail"), json={"revType": 1})
        assert read_only.status_code == 400


def test_merge_updates_and_refuses_what_sap_refuses(sim: SuccessFactorsSimulator) -> None:
    with api(sim) as s:
        url = odata(sim, "JobApplication(1L)")
        before = s.get(url, timeout=TIMEOUT).json()["d"]
        tunnelled = s.post(
            url, json={"statusComments": "phone screen ok"}, headers={"X-HTTP-Method": "MERGE"}
        )
        assert tunnelled.status_code == 204, tunnelled.text
        verb = s.request("MERGE", url, json={"city": "杭州"}, timeout=TIMEOUT)
        assert verb.status_code == 204, verb.text
        after = s.get(url, timeout=TIMEOUT).json()["d"]
        assert (after["statusComments"], after["city"]) == ("phone screen ok", "杭州")
        assert after["firstName"] == before["firstName"]
        assert date_ms(after["lastModifiedDateTime"]) > date_ms(before["lastModifiedDateTime"])

        status = s.post(url, json={"status": "Closed"}, headers={"X-HTTP-Method": "MERGE"})
        assert status.status_code == 400 and "is not updatable" in error_text(status)
        email = s.request(
            "MERGE", odata(sim, "Candidate(100001L)"), json={"primaryEmail": "a@b.cn"}
        )
        assert email.status_code == 400 and "is not updatable" in error_text(email)
        required = s.request("MERGE", url, json={"firstName": None}, timeout=TIMEOUT)
        assert error_code(required) == "COE_MISSING_REQUIRED_PROPERTIES"
        missing = s.request("MERGE", odata(sim, "JobApplication(999999L)"), json={"city": "x"})
        assert missing.status_code == 404


def _status_ids(server: SuccessFactorsSimulator, application_id: int) -> dict[str, int]:
    app = next(r for r in server.rows("JobApplication") if r["applicationId"] == application_id)
    req = next(r for r in server.rows("JobRequisition") if r["jobReqId"] == app["jobReqId"])
    return {
        r["appStatusName"]: r["appStatusId"]
        for r in server.rows("JobApplicationStatus")
        if r["appStatusSetId"] == req["statusSetId"]
    }


def test_status_moves_append_to_the_audit_trail(sim: SuccessFactorsSimulator) -> None:
    statuses = _status_ids(sim, 2)
    trail_url = odata(sim, "JobApplication(2L)/jobApplicationStatusAuditTrail")
    with api(sim) as s:
        before = s.get(trail_url, timeout=TIMEOUT).json()["d"]["results"]
        move = s.request(
            "MERGE",
            odata(sim, "JobApplication(2L)"),
            json={"appStatusSetItemId": str(statuses["Interview"]), "statusComments": "AI 面试"},
        )
        assert move.status_code == 204, move.text
        after = s.get(trail_url, timeout=TIMEOUT).json()["d"]["results"]
        assert len(after) == len(before) + 1
        assert after[-1]["revType"] == 1 and after[-1]["statusComments"] == "AI 面试"
        app = s.get(odata(sim, "JobApplication(2L)"), params={"$expand": "jobAppStatus"}).json()
        assert app["d"]["jobAppStatus"]["appStatusName"] == "Interview"

        foreign = max(r["appStatusId"] for r in sim.rows("JobApplicationStatus")) + 1
        wrong = s.request(
            "MERGE", odata(sim, "JobApplication(2L)"), json={"appStatusSetItemId": foreign}
        )
        assert wrong.status_code == 400 and "appStatusSetItemId" in error_text(wrong)

        reject = s.request(
            "MERGE",
            odata(sim, "JobApplication(2L)"),
            json={"appStatusSetItemId": statuses["Rejected"]},
        )
        assert reject.status_code == 204
        assert s.get(odata(sim, "JobApplication(2L)")).json()["d"]["status"] == "Disqualified"


def test_child_writes_bump_the_parent(sim: SuccessFactorsSimulator) -> None:
    with api(sim) as s:
        before = s.get(odata(sim, "JobApplication(3L)")).json()["d"]["lastModifiedDateTime"]
        comment = s.post(
            odata(sim, "JobApplicationComments"),
            json={"applicationId": "3", "content": "结构化面试表现良好"},
            timeout=TIMEOUT,
        )
        assert comment.status_code == 201, comment.text
        assert comment.json()["d"]["commentator"] == "sfapi"
        after = s.get(odata(sim, "JobApplication(3L)")).json()["d"]["lastModifiedDateTime"]
        assert date_ms(after) > date_ms(before)
        orphan = s.post(odata(sim, "JobApplicationComments"), json={"applicationId": "999999"})
        assert orphan.status_code == 400


# -- upsert ----------------------------------------------------------------------------------------


def test_upsert_reports_each_record_in_one_200(sim: SuccessFactorsSimulator) -> None:
    statuses = _status_ids(sim, 4)
    body = [
        {
            "__metadata": {
                "uri": "JobApplication(applicationId=4)",
                "type": "SFOData.JobApplication",
            },
            "appStatusSetItemId": str(statuses["Screened"]),
        },
        {
            "__metadata": {"uri": "JobApplication(applicationId=4)"},
            "appStatusSetItemId": "424242",
        },
        {
            "__metadata": {"uri": f"{sim.url}/odata/v2/JobApplication(5L)"},
            "statusComments": "absolute uri",
        },
        {
            "__metadata": {"uri": "JobApplicationComments"},
            "applicationId": "4",
            "content": "新评论",
        },
        {"__metadata": {"uri": "JobApplication(applicationId=999999)"}, "city": "上海"},
        {"__metadata": {"uri": "JobApplicationStatus"}, "appStatusName": "x"},
    ]
    with api(sim) as s:
        resp = s.post(odata(sim, "upsert"), params={"$format": "json"}, json=body, timeout=10)
        assert resp.status_code == 200, resp.text
        results = resp.json()["d"]
        assert [r["status"] for r in results] == ["OK", "ERROR", "OK", "OK", "ERROR", "ERROR"]
        assert [r["index"] for r in results] == list(range(6))
        assert results[0] == {
            "key": "JobApplication/applicationId=4",
            "status": "OK",
            "editStatus": "UPSERTED",
            "message": None,
            "index": 0,
            "httpCode": 200,
            "inlineResults": None,
        }
        assert results[1]["httpCode"] == 400 and "424242" in results[1]["message"]
        assert results[1]["editStatus"] is None
        assert results[3]["key"].startswith("JobApplicationComments/commentId=")
        app = s.get(odata(sim, "JobApplication(4L)")).json()["d"]
        assert app["appStatusSetItemId"] == str(statuses["Screened"])
        assert s.get(odata(sim, "JobApplication(5L)")).json()["d"]["statusComments"] == (
            "absolute uri"
        )
        single = s.post(
            odata(sim, "upsert"),
            json={"__metadata": {"uri": "JobApplication(6L)"}, "statusComments": "one object"},
        )
        assert single.json()["d"][0]["status"] == "OK"


def test_upsert_over_1000_records_is_refused(sim: SuccessFactorsSimulator) -> None:
    body = [{"__metadata": {"uri": "JobApplication(1L)"}, "city": "上海"}] * 1001
    with api(sim) as s:
        resp = s.post(odata(sim, "upsert"), params={"$format": "json"}, json=body, timeout=10)
    assert (resp.status_code, error_code(resp)) == (400, "COE_GENERAL_BAD_REQUEST")
    assert error_text(resp) == "Upsert content exceeds the limitation, the maximum size is 1000"


def test_truncated_comment_carries_sap_message(sim: SuccessFactorsSimulator) -> None:
    body = {
        "__metadata": {"uri": "JobApplicationComments"},
        "applicationId": "1",
        "content": "评" * 5000,
    }
    with api(sim) as s:
        resp = s.post(odata(sim, "upsert"), params={"$format": "json"}, json=body, timeout=10)
    assert resp.status_code == 200 and resp.json()["d"][0]["status"] == "OK"
    message = json.loads(resp.headers["sap-message"])
    assert message["severity"] == "error"
    assert message["code"] == "COE_PROPERTY_EXCEED_MAX_LENGTH"
    stored = [r for r in sim.rows("JobApplicationComments") if r["content"].startswith("评评")]
    assert len(stored[-1]["content"]) == 4000


# -- $batch ----------------------------------------------------------------------------------------


def _part(method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> str:
    lines = [
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        f"{method} {path} HTTP/1.1",
        "Content-Type: application/json",
        *(f"{k}: {v}" for k, v in headers.items()),
        "",
        json.dumps(body, ensure_ascii=False) if body is not None else "",
    ]
    return "\r\n".join(lines)


def _multipart(boundary: str, parts: list[str]) -> str:
    return "".join(f"--{boundary}\r\n{p}\r\n" for p in parts) + f"--{boundary}--\r\n"


def _batch(server: SuccessFactorsSimulator, changeset: list[str]) -> requests.Response:
    inner = _multipart("changeset_1", changeset)
    outer = _multipart(
        "batch_1",
        [
            _part("GET", "JobApplication(1L)?$select=applicationId,city"),
            f"Content-Type: multipart/mixed; boundary=changeset_1\r\n\r\n{inner}",
        ],
    )
    return requests.post(
        odata(server, "$batch"),
        data=outer.encode("utf-8"),
        headers={"Content-Type": "multipart/mixed; boundary=batch_1"},
        auth=BASIC,
        timeout=TIMEOUT,
    )


def test_batch_changeset_commits_together(sim: SuccessFactorsSimulator) -> None:
    resp = _batch(
        sim,
        [
            _part("POST", "JobApplicationComments", {"applicationId": "1", "content": "批量"}),
            _part("POST", "JobApplication(1L)", {"city": "成都"}, **{"X-HTTP-Method": "MERGE"}),
            _part(
                "POST",
                "upsert?$format=json",
                {"__metadata": {"uri": "JobApplication(2L)"}, "city": "厦门"},
            ),
        ],
    )
    assert resp.status_code == 202, resp.text
    assert resp.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    text = resp.text
    assert "HTTP/1.1 200 OK" in text and "HTTP/1.1 201 Created" in text
    assert "HTTP/1.1 204 No Content" in text
    assert any(r["content"] == "批量" for r in sim.rows("JobApplicationComments"))
    cities = {r["applicationId"]: r["city"] for r in sim.rows("JobApplication")}
    assert (cities[1], cities[2]) == ("成都", "厦门")


def test_batch_changeset_rolls_back_on_failure(sim: SuccessFactorsSimulator) -> None:
    comments = len(sim.rows("JobApplicationComments"))
    before = {r["applicationId"]: dict(r) for r in sim.rows("JobApplication")}
    resp = _batch(
        sim,
        [
            _part("POST", "JobApplicationComments", {"applicationId": "1", "content": "回滚"}),
            _part("MERGE", "JobApplication(1L)", {"city": "成都"}),
            _part("MERGE", "JobApplication(2L)", {"status": "Closed"}),
        ],
    )
    assert resp.status_code == 202
    text = resp.text
    assert text.count("HTTP/1.1 400 Bad Request") == 1
    assert "HTTP/1.1 201" not in text and "HTTP/1.1 204" not in text
    assert "COE_GENERAL_BAD_REQUEST" in text and "HTTP/1.1 200 OK" in text
    assert len(sim.rows("JobApplicationComments")) == comments
    after = {r["applicationId"]: r for r in sim.rows("JobApplication")}
    assert after[1] == before[1] and after[2] == before[2]


# -- faults and helpers ----------------------------------------------------------------------------


def test_rate_limit_fault_answers_429_with_retry_after() -> None:
    with SuccessFactorsSimulator("rate_limit=1,retry_after=7", candidates=5) as server:
        resp = requests.get(odata(server, "Candidate"), auth=BASIC, timeout=TIMEOUT)
        assert resp.status_code == 429
        assert resp.headers["Retry-After"] == "7"
        assert "error" in resp.json() and "7" in error_text(resp)
    with SuccessFactorsSimulator("error_rate=1", candidates=5) as server:
        resp = requests.get(odata(server, "Candidate"), auth=BASIC, timeout=TIMEOUT)
        assert resp.status_code == 503 and "maintenance" in error_text(resp)


def test_duplicate_fault_repeats_rows_in_a_page() -> None:
    with SuccessFactorsSimulator("duplicate=1", candidates=10) as server:
        rows = requests.get(odata(server, "Candidate"), auth=BASIC).json()["d"]["results"]
        assert len(rows) == 20


def test_helpers_and_deterministic_seed() -> None:
    one = SuccessFactorsSimulator(candidates=300, seed=5, as_of=AS_OF)
    two = SuccessFactorsSimulator(candidates=300, seed=5, as_of=AS_OF)
    assert one.rows("Candidate") == two.rows("Candidate")
    assert one.rows("JobApplication") == two.rows("JobApplication")
    assert one.count_stream("Candidate") == 300
    assert 1.3 < one.count_stream("JobApplication") / 300 < 1.7
    assert one.count_stream("JobRequisition") == 20
    candidates = one.rows("Candidate")
    assert any(r["candidateLocale"] == "zh_CN" for r in candidates)
    assert any(r["candidateLocale"] == "en_US" for r in candidates)
    assert any(r["cellPhone"].startswith("+86 13") for r in candidates)
    oldest = min(r["lastModifiedDateTime"] for r in candidates)
    assert AS_OF - timedelta(days=60) <= oldest
    labels = {(r["appStatusId"], r["locale"]) for r in one.rows("JobApplicationStatusLabel")}
    assert (1, "zh_CN") in labels and (1, "en_US") in labels
    touched = one.touch("Candidate", 100_001)
    assert touched["lastModifiedDateTime"] > AS_OF
    assert "求职意向" in one.resume_text(1) or "Objective" in one.resume_text(1)
    with pytest.raises(KeyError):
        one.count_stream("Employee")


def test_hundred_thousand_candidates_seed_quickly() -> None:
    started = time.perf_counter()
    server = SuccessFactorsSimulator(candidates=100_000, requisitions=50)
    assert time.perf_counter() - started < 15
    assert server.count_stream("Candidate") == 100_000
