"""NC's XML, fuzzed: the payload documents `ncxml` parses (query results, sendresults), the
SOAP answers the NC client reads through zeep, the log plugin's redaction, and the requests
the simulator's NC face parses. Random bytes, random element trees, truncated documents and
documents in an encoding other than the one they declare get only the documented errors:
UnsafeXML or MalformedXML (ValueErrors) from `ncxml`, NcResultError for a refusal by NC,
ConnectorError from the client, a SOAP Fault from the simulator.

DOCTYPE and entity handling (XXE, entity expansion) is tested with safexml itself; here a
DOCTYPE only has to be refused like any other bad document.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests_mock
from hypothesis import assume, event, example, given
from hypothesis import strategies as st
from lxml import etree

from connectors._core.errors import ConnectorError
from connectors._core.retry import retry_policy
from connectors._core.simulator import Request
from connectors.yonyou import ncxml
from connectors.yonyou.nc_client import NcSoapClient
from connectors.yonyou.ncxml import NC_SERVICE, SOAPENV, TNS
from connectors.yonyou.plugins import RedactingLogPlugin
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator

from .support import fuzz

BASE = "http://nc.test"
NAMES = [
    "result",
    "code",
    "message",
    "total",
    "pageindex",
    "pagesize",
    "rows",
    "psndoc",
    "pk_psndoc",
    "ts",
    "id",
    "name",
    "mobile",
    "ufinterface",
    "sendresult",
    "bdocid",
    "resultcode",
    "resultdescription",
    "content",
    "bill",
    "billhead",
    "query",
]
TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["0", "1", "-32001", " 7 ", "²", "٣", "1" * 30, "", "pk:1", "]]>", "\x01"]),
)


# --------------------------------------------------------------------------- documents


def _name() -> st.SearchStrategy[str]:
    prefixed = st.sampled_from(NAMES).map(lambda n: f"ns:{n}")
    return (
        st.sampled_from(NAMES) | prefixed | st.from_regex(r"[A-Za-z_][\w.-]{0,6}", fullmatch=True)
    )


def _attrs() -> st.SearchStrategy[str]:
    pair = st.tuples(
        st.sampled_from(["roottag", "successful", "billtype", "id", "xmlns:ns", "encoding"]),
        TEXTS.map(lambda t: escape(t, {'"': "&quot;"})),
    )
    return st.lists(pair, max_size=2, unique_by=lambda p: p[0]).map(
        lambda pairs: "".join(f' {k}="{v}"' for k, v in pairs)
    )


def elements() -> st.SearchStrategy[str]:
    """Element trees as text, named mostly like NC's documents, text mostly escaped."""
    leaf = st.tuples(_name(), _attrs(), TEXTS.map(escape) | TEXTS).map(
        lambda t: f"<{t[0]}{t[1]}>{t[2]}</{t[0]}>"
    )
    return st.recursive(
        leaf,
        lambda inner: st.tuples(_name(), _attrs(), st.lists(inner, max_size=4)).map(
            lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"
        ),
        max_leaves=10,
    )


def results() -> st.SearchStrategy[str]:
    """`<result>` documents: NC's query answer with random heads and rows."""
    head = st.fixed_dictionaries(
        {
            "code": st.just("0") | TEXTS,
            "message": TEXTS,
            "total": st.integers(0, 5).map(str) | TEXTS,
        },
        optional={"pageindex": TEXTS, "pagesize": TEXTS},
    )
    row = st.dictionaries(st.sampled_from(NAMES[7:13]), TEXTS, max_size=4).map(
        lambda fields: (
            "<psndoc>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + "</psndoc>"
        )
    )
    return st.tuples(head, st.lists(row | elements(), max_size=3)).map(
        lambda t: (
            "<result>"
            + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in t[0].items())
            + f"<rows>{''.join(t[1])}</rows></result>"
        )
    )


def sendresult_docs() -> st.SearchStrategy[str]:
    item = st.dictionaries(
        st.sampled_from(["bdocid", "resultcode", "resultdescription", "content", "billpk"]),
        TEXTS,
        max_size=5,
    ).map(
        lambda f: (
            "<sendresult>"
            + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in f.items())
            + "</sendresult>"
        )
    )
    return st.lists(item | elements(), max_size=3).map(
        lambda items: (
            f'<ufinterface roottag="sendresult" successful="N">{"".join(items)}</ufinterface>'
        )
    )


ENCODINGS = ["UTF-8", "GBK", "UTF-16", "ISO-8859-1", "no-such-encoding", "EBCDIC-US"]


