"""SuccessFactors answers, fuzzed on the client's side: whatever JSON (or not-JSON) comes back
where an OData envelope (`d`, `results`, `__next`), an upsert result, an attachment or a
`/Date(ms)/` value is expected, the client raises a ConnectorError (DataContractError for a
payload off the contract, RecordRejected for one record) and never KeyError, TypeError or
another crash of its own.

The client talks to requests_mock, each answer drawn as the call is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
import requests_mock
from hypothesis import event, example, given
from hypothesis import strategies as st

from connectors._core.errors import ConnectorError, DataContractError
from connectors._core.retry import retry_policy
from connectors._core.write import WriteOutcome
from connectors.successfactors.client import (
    ResumeFile,
    SuccessFactorsClient,
    _resume_file,
    _upsert_outcomes,
    parse_sap_date,
    shift_watermark,
)

from .support import JSON_SCALARS, JSON_VALUES, fuzz, json_objects

BASE = "http://sf.test"
STREAMS = ["Candidate", "JobApplication", "JobRequisition"]
MAX_CALLS = 12  # answers drawn per example; after that every list is empty and final

SAP_DATES = st.one_of(
    st.integers(-(10**20), 10**20).map(lambda ms: f"/Date({ms})/"),
    st.tuples(st.integers(-(10**16), 10**16), st.sampled_from(["+0000", "-0480", "+", "x"])).map(
        lambda t: f"/Date({t[0]}{t[1]})/"
    ),
    st.text(max_size=12).map(lambda t: f"/Date({t})/"),
    st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    st.text(max_size=30),
)


@fuzz(share=2)
@given(SAP_DATES | JSON_SCALARS)
@example("/Date()/")  # was ValueError from int()
@example("/Date(abc)/")  # was ValueError from int()
@example("/Date(99999999999999999999)/")  # was OSError (EOVERFLOW) from fromtimestamp
@example("/Date(" + "9" * 5000 + ")/")  # was ValueError: int() refuses 4300+ digits
def test_a_sap_date_is_an_aware_instant_or_a_data_contract_error(value: Any) -> None:
    try:
        moment = parse_sap_date(value)
    except DataContractError as exc:
        assert exc.system == "successfactors"
        return
    assert moment.tzinfo is not None


@fuzz()
@given(json_objects(["lastModifiedDateTime", "candidateId"], SAP_DATES | JSON_SCALARS))
@example({"lastModifiedDateTime": "/Date(-62000000000000)/"})  # was "5-04-19T09:46:40.000Z"
@example({"lastModifiedDateTime": "/Date(-99999999999999999)/"})  # was ValueError (year 0)
def test_a_cursor_is_a_watermark_or_a_data_contract_error_naming_the_field(record: dict) -> None:
    client = sf_client()
    try:
        cursor = client.cursor_value("Candidate", record)
    except DataContractError as exc:
        assert exc.field == "lastModifiedDateTime"
        return
    assert cursor is None or (len(cursor) == 24 and cursor.endswith("Z"))


UPSERT_RESULT = json_objects(["key", "status", "index", "message", "httpCode", "editStatus"])


def upsert_bodies(expected: int) -> st.SearchStrategy[Any]:
    """Upsert answers: mostly `{"d": [results]}` with the expected count, and anything else."""
    results = st.lists(UPSERT_RESULT | JSON_SCALARS, min_size=expected, max_size=expected)
    return st.one_of(
        st.fixed_dictionaries({"d": results}),
        st.fixed_dictionaries({"d": st.lists(UPSERT_RESULT, max_size=3)}),
        JSON_VALUES,
    )


@fuzz(share=2)
@given(st.integers(0, 3).flatmap(lambda n: st.tuples(st.just(n), upsert_bodies(n))))
@example((1, {"d": [1]}))  # was AttributeError: 'int' object has no attribute 'get'
@example((1, {"d": [{"index": "x"}]}))  # was ValueError from int()
@example((1, {"d": [{"index": None}]}))  # was TypeError from int()
@example((1, {"d": [{"status": "OK", "key": {"a": 1}}]}))  # a remote id that is not text
def test_upsert_results_are_outcomes_or_a_data_contract_error(case: tuple[int, Any]) -> None:
    expected, body = case
    try:
        outcomes = _upsert_outcomes(body, expected, "JobApplicationComments")
    except DataContractError:
        return
    assert len(outcomes) == expected
    for outcome in outcomes:
        assert isinstance(outcome, WriteOutcome)
        assert outcome.ok or isinstance(outcome.error, ConnectorError)
        assert outcome.remote_id is None or isinstance(outcome.remote_id, str)


ATTACHMENT = json_objects(["fileContent", "fileName", "mimeType", "__deferred"])


@fuzz()
@given(ATTACHMENT | JSON_VALUES)
def test_an_attachment_is_a_file_or_a_data_contract_error_naming_the_application(
    attachment: Any,
) -> None:
    try:
        found = _resume_file(attachment, "7001")
    except DataContractError as exc:
        assert exc.record_id == "7001"
        return
    assert isinstance(found, ResumeFile) and isinstance(found.content, bytes)


# --------------------------------------------------------------------------- the whole client


def sf_client() -> SuccessFactorsClient:
    """Basic auth, no rate budget and no waiting between retries: answers come from a mock."""
    return SuccessFactorsClient(
        BASE,
        company_id="HRHUBDEV",
        username="sfapi",
        password="sfapi-Secret1",
        rate_budget=None,
        retry=retry_policy(max_attempts=2, initial=0.001, cap=0.001, sleep=lambda _s: None),
    )


def link(data: st.DataObject) -> Any:
    """A `__next`: this server, another one, garbage, or not text at all."""
    return data.draw(
        st.one_of(
            st.text(max_size=10).map(lambda t: f"{BASE}/odata/v2/Candidate?$skiptoken={t}"),
            st.just("https://elsewhere.test/odata/v2/Candidate?$skiptoken=1"),
            JSON_SCALARS,
        ),
        label="__next",
    )


def envelope(data: st.DataObject, row: st.SearchStrategy[Any], last: bool) -> Any:
    """An OData list answer: mostly `{"d": {"results": [...], "__next": ...}}`, or anything."""
    rows = st.lists(row, max_size=3)
    if last:
        return {"d": {"results": []}}
    # Mostly a plain last page, so a call that needs several reads gets past the first ones.
    shapes = ["last page"] * 8 + ["envelope", "no next", "bare", "any"]
    shape = data.draw(st.sampled_from(shapes), label="shape")
    if shape == "last page":
        return {"d": {"results": data.draw(rows, label="results")}}
    if shape == "envelope":
        return {"d": {"results": data.draw(rows, label="results"), "__next": link(data)}}
    if shape == "no next":
        return {"d": {"results": data.draw(rows | JSON_VALUES, label="results")}}
    if shape == "bare":
        return {"d": data.draw(rows | JSON_VALUES, label="d")}
    return data.draw(JSON_VALUES, label="body")


def answering(
    mock: requests_mock.Mocker, data: st.DataObject, row: st.SearchStrategy[Any], upsert: bool
) -> None:
    """Every GET answers an envelope of `row`s; every POST an upsert answer (or anything);
    a few answers are not JSON at all."""
    calls = {"n": 0}

    def answer(request: Any, context: Any) -> bytes:
        calls["n"] += 1
        context.headers["Content-Type"] = "application/json"
        if data.draw(st.integers(0, 19), label="not JSON") == 0:
            return data.draw(st.binary(max_size=20), label="raw")
        if request.method == "POST":
            records = request.json() if upsert else []
            body = data.draw(upsert_bodies(len(records)), label="upsert answer")
        else:
            body = envelope(data, row, last=calls["n"] > MAX_CALLS)
        return json.dumps(body).encode()

    mock.register_uri(requests_mock.ANY, requests_mock.ANY, content=answer)


def only_connector_errors(call: Callable[[], Any]) -> Any:
    """The call's result, or None when it raised a ConnectorError; anything else fails."""
    try:
        result = call()
    except ConnectorError as exc:
        event(type(exc).__name__)
        # The paginator's FatalErrors (a loop, a cross-origin next link) carry no system.
        assert exc.system in ("successfactors", None), exc
        assert str(exc)
        return None
    event("answered")
    return result


