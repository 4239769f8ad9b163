"""Yonyou NC benchmarks: batched SOAP writes vs one call per record; WSDL load per run start.

`yy_write`: N interview results written to NC's saveInterviewResult through the same
NcSoapClient, 500 ufinterface bills a call in one `write()` vs one `write()` (one SOAP call) per
record, timed on a sample and reported per second. Every outcome is read back.

`yy_wsdl`: what a run start costs before the first SOAP call. A hand-written DAG builds
`zeep.Client(url)` in every task: it downloads `?wsdl` and parses it each time. hrhub parses the
WSDL bundled with the connector (no download), keeps a remote one in zeep's disk cache, and keeps
the parsed Document for the process. Airflow starts a new process per task, so "new process"
rows drop the in-process cache and measure what each task pays.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hrhub.bench import Report, Result, rate_row, ratio, result

PER_RECORD_SAMPLE = 500
BATCH = 500


def _results(count: int, applicants: list[str], prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "bill_id": f"hrhub:interview_result:{prefix}-{i}",
            "pk_applicant": applicants[i % len(applicants)],
            "round": 1,
            "interviewer": "hrhub AI interview",
            "score": 50 + i % 50,
            "result": ("1", "2", "3")[i % 3],
            "evaluation": "回答结构清晰, 数据管道经验扎实。",
            "interviewdate": "2026-11-20",
        }
        for i in range(count)
    ]


def _client(server: Any, spec: Any, **kwargs: Any) -> Any:
    from connectors.yonyou.nc_client import NcSoapClient

    return NcSoapClient(
        server.url, username=spec.sandbox["login"], password=spec.sandbox["password"], **kwargs
    )


def yy_write(records: int = 100_000, *, report: Report) -> Result:
    """Write `records` interview results batched, and a sample one call each; compare."""
    from connectors._core.registry import get_connector

    spec = get_connector("yonyou")
    sample = min(records, PER_RECORD_SAMPLE)
    report("starting the Yonyou simulator")
    server = spec.simulator_class()()
    server.start()
    try:
        applicants = sorted(server.data.applicants)
        with _client(server, spec) as client:
            report(f"one SOAP call per record: {sample:,} interview results (sample)")
            before = server.counters["requests"]
            started = time.perf_counter()
            peer_ok = 0
            for record in _results(sample, applicants, "peer"):
                peer_ok += sum(o.ok for o in client.write("nc_interview_result", [record]))
            peer = rate_row(
                "per-record",
                "one call per record*",
                sample,
                time.perf_counter() - started,
                calls=server.counters["requests"] - before,
            )
            report(f"batched: {records:,} interview results in one write() call")
            before = server.counters["requests"]
            started = time.perf_counter()
            outcomes = client.write("nc_interview_result", _results(records, applicants, "hub"))
            hub = rate_row(
                "batched",
                f"{BATCH} bills a call",
                records,
                time.perf_counter() - started,
                calls=server.counters["requests"] - before,
            )
        stored = len(server.data.results)
    finally:
        server.stop()
    return result(
        "yy_write",
        title=f"Yonyou NC interview results: {records:,} records",
        contenders=[hub, peer],
        ratios=[ratio(hub, peer, metric="rate", threshold=20.0)],
        columns=[
            ("label", "contender"),
            ("rows", "records"),
            ("seconds", "seconds"),
            ("rate", "records/s"),
            ("calls", "calls"),
        ],
        params={"records": records, "per_record_sample": sample, "batch": BATCH},
        source={
            "hub_landed": sum(o.ok for o in outcomes),
            "peer_landed": peer_ok,
            "results_stored": stored,
        },
        notes=[
            "both through NcSoapClient.write('nc_interview_result', ...) over zeep with "
            "WS-Security: the hub with all records in one call (ufinterface bills, 500 a "
            "SOAP call), the peer with one record per call",
            f"* the peer is timed on a sample of {sample:,} records, reported per second",
            "every bill's sendresult is read back: landed counts are outcomes, not requests",
            "neither contender has a rate budget: this is the protocol's cost (hrhub's default "
            "of 20 calls/s for NC would hold the per-record peer to 20 records/s)",
        ],
    )


def _mean_ms(action: Callable[[], Any], loads: int) -> float:
    started = time.perf_counter()
    for _ in range(loads):
        action()
    return (time.perf_counter() - started) / loads * 1000


def yy_wsdl(loads: int = 500, *, report: Report) -> Result:
    """Time `loads` run starts of each kind; rate = starts per second."""
    import zeep
    from zeep.cache import SqliteCache
    from zeep.transports import Transport

    from connectors._core.registry import get_connector
    from connectors.yonyou.nc_client import BUNDLED_WSDL, load_wsdl

    spec = get_connector("yonyou")
    report("starting the Yonyou simulator")
    server = spec.simulator_class()()
    server.start()
    try:
        url = server.connection_extra()["wsdl"]
        fetches_before = _wsdl_fetches(server)
        report(f"zeep.Client(url) without a cache: {loads} starts")
        peer_ms = _mean_ms(
            lambda: zeep.Client(url, transport=Transport(operation_timeout=60)), loads
        )
        peer_fetches = _wsdl_fetches(server) - fetches_before
        with tempfile.TemporaryDirectory() as folder:
            cached = Transport(
                cache=SqliteCache(path=str(Path(folder) / "wsdl.sqlite")), operation_timeout=60
            )
            load_wsdl(url, cached, use_cache=False)  # the first run of the day fills the cache
            report(f"hrhub, remote WSDL from the disk cache, new process: {loads} starts")
            before = _wsdl_fetches(server)
            disk_ms = _mean_ms(lambda: load_wsdl(url, cached, use_cache=False), loads)
            disk_fetches = _wsdl_fetches(server) - before
        report(f"hrhub, bundled WSDL, new process: {loads} starts")
        local = Transport(operation_timeout=60)
        bundled_ms = _mean_ms(lambda: load_wsdl(str(BUNDLED_WSDL), local, use_cache=False), loads)
        report(f"hrhub client, same process: {loads} starts")

        def same_process() -> None:
            _client(server, spec).close()

        same_process()
        process_ms = _mean_ms(same_process, loads)
    finally:
        server.stop()
    starts = [
        ("bundled", "bundled WSDL, new process", bundled_ms),
        ("disk-cache", "disk-cached WSDL, new process", disk_ms),
        ("same-process", "hub client, WSDL kept parsed", process_ms),
        ("no-cache", "zeep.Client(url), no cache", peer_ms),
    ]
    rows = [rate_row(name, label, loads, ms * loads / 1000, ms=ms) for name, label, ms in starts]
    by_name = {r["contender"]: r for r in rows}
    return result(
        "yy_wsdl",
        title=f"Yonyou NC WSDL load per run start: {loads} starts each",
        contenders=rows,
        ratios=[
            ratio(by_name["bundled"], by_name["no-cache"], metric="rate", threshold=1.5),
            ratio(by_name["disk-cache"], by_name["no-cache"], metric="rate", threshold=1.5),
            ratio(by_name["same-process"], by_name["no-cache"], metric="rate", threshold=3.0),
        ],
        columns=[
            ("label", "contender"),
            ("rows", "starts"),
            ("ms", "ms per start"),
            ("rate", "starts/s"),
        ],
        params={"loads": loads},
        source={"wsdl_downloads_no_cache": peer_fetches, "wsdl_downloads_cached": disk_fetches},
        notes=[
            "the simulator serves ?wsdl on loopback: a real NC server adds its network round "
            "trip (and Axis' WSDL generation) to every uncached start, so these ratios are the "
            "least the cache saves",
            "'new process' rows drop hrhub's in-process Document cache, as each Airflow task "
            "runs in a new process",
        ],
    )


def _wsdl_fetches(server: Any) -> int:
    with server.lock:
        return server.counters["nc_wsdl"]
