"""NcSoapClient (zeep) against the Yonyou simulator's NC face, over real loopback HTTP."""

from __future__ import annotations

import logging
import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zeep
from zeep.cache import SqliteCache
from zeep.transports import Transport

from connectors._core.errors import (
    AuthError,
    ConfigError,
    DataContractError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)
from connectors._core.retry import retry_policy
from connectors.yonyou import nc_client, ncxml
from connectors.yonyou.nc_client import BUNDLED_WSDL, SETTINGS, NcSoapClient, load_wsdl
from connectors.yonyou.ncxml import NC_SERVICE, SOAPENV
from connectors.yonyou.plugins import SOAP_LOGGER, RedactingLogPlugin
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator

PATH = f"/uapws/service/{NC_SERVICE}"
DEPT = "1001A1100000000DEPT01"
ORG = "0001A110000000000ORG"


def fast_retry(attempts: int = 4) -> Any:
    return retry_policy(max_attempts=attempts, max_delay=3.0, initial=0.02, cap=0.1)


@pytest.fixture
def server() -> Iterator[YonyouSimulator]:
    sim = YonyouSimulator()
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., NcSoapClient]]:
    made: list[NcSoapClient] = []

    def make(sim: YonyouSimulator, **kw: Any) -> NcSoapClient:
        kw.setdefault("username", SANDBOX_APP_KEY)
        kw.setdefault("password", SANDBOX_APP_SECRET)
        kw.setdefault("timeout", (2.0, 5.0))
        kw.setdefault("operation_timeout", 5.0)
        kw.setdefault("retry", fast_retry())
        kw.setdefault("cache_dir", tmp_path / "cache")
        client = NcSoapClient(sim.url, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(server: YonyouSimulator, make_client: Callable[..., NcSoapClient]) -> NcSoapClient:
    return make_client(server, page_size=170)


def id_number(serial: int, born: str = "19950420") -> str:
    body = f"440305{born}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def pre_hire(serial: int, **overrides: Any) -> dict[str, Any]:
    record = {
        "bill_id": f"hire-{serial}",
        "name": "陈思远",
        "sex": "1",
        "idtype": "0",
        "id": id_number(serial),
        "mobile": f"198{serial:08d}",
        "email": f"hire{serial}@example.cn",
        "birthdate": "1995-04-20",
        "pk_org": ORG,
        "pk_dept": DEPT,
        "jobname": "后端开发工程师",
        "indutydate": "2026-08-03",
    }
    record.update(overrides)
    return record


def interview(server: YonyouSimulator, bill_id: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "bill_id": bill_id,
        "pk_applicant": next(iter(server.data.applicants)),
        "round": 1,
        "interviewer": "周敏",
        "score": 88,
        "result": "1",
        "evaluation": "基础扎实",
        "interviewdate": "2026-06-01",
    }
    record.update(overrides)
    return record


def read_all(client: NcSoapClient, stream: str, since: str | None = None, overlap: int = 0) -> list:
    return [row for page in client.read_stream(stream, since, overlap) for row in page]


def seed_for(pattern: list[bool], drop: float = 0.5) -> int:
    """A seed whose first calls drop after the handler ran (True) or pass (False) in order,
    following the simulator's draws: one for drop, one more for drop_after when dropped."""
    for seed in range(10_000):
        rng = random.Random(seed)
        outcome = []
        for _ in pattern:
            dropped = rng.random() < drop
            if dropped:
                rng.random()
            outcome.append(dropped)
        if outcome == pattern:
            return seed
    raise AssertionError("no seed found")


def wsdl_gets(server: YonyouSimulator) -> int:
    return sum(1 for method, path in server.calls if method == "GET" and path == PATH)


# -- the WSDL ---------------------------------------------------------------------------------


def test_zeep_strict_loads_the_served_and_the_bundled_wsdl(server: YonyouSimulator) -> None:
    for source in (f"{server.url}{PATH}?wsdl", str(BUNDLED_WSDL)):
        loaded = zeep.Client(source, settings=zeep.Settings(strict=True))
        assert loaded.settings.strict
        operations = set(loaded.service._binding._operations)
        assert operations == {
            "queryPsndocByTs",
            "queryApplicantByTs",
            "queryPsndocByCondition",
            "savePsndoc",
            "saveInterviewResult",
            "saveCheckin",
        }
    served = zeep.Client(f"{server.url}{PATH}?wsdl", settings=SETTINGS)
    assert served.service._binding_options["address"] == server.url + PATH


def test_the_bundled_wsdl_is_pointed_at_the_connection_host(client: NcSoapClient) -> None:
    assert client._service._binding_options["address"] == client.base_url + PATH
    assert client.check() == f"NC service {NC_SERVICE} answered: 600 persons"


def test_a_second_client_does_not_fetch_the_wsdl_again(
    server: YonyouSimulator, make_client: Callable[..., NcSoapClient], monkeypatch
) -> None:
    monkeypatch.setattr(nc_client, "_DOCUMENTS", {})
    url = f"{server.url}{PATH}?wsdl"
    first = make_client(server, wsdl=url)
    second = make_client(server, wsdl=url)
    assert first.zeep.wsdl is second.zeep.wsdl
    assert wsdl_gets(server) == 1
    assert "600 persons" in second.check()


def test_a_remote_wsdl_is_fetched_once_across_cold_loads_with_the_sqlite_cache(
    server: YonyouSimulator, tmp_path: Path
) -> None:
    url = f"{server.url}{PATH}?wsdl"
    transport = Transport(cache=SqliteCache(path=str(tmp_path / "w.sqlite")), timeout=5)
    first = load_wsdl(url, transport, use_cache=False)
    second = load_wsdl(url, transport, use_cache=False)
    assert first is not second  # both parsed cold
    assert wsdl_gets(server) == 1  # but downloaded once
    other = Transport(cache=SqliteCache(path=str(tmp_path / "other.sqlite")), timeout=5)
    load_wsdl(url, other, use_cache=False)
    assert wsdl_gets(server) == 2


def test_an_edited_wsdl_file_is_parsed_again(tmp_path: Path) -> None:
    copy = tmp_path / "svc.wsdl"
    shutil.copy(BUNDLED_WSDL, copy)
    transport = Transport(timeout=5)
    first = load_wsdl(str(copy), transport)
    assert load_wsdl(str(copy), transport) is first
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_wsdl(str(copy), transport) is not first


def test_an_unusable_wsdl_is_a_config_error(tmp_path: Path, server: YonyouSimulator) -> None:
    bad = tmp_path / "bad.wsdl"
    bad.write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    with pytest.raises(ConfigError, match="not usable"):
        load_wsdl(str(bad), Transport(timeout=5))
    with pytest.raises(ConfigError, match="HTTP 500"):
        load_wsdl(f"{server.url}/uapws/service/nc.itf.Nope?wsdl", Transport(timeout=5))


def test_operation_timeout_is_set_and_used(
    server: YonyouSimulator, make_client: Callable[..., NcSoapClient], monkeypatch
) -> None:
    monkeypatch.setattr(nc_client, "_DOCUMENTS", {})
    server.set_faults("latency_ms=600")
    # The WSDL download reads with the load timeout (5 s): it survives the latency...
    client = make_client(
        server, wsdl=f"{server.url}{PATH}?wsdl", operation_timeout=0.3, retry=fast_retry(1)
    )
    assert client.transport.operation_timeout == 0.3
    assert client.transport.load_timeout == 5.0
    assert client.timeout == (2.0, 0.3)
    # ...a SOAP operation reads with operation_timeout and does not.
    with pytest.raises(RetriableError, match="Timeout"):
        client.check()


def test_the_wsdl_download_is_retried_and_classified(
    server: YonyouSimulator, make_client: Callable[..., NcSoapClient], monkeypatch
) -> None:
    monkeypatch.setattr(nc_client, "_DOCUMENTS", {})
    server.set_faults(f"error_rate=0.5,seed={_error_seed()}")
    client = make_client(server, wsdl=f"{server.url}{PATH}?wsdl")
    assert wsdl_gets(server) == 2 and server.counters["faulted"] == 1
    server.set_faults(None)
    assert "600 persons" in client.check()
    with pytest.raises(ConfigError, match="cannot fetch the WSDL") as caught:
        make_client(server, wsdl=f"{server.url}/uapws/service/nc.itf.Nope?wsdl")
    assert caught.value.vendor_code == "Client"


# -- reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "key"), [("nc_persons", "pk_psndoc"), ("nc_applicants", "pk_applicant")]
)
def test_full_reads_return_every_row_once(
    client: NcSoapClient, server: YonyouSimulator, stream: str, key: str
) -> None:
    pages = list(client.read_stream(stream, None, 0))
    assert len(pages) > 1
    rows = [row for page in pages for row in page]
    keys = [row[key] for row in rows]
    assert len(keys) == len(set(keys)) == server.count_stream(stream)
    assert [client.cursor_value(stream, r) for r in rows] == sorted(r["ts"] for r in rows)
    assert all(isinstance(v, str | None) for row in rows for v in row.values())