@st.composite
def wire_forms(draw: st.DrawFn, document: st.SearchStrategy[str]) -> str | bytes:
    """A document as it may arrive: text or bytes, with or without a declaration (naming the
    right encoding or another one), truncated, or with a stray prefix."""
    text = draw(document)
    declared = draw(st.none() | st.sampled_from(ENCODINGS))
    if declared is not None:
        text = ncxml.declaration(declared) + text
    form = draw(st.sampled_from(["as is", "cut", "prefix", "DOCTYPE"]))
    if form == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif form == "prefix":
        text = draw(st.sampled_from(["\ufeff", " ", "\x00", "garbage", "<!-- x -->"])) + text
    elif form == "DOCTYPE":
        text = "<!DOCTYPE result>" + text
    if draw(st.booleans()):
        return text
    sent_as = draw(st.sampled_from(["utf-8", "gbk", "utf-16", "latin-1"]))
    return text.encode(sent_as, "replace")


DOCUMENTS = st.one_of(
    wire_forms(results()),
    wire_forms(sendresult_docs()),
    wire_forms(elements()),
    st.binary(max_size=60),
    st.text(max_size=60),
)


def documented(exc: Exception) -> str:
    """The outcome name of an exception `ncxml` may raise; anything else fails the test."""
    assert isinstance(exc, ncxml.UnsafeXML | ncxml.MalformedXML | ncxml.NcResultError), repr(exc)
    assert str(exc)
    return type(exc).__name__


@fuzz(share=2)
@given(DOCUMENTS)
@example(b'<?xml version="1.0" encoding="no-such-encoding"?><result/>')
@example('<?xml version="1.0" encoding="UTF-16"?><result/>')
@example("<result>\ud800</result>")
@example("<result>\x00</result>")
def test_parse_gives_an_element_or_a_documented_error(data: str | bytes) -> None:
    try:
        root = ncxml.parse(data, what="fuzzed document")
    except ValueError as exc:
        event(documented(exc))
        return
    event("parsed")
    assert isinstance(root.tag, str)


@fuzz(share=2)
@given(DOCUMENTS)
def test_rows_and_sendresults_read_any_document_or_raise_documented_errors(
    data: str | bytes,
) -> None:
    try:
        total, rows = ncxml.rows(data)
    except ValueError as exc:
        event(f"rows: {documented(exc)}")
    else:
        event("rows: read")
        assert isinstance(total, int)
        assert all(isinstance(k, str) for row in rows for k in row)
    try:
        found = ncxml.sendresults(data)
    except ValueError as exc:
        event(f"sendresults: {documented(exc)}")
    else:
        event("sendresults: read")
        assert all(isinstance(r["resultcode"], int) for r in found)


# --------------------------------------------------------------------------- the NC client


def envelope(operation: str, inner: str) -> str:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body>'
        f'<ns:{operation}Response xmlns:ns="{TNS}"><ns:return>{escape(inner)}</ns:return>'
        f"</ns:{operation}Response></soapenv:Body></soapenv:Envelope>"
    )


def fault(code: str, message: str) -> str:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{escape(code)}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


@st.composite
def soap_answers(draw: st.DrawFn, operation: str) -> tuple[int, bytes]:
    """(HTTP status, body) of one SOAP answer: mostly a well-formed envelope around a random
    payload string, or a Fault, or a broken envelope, or random bytes."""
    kind = draw(st.sampled_from(["payload"] * 4 + ["fault", "broken", "bytes", "other op"]))
    if kind == "payload":
        inner = draw(results() | sendresult_docs() | wire_forms(results()).map(_as_text))
        return 200, envelope(operation, inner).encode()
    if kind == "fault":
        code = draw(st.sampled_from(["soapenv:Server", "soapenv:Client", "x:FailedAuthentication"]))
        return draw(st.sampled_from([200, 500])), fault(code, draw(TEXTS)).encode()
    if kind == "broken":
        body = draw(wire_forms(st.just(envelope(operation, draw(TEXTS)))))
        return 200, body if isinstance(body, bytes) else body.encode("utf-8", "replace")
    if kind == "other op":
        return 200, envelope("savePsndoc", draw(TEXTS)).encode()
    return draw(st.sampled_from([200, 500, 502])), draw(st.binary(max_size=40))


def _as_text(form: str | bytes) -> str:
    return form if isinstance(form, str) else form.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def nc() -> Any:
    """One client for the module (the WSDL is parsed once); each example mocks its answers."""
    client = NcSoapClient(
        BASE,
        username=SANDBOX_APP_KEY,
        password=SANDBOX_APP_SECRET,
        page_size=2,
        retry=retry_policy(max_attempts=2, initial=0.001, cap=0.001, sleep=lambda _s: None),
    )
    yield client
    client.close()


def _operation(request: Any) -> str:
    """The operation a SOAP request calls: the local name of its Body's first element."""
    body = etree.fromstring(request.body).find(f"{{{SOAPENV}}}Body")
    return ncxml.local(body[0].tag)


def answering(mock: requests_mock.Mocker, data: st.DataObject) -> None:
    """Each SOAP call gets an answer drawn for its operation; a long read ends empty."""
    calls = {"n": 0}

    def answer(request: Any, context: Any) -> bytes:
        calls["n"] += 1
        operation = _operation(request)
        if calls["n"] > 8:
            empty = ncxml.result("psndoc", [], total=0, pageindex=1, pagesize=2)
            return envelope(operation, empty).encode()
        status, body = data.draw(soap_answers(operation), label=operation)
        context.status_code = status
        context.headers["Content-Type"] = "text/xml; charset=UTF-8"
        return body

    mock.post(requests_mock.ANY, content=answer)