ROW_KEYS = [
    "applicationId",
    "candidateId",
    "jobReqId",
    "statusSetId",
    "appStatusSetId",
    "appStatusId",
    "appStatusName",
    "applicationInterviewId",
    "source",
    "commentId",
    "content",
    "interviewRefId",
    "type",
    "lastModifiedDateTime",
    "resume",
]
# Values a lookup would find (so a write gets as far as its upsert), and anything else.
ROW_VALUE = st.one_of(
    st.sampled_from(["7001", "1", "Interview", "hrhub:interview:1", "overall", "fine"]),
    SAP_DATES,
    ATTACHMENT,
    JSON_VALUES,
)
# Mostly rows with every property a lookup selects; one_of would weigh each scalar kind as
# much as a whole row, so the odds are set by hand.
ROW = st.integers(0, 9).flatmap(
    lambda n: (
        st.fixed_dictionaries({key: ROW_VALUE for key in ROW_KEYS})
        if n < 7
        else json_objects(ROW_KEYS, ROW_VALUE)
        if n < 9
        else JSON_SCALARS
    )
)


@fuzz(share=0.5)
@given(st.sampled_from(STREAMS), st.data())
def test_reading_a_stream_of_any_answers_raises_only_connector_errors(
    stream: str, data: st.DataObject
) -> None:
    client = sf_client()

    def read() -> None:
        for page in client.read_stream(stream, since="2024-01-01T00:00:00.000Z"):
            assert isinstance(page, list)
            for record in page:
                if isinstance(record, dict):
                    client.cursor_value(stream, record)

    with requests_mock.Mocker() as mock:
        answering(mock, data, ROW, upsert=False)
        only_connector_errors(read)