def test_duplicated_rows_from_the_server_are_dropped(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    server.set_faults("duplicate=0.2,seed=3")
    rows = read_all(client, "nc_persons")
    assert server.counters["duplicated"] > 0
    assert len(rows) == len({r["pk_psndoc"] for r in rows}) == 600


def test_an_incremental_read_after_a_write_sees_only_newer_rows(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    everyone = read_all(client, "nc_persons")
    cursor = max(client.cursor_value("nc_persons", r) for r in everyone)
    (outcome,) = client.write("nc_pre_hire", [pre_hire(1)])
    assert outcome.ok
    newer = read_all(client, "nc_persons", cursor, 0)
    assert outcome.remote_id in {r["pk_psndoc"] for r in newer}
    assert {r["pk_psndoc"] for r in newer} == {
        r["pk_psndoc"] for r in everyone if r["ts"] >= cursor
    } | {outcome.remote_id}
    with_overlap = read_all(client, "nc_persons", cursor, 300)
    window = nc_client.shift_ts(cursor, -300)
    assert {r["pk_psndoc"] for r in with_overlap} == {
        r["pk_psndoc"] for r in everyone if r["ts"] >= window
    } | {outcome.remote_id}
    assert len(with_overlap) >= len(newer)


def test_find_person(client: NcSoapClient, server: YonyouSimulator) -> None:
    someone = next(iter(server.data.persons.values()))
    found = client.find_person(id_number=someone.id_number)
    assert found is not None and found["pk_psndoc"] == someone.pk_psndoc
    assert client.find_person(mobile=someone.mobile)["pk_psndoc"] == someone.pk_psndoc
    assert client.find_person(id_number=id_number(999)) is None


def test_unknown_stream_and_bad_cursor_are_config_errors(client: NcSoapClient) -> None:
    with pytest.raises(ConfigError, match="nc_persons, nc_applicants"):
        list(client.read_stream("bip_staff", None, 0))
    with pytest.raises(ConfigError, match="not an NC ts"):
        list(client.read_stream("nc_persons", "2026-13-01T00:00:00Z", 0))


# -- writes -----------------------------------------------------------------------------------


def test_pre_hire_twice_creates_the_person_once(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    records = [pre_hire(1), pre_hire(2)]
    first = client.write("nc_pre_hire", records)
    assert [o.ok for o in first] == [True, True]
    count, bills = server.count_stream("nc_persons"), server.counters["nc_bills"]
    assert count == 602 and bills == 2
    second = client.write("nc_pre_hire", records)
    assert [o.remote_id for o in second] == [o.remote_id for o in first]
    assert server.count_stream("nc_persons") == count
    assert server.counters["nc_bills"] == bills  # found by id number: nothing sent
    person = server.data.persons[first[0].remote_id]
    assert (person.origin, person.name, person.id_number) == (
        "hrhub:hire-1",
        "陈思远",
        id_number(1),
    )


def test_one_bad_record_is_rejected_naming_its_field_and_the_others_land(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    records = [
        pre_hire(1),
        pre_hire(2, pk_dept="1001A1100000000NODEPT"),
        {k: v for k, v in pre_hire(3).items() if k != "bill_id"},
        pre_hire(4, mobile=None),
        pre_hire(5),
    ]
    outcomes = client.write("nc_pre_hire", records)
    assert [o.index for o in outcomes] == [0, 1, 2, 3, 4]
    assert [o.ok for o in outcomes] == [True, False, False, False, True]
    for outcome, (record_id, field) in zip(
        outcomes[1:4], [("hire-2", "pk_dept"), ("2", "bill_id"), ("hire-4", "mobile")], strict=True
    ):
        assert isinstance(outcome.error, RecordRejected)
        assert (outcome.error.record_id, outcome.error.field) == (record_id, field)
    assert outcomes[1].error.vendor_code == "-32000"
    assert "billhead.pk_dept" in str(outcomes[1].error)
    assert server.count_stream("nc_persons") == 602


def test_a_person_on_file_under_another_bill_counts_as_landed(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    # The lookup misses (a race, a lagging replica): NC answers -32001 with the existing key.
    someone = next(iter(server.data.persons.values()))
    record = pre_hire(1, id=someone.id_number)
    client.find_person = lambda **kw: None  # type: ignore[method-assign]
    (outcome,) = client.write("nc_pre_hire", [record])
    assert (outcome.ok, outcome.remote_id) == (True, someone.pk_psndoc)
    assert server.count_stream("nc_persons") == 600


def test_interview_results_in_batches_of_500(client: NcSoapClient, server: YonyouSimulator) -> None:
    records = [interview(server, f"ir-{i}") for i in range(501)]
    outcomes = client.write("nc_interview_result", records)
    assert all(o.ok for o in outcomes) and len(outcomes) == 501
    assert len(server.data.results) == 501 and server.counters["nc_bills"] == 501
    saves = [c for c in server.calls if c == ("POST", PATH)]
    assert len(saves) == 2
    again = client.write("nc_interview_result", records[:3])
    assert [o.remote_id for o in again] == [o.remote_id for o in outcomes[:3]]
    assert len(server.data.results) == 501


def test_a_retried_interview_result_after_a_dropped_answer_is_not_duplicated(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    server.set_faults(f"drop=0.5,drop_after=1,seed={seed_for([True, False])}")
    (outcome,) = client.write("nc_interview_result", [interview(server, "ir-drop")])
    assert server.counters["dropped_after"] == 1
    assert server.counters["nc_bills"] == 2  # sent twice
    assert outcome.ok and outcome.remote_id == server.data.results["ir-drop"].pk
    assert len(server.data.results) == 1


def test_a_retried_pre_hire_after_a_dropped_answer_finds_the_first(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    # Lookup passes, savePsndoc lands but its answer is lost, the retry answers -32001.
    server.set_faults(f"drop=0.5,drop_after=1,seed={seed_for([False, True, False])}")
    (outcome,) = client.write("nc_pre_hire", [pre_hire(9)])
    assert server.counters["dropped_after"] == 1
    assert server.count_stream("nc_persons") == 601
    created = server.data.find_person(id_number=id_number(9))
    assert outcome.ok and outcome.remote_id == created.pk_psndoc


def test_unknown_operation_is_a_config_error_listing_the_known_ones(client: NcSoapClient) -> None:
    with pytest.raises(ConfigError, match="nc_pre_hire, nc_interview_result"):
        client.write("bip_pre_hire", [])
    with pytest.raises(ConfigError, match="no operation 'deletePsndoc'"):
        client.call("deletePsndoc", "<query/>")


# -- faults -----------------------------------------------------------------------------------


def test_wrong_password_is_an_auth_error_and_not_retried(
    server: YonyouSimulator, make_client: Callable[..., NcSoapClient]
) -> None:
    client = make_client(server, password="not-the-password")
    with pytest.raises(AuthError) as caught:
        client.check()
    assert caught.value.vendor_code == "FailedAuthentication"
    assert not caught.value.refreshable
    assert server.counters["requests"] == 1
    assert "not-the-password" not in str(caught.value)


def test_business_exception_is_fatal(client: NcSoapClient, server: YonyouSimulator) -> None:
    with pytest.raises(FatalError, match="BusinessException") as caught:
        client.call("queryPsndocByTs", ncxml.query(None, 1, 5000))
    assert caught.value.vendor_code == "Server" and caught.value.status == 500
    assert server.counters["requests"] == 1


def test_client_fault_is_fatal(client: NcSoapClient, server: YonyouSimulator) -> None:
    with pytest.raises(FatalError) as caught:
        client.call("queryPsndocByTs", "<query><ts>")
    assert caught.value.vendor_code == "Client" and "Malformed request XML" in str(caught.value)
    assert server.counters["requests"] == 1


def test_server_fault_is_retried(client: NcSoapClient, server: YonyouSimulator) -> None:
    server.set_faults(f"error_rate=0.5,seed={_error_seed()}")
    assert "600 persons" in client.check()
    assert server.counters["faulted"] == 1 and server.counters["requests"] == 2
    server.set_faults("error_rate=1")
    with pytest.raises(RetriableError) as caught:
        client.check()
    assert caught.value.vendor_code == "Server"


def _error_seed() -> int:
    for seed in range(10_000):
        rng = random.Random(seed)
        if rng.random() < 0.5 <= rng.random():
            return seed
    raise AssertionError("no seed found")


def test_a_busy_gateway_is_rate_limited(
    server: YonyouSimulator, make_client: Callable[..., NcSoapClient]
) -> None:
    client = make_client(server, retry=retry_policy(max_attempts=2, max_delay=0.2, initial=0.05))
    server.set_faults("rate_limit=1,retry_after=1")
    with pytest.raises(RateLimited) as caught:
        client.check()
    assert caught.value.status == 503 and caught.value.retry_after == 1


# -- bad answers ------------------------------------------------------------------------------


def test_an_xxe_payload_is_a_data_contract_error_and_leaks_nothing(
    client: NcSoapClient, server: YonyouSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.nc_next_return["queryPsndocByTs"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<result><code>0</code><message>&xxe;</message><total>1</total><rows/></result>"
    )
    with pytest.raises(DataContractError) as caught:
        list(client.read_stream("nc_persons", None, 0))
    message = str(caught.value)
    assert "queryPsndocByTs" in message and "page 1" in message and "DOCTYPE" in message
    assert "root:" not in message and "root:" not in caplog.text


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("<result><code>0</code>", "malformed XML"),
        ("<ufinterface/>", "expected <result>"),
        ("<result><code>0</code><total>x</total></result>", "total"),
    ],
)
def test_malformed_payloads_are_data_contract_errors(
    client: NcSoapClient, server: YonyouSimulator, raw: str, needle: str
) -> None:
    server.nc_next_return["queryApplicantByTs"] = raw
    with pytest.raises(DataContractError, match=needle) as caught:
        list(client.read_stream("nc_applicants", "2026-01-01 00:00:00", 60))
    assert "queryApplicantByTs" in str(caught.value) and "2025-12-31 23:59:00" in str(caught.value)


def test_a_broken_envelope_is_a_data_contract_error(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    server.nc_next_envelope = b"<soapenv:Envelope><not closed"
    with pytest.raises(DataContractError, match="queryPsndocByTs"):
        client.check()
    server.nc_next_envelope = (
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body>&e;</soapenv:Body>'
        "</soapenv:Envelope>"
    ).encode()
    with pytest.raises(DataContractError) as caught:
        client.check()
    assert "root:" not in str(caught.value)


def test_a_failed_bill_answer_rejects_only_that_batch(
    client: NcSoapClient, server: YonyouSimulator
) -> None:
    server.nc_next_return["saveInterviewResult"] = "<ufinterface><sendresult>"
    outcomes = client.write("nc_interview_result", [interview(server, "a"), interview(server, "b")])
    assert [o.ok for o in outcomes] == [False, False]
    assert all(isinstance(o.error, DataContractError) for o in outcomes)


# -- encodings and logging --------------------------------------------------------------------


def test_a_gbk_server_works(make_client: Callable[..., NcSoapClient]) -> None:
    sim = YonyouSimulator(encoding="GBK")
    sim.start()
    try:
        client = make_client(sim, page_size=250)
        assert "600 persons" in client.check()
        rows = read_all(client, "nc_persons")
        names = {p.pk_psndoc: p.name for p in sim.data.persons.values()}
        assert {r["pk_psndoc"]: r["name"] for r in rows} == names
        (outcome,) = client.write("nc_pre_hire", [pre_hire(1, name="欧阳娜娜")])
        assert sim.data.persons[outcome.remote_id].name == "欧阳娜娜"
        assert client.find_person(id_number=id_number(1))["name"] == "欧阳娜娜"
    finally:
        sim.stop()


def test_envelopes_are_logged_without_secrets_or_personal_data(
    client: NcSoapClient, server: YonyouSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    records = [pre_hire(1), pre_hire(2)]
    assert all(o.ok for o in client.write("nc_pre_hire", records))
    read = next(iter(client.read_stream("nc_persons", None, 0)))
    soap = [r for r in caplog.records if r.name == SOAP_LOGGER]
    assert any("savePsndoc sent" in r.getMessage() for r in soap)
    assert any("queryPsndocByTs received" in r.getMessage() for r in soap)
    text = caplog.text
    assert "<psndoc>" in text and "ufinterface" in text
    assert SANDBOX_APP_SECRET not in text
    secrets = [r["mobile"] for r in records + read] + [r["id"] for r in records + read]
    assert [s for s in secrets if s in text] == []
    masked = f"{records[0]['mobile'][:4]}****{records[0]['mobile'][-3:]}"
    assert masked in text and "陈*" in text


def test_the_plugin_costs_nothing_when_debug_is_off(
    client: NcSoapClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SOAP_LOGGER)

    def fail(self: RedactingLogPlugin, envelope: Any) -> str:
        raise AssertionError("rendered with DEBUG off")

    monkeypatch.setattr(RedactingLogPlugin, "render", fail)
    assert "600 persons" in client.check()


def test_the_plugin_never_alters_the_real_envelope() -> None:
    from lxml import etree

    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    payload = ncxml.condition("440305199504200019", "19800000001")
    text = (
        f'<e:Envelope xmlns:e="{SOAPENV}"><e:Header><w:Security xmlns:w="{wsse}">'
        "<w:UsernameToken><w:Username>u</w:Username><w:Password>hunter2-secret</w:Password>"
        f"</w:UsernameToken></w:Security></e:Header><e:Body><q><string></string></q></e:Body>"
        "</e:Envelope>"
    )
    envelope = etree.fromstring(text)
    envelope.find(f"{{{SOAPENV}}}Body/q/string").text = payload
    before = etree.tostring(envelope)
    rendered = RedactingLogPlugin().render(envelope)
    assert etree.tostring(envelope) == before
    assert "hunter2-secret" not in rendered and "19800000001" not in rendered
    assert "440305199504200019" not in rendered and "1980****001" in rendered