def only_connector_errors(call: Any) -> Any:
    try:
        result = call()
    except ConnectorError as exc:
        event(type(exc).__name__)
        assert exc.system in ("yonyou", None) and str(exc), exc
        return None
    event("answered")
    return result


@fuzz(share=0.5)
@given(st.sampled_from(["nc_persons", "nc_applicants"]), st.data())
def test_reading_nc_from_any_soap_answers_raises_only_connector_errors(
    nc: NcSoapClient, stream: str, data: st.DataObject
) -> None:
    with requests_mock.Mocker() as mock:
        answering(mock, data)
        pages = only_connector_errors(lambda: list(nc.read_stream(stream)))
    for page in pages or []:
        assert all(isinstance(row, dict) for row in page)


@fuzz(share=0.5)
@given(st.sampled_from(["nc_pre_hire", "nc_interview_result", "nc_checkin"]), st.data())
def test_writing_to_nc_against_any_soap_answers_gives_outcomes_or_connector_errors(
    nc: NcSoapClient, operation: str, data: st.DataObject
) -> None:
    records = [
        {"bill_id": "hrhub:1", "id": "110101199003071234", "name": "张三"},
        {"bill_id": "hrhub:2", "name": "李四"},
    ]
    with requests_mock.Mocker() as mock:
        answering(mock, data)
        outcomes = only_connector_errors(lambda: nc.write(operation, records))
    if outcomes is not None:
        assert [o.index for o in outcomes] == [0, 1]
        assert all(o.ok or isinstance(o.error, ConnectorError) for o in outcomes)


@fuzz(share=0.5)
@given(st.data())
def test_reading_back_persons_from_any_soap_answers_raises_only_connector_errors(
    nc: NcSoapClient, data: st.DataObject
) -> None:
    with requests_mock.Mocker() as mock:
        answering(mock, data)
        gone = only_connector_errors(lambda: nc.absent("nc_pre_hire", ["pk:1", "pk:2"]))
    assert gone is None or gone <= {"pk:1", "pk:2"}


# --------------------------------------------------------------------------- logging, simulator


@fuzz()
@given(st.text(max_size=40) | results() | wire_forms(results()).map(_as_text))
@example("<result><name>]]></name></result>")
@example("<not closed")
def test_the_soap_log_renders_any_payload_without_raising(payload: str) -> None:
    root = etree.fromstring(envelope("queryPsndocByTs", "").encode())
    returned = root.find(f".//{{{TNS}}}return")
    try:
        returned.text = payload
    except ValueError:  # not XML characters: no envelope zeep hands over can hold them
        assume(False)
    rendered = RedactingLogPlugin().render(root)
    assert isinstance(rendered, str) and "Envelope" in rendered


@pytest.fixture(scope="module")
def nc_sim() -> YonyouSimulator:
    """Answers in-process (`handle`), no socket."""
    return YonyouSimulator(persons=5, applicants=5)


def _request_bodies() -> st.SearchStrategy[bytes]:
    login = (
        f'<soapenv:Header><wsse:Security xmlns:wsse="{ncxml.WSSE}"><wsse:UsernameToken>'
        f"<wsse:Username>{SANDBOX_APP_KEY}</wsse:Username>"
        f"<wsse:Password>{SANDBOX_APP_SECRET}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security></soapenv:Header>"
    )
    operations = st.sampled_from(
        ["queryPsndocByTs", "queryPsndocByCondition", "savePsndoc", "saveCheckin", "nope"]
    )
    inner = results() | sendresult_docs() | elements() | wire_forms(elements()).map(_as_text)
    call = st.tuples(operations, inner).map(
        lambda t: (
            f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}">{login}<soapenv:Body>'
            f'<ns:{t[0]} xmlns:ns="{TNS}"><string>{escape(t[1])}</string></ns:{t[0]}>'
            "</soapenv:Body></soapenv:Envelope>"
        )
    )
    return st.one_of(
        call.map(str.encode),
        wire_forms(call).map(lambda f: f if isinstance(f, bytes) else f.encode("utf-8", "replace")),
        st.binary(max_size=60),
    )


@fuzz()
@given(_request_bodies())
def test_the_nc_simulator_answers_any_request_with_data_or_a_soap_fault(
    nc_sim: YonyouSimulator, body: bytes
) -> None:
    before = nc_sim.counters["handler_errors"]
    resp = nc_sim.handle(Request("POST", f"/uapws/service/{NC_SERVICE}", body=body))
    assert nc_sim.counters["handler_errors"] == before, resp.body
    event(f"HTTP {resp.status}")
    root = etree.fromstring(resp.body)
    assert ncxml.local(root.tag) == "Envelope"
    if resp.status >= 400:
        assert root.find(f"{{{SOAPENV}}}Body/{{{SOAPENV}}}Fault") is not None