@fuzz(share=0.5)
@given(st.lists(st.integers(1, 9999), min_size=1, max_size=3), st.data())
def test_reading_resumes_of_any_answers_raises_only_connector_errors(
    ids: list[int], data: st.DataObject
) -> None:
    client = sf_client()
    with requests_mock.Mocker() as mock:
        answering(mock, data, ROW, upsert=False)
        found = only_connector_errors(lambda: client.fetch_resumes(ids))
        if found is not None:
            assert set(found) == {str(i) for i in ids}
        only_connector_errors(lambda: client.fetch_resume(ids[0]))


WRITES = {
    "application_status": {"applicationId": "7001", "appStatusName": "Interview"},
    "application_interview": {"applicationId": "7001", "source": "hrhub:interview:1"},
    "interview_assessment": {"interviewSource": "hrhub:interview:1", "type": "overall"},
    "comment": {"applicationId": "7001", "content": "fine"},
}


@fuzz(share=0.5)
@given(st.sampled_from(sorted(WRITES)), st.integers(1, 3), st.data())
def test_writing_against_any_answers_gives_outcomes_or_connector_errors(
    operation: str, count: int, data: st.DataObject
) -> None:
    client = sf_client()
    records = [dict(WRITES[operation]) for _ in range(count)]
    with requests_mock.Mocker() as mock:
        answering(mock, data, ROW, upsert=True)
        outcomes = only_connector_errors(lambda: client.write(operation, records))
    if outcomes is not None:
        assert [o.index for o in outcomes] == list(range(count))
        assert all(o.ok or isinstance(o.error, ConnectorError) for o in outcomes)


def response(status: int, body: bytes, sap_message: str | None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = body
    resp.url = f"{BASE}/odata/v2/Candidate"
    resp.headers["Content-Type"] = "application/json"
    if sap_message is not None:
        resp.headers["sap-message"] = sap_message
    return resp


SAP_ERRORS = st.one_of(
    st.fixed_dictionaries({"error": json_objects(["code", "message"])}),
    st.fixed_dictionaries(
        {"error": st.fixed_dictionaries({"code": JSON_SCALARS, "message": json_objects(["value"])})}
    ),
    json_objects(["errorCode", "errorMessage", "error"]),
    JSON_VALUES,
)


@fuzz()
@given(
    st.sampled_from([200, 204, 400, 401, 403, 404, 429, 500, 503]),
    SAP_ERRORS.map(lambda b: json.dumps(b).encode()) | st.binary(max_size=20),
    st.none()
    | json_objects(["severity", "code", "message"]).map(json.dumps)
    | st.text(max_size=20),
)
@example(200, b"{}", '{"severity": 5}')  # was AttributeError: 'int' has no attribute 'lower'
@example(200, b"{}", '{"severity": "error", "code": {"a": 1}}')
def test_a_vendor_error_is_read_from_any_answer_or_none(
    status: int, body: bytes, sap_message: str | None
) -> None:
    found = sf_client().vendor_error(response(status, body, sap_message))
    if found is not None:
        code, message = found
        assert code is None or isinstance(code, str)
        assert message is None or isinstance(message, str)


def test_a_watermark_at_the_start_of_the_calendar_stays_there() -> None:
    # The overlap window cannot reach before year 1: it was OverflowError on the next read.
    assert shift_watermark("0001-01-01T00:00:00.000Z", -600) == "0001-01-01T00:00:00.000Z"
    assert shift_watermark("2024-01-01T00:10:00.000Z", -600) == "2024-01-01T00:00:00.000Z"
