"""SuccessFactors benchmarks: extract vs pyodata, batched vs per-record push, extract memory.

The simulator always runs in a child process (spawn), so its CPU does not share the
measuring process's GIL. The hub's clients run without the manifest's call budget
(`rate_budget=None`): the benchmarks measure code, not a throttle a tenant configures.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from connectors._core.registry import get_connector
from hrhub.bench import Report, Result, rate_row, ratio, result

SYSTEM = "successfactors"
PAGE_SIZE = 1000
RUNS_EACH = 2
PER_RECORD_SAMPLE = 2_000
STREAMS = ("Candidate", "JobApplication")
EXTRACT_STEP_STREAMS = ("JobRequisition", "Candidate", "JobApplication")
SEED = 7
START_TIMEOUT_S = 300.0
MEASURE_TIMEOUT_S = 3_600.0
MIB = 1024 * 1024

# == the simulator in its own process ================================================


@dataclass
class Server:
    """A simulator running in a child process: where it listens and what it holds."""

    url: str
    counts: dict[str, int]
    application_ids: list[int] = field(default_factory=list)


def _serve(options: dict[str, Any], ids_wanted: int, info: Any, stop: Any) -> None:
    """Child process: start the simulator, send its URL and counts, serve until `stop`."""
    try:
        server = get_connector(SYSTEM).simulator_class()(**options)
        url = server.start()
    except Exception as exc:  # reported to the parent, which raises it
        info.put({"error": f"{type(exc).__name__}: {exc}"})
        return
    try:
        ids = [r["applicationId"] for r in server.rows("JobApplication")[:ids_wanted]]
        counts = {s: server.count_stream(s) for s in EXTRACT_STEP_STREAMS}
        info.put({"url": url, "counts": counts, "application_ids": ids})
        stop.wait()
    finally:
        server.stop()


def _receive(inbox: Any, proc: BaseProcess, timeout: float) -> dict[str, Any]:
    """The child's one message; fails fast if the child dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = inbox.get(timeout=0.5)
        except queue.Empty:
            if not proc.is_alive():
                why = f"{proc.name} exited ({proc.exitcode}) without answering"
                raise RuntimeError(why) from None
            continue
        if "error" in message:
            raise RuntimeError(f"{proc.name}: {message['error']}")
        return message
    raise TimeoutError(f"{proc.name} did not answer within {timeout:.0f} s")


def _finish(proc: BaseProcess) -> None:
    """Join a child; terminate it if it does not stop on its own."""
    proc.join(timeout=15)
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=5)


@contextmanager
def simulator_process(candidates: int, *, application_ids: int = 0) -> Iterator[Server]:
    """A seeded simulator with `candidates` in a spawned child, stopped on exit."""
    ctx = multiprocessing.get_context("spawn")
    inbox, stop = ctx.Queue(), ctx.Event()
    options = {"candidates": candidates, "seed": SEED, "page_size": PAGE_SIZE}
    proc = ctx.Process(
        target=_serve,
        args=(options, application_ids, inbox, stop),
        name="successfactors-simulator",
        daemon=True,
    )
    proc.start()
    try:
        yield Server(**_receive(inbox, proc, START_TIMEOUT_S))
    finally:
        stop.set()
        _finish(proc)


# == clients ==========================================================================


def hub_client(url: str) -> Any:
    """The hub's SuccessFactors client on the sandbox credentials, page size 1000."""
    spec = get_connector(SYSTEM)
    sandbox = spec.sandbox
    return spec.client_class()(
        url,
        company_id=sandbox["extra"]["company_id"],
        username=sandbox["login"],
        password=sandbox["password"],
        auth="basic",
        page_size=PAGE_SIZE,
        rate_budget=None,
    )


def pyodata_service(url: str, session: Any) -> Any:
    """SAP's pyodata client on the same credentials (its $metadata is read here)."""
    import pyodata

    sandbox = get_connector(SYSTEM).sandbox
    session.auth = (f"{sandbox['login']}@{sandbox['extra']['company_id']}", sandbox["password"])
    return pyodata.Client(url + "/odata/v2/", session)


def timed(function: Callable[[], int]) -> tuple[int, float]:
    """(what `function` returns, wall seconds it took)."""
    started = time.perf_counter()
    count = function()
    return count, time.perf_counter() - started


# == sf_extract =======================================================================


def read_hub(client: Any) -> int:
    """Rows of every stream, read page by page as decoded dicts."""
    rows = 0
    for stream in STREAMS:
        for page in client.read_stream(stream):
            rows += len(page)
    return rows


def read_pyodata(service: Any) -> int:
    """Rows of every stream as pyodata entity proxies, the same query, following next_url."""
    rows = 0
    for stream in STREAMS:
        entity_set = getattr(service.entity_sets, stream)
        page = (
            entity_set.get_entities()
            .custom("customPageSize", str(PAGE_SIZE))
            .custom("paging", "snapshot")
            .order_by("lastModifiedDateTime asc")
            .execute()
        )
        rows += len(page)
        while page.next_url:
            page = entity_set.get_entities().next_url(page.next_url).execute()
            rows += len(page)
    return rows


def _run_hub(url: str) -> tuple[int, float]:
    with hub_client(url) as client:
        return timed(lambda: read_hub(client))


def _run_pyodata(url: str) -> tuple[int, float]:
    import requests

    with requests.Session() as session:
        service = pyodata_service(url, session)
        return timed(lambda: read_pyodata(service))


EXTRACT_RUNNERS: dict[str, Callable[[str], tuple[int, float]]] = {
    "hub": _run_hub,
    "pyodata": _run_pyodata,
}
EXTRACT_LABELS = {"hub": "hub", "pyodata": "pyodata"}


def _best(contender: str, runs: list[tuple[int, float]]) -> Result:
    """A contender's row: the best (fastest) of its runs, every run's seconds kept."""
    rows = {count for count, _ in runs}
    if len(rows) != 1:
        raise RuntimeError(f"{contender}: runs read different row counts {sorted(rows)}")
    seconds = min(s for _, s in runs)
    count = rows.pop()
    return rate_row(contender, EXTRACT_LABELS[contender], count, seconds, runs=[s for _, s in runs])


def sf_extract(candidates: int = 100_000, *, report: Report) -> Result:
    """Hub connector vs pyodata reading Candidate + JobApplication from one simulator."""
    report(f"seeding {candidates:,} candidates in a child process")
    with simulator_process(candidates) as server:
        runs: dict[str, list[tuple[int, float]]] = {name: [] for name in EXTRACT_RUNNERS}
        for index in range(RUNS_EACH):
            for name, run in EXTRACT_RUNNERS.items():
                report(f"{name} read, run {index + 1} of {RUNS_EACH}")
                runs[name].append(run(server.url))
    hub, peer = (_best(name, runs[name]) for name in EXTRACT_RUNNERS)
    return result(
        "sf_extract",
        title=f"SuccessFactors extract: {candidates:,} candidates and their applications",
        contenders=[hub, peer],
        ratios=[ratio(hub, peer, metric="rate", threshold=2.0)],
        columns=[*_columns("rows", "rows/s"), ("runs", "runs s")],
        params={"candidates": candidates, "page_size": PAGE_SIZE, "runs_each": RUNS_EACH},
        source={s: server.counts[s] for s in STREAMS},
        notes=[
            "hub: SuccessFactorsClient.read_stream, rows decoded to dicts; pyodata: entity "
            "proxies, following next_url",
            "same simulator (own process), same query: customPageSize=1000, paging=snapshot, "
            "$orderby=lastModifiedDateTime asc",
            f"runs alternate hub, pyodata x{RUNS_EACH}; best run of each shown, all in 'runs s'",
            "client set-up (pyodata's $metadata read) is outside the timing",
        ],
    )


# == sf_push ==========================================================================


def comment_records(application_ids: list[int], count: int, tag: str) -> list[dict[str, Any]]:
    """`count` distinct comments over the given applications (cycled when too few)."""
    return [
        {
            "applicationId": application_ids[i % len(application_ids)],
            "content": f"hrhub bench {tag} {i}: AI interview score {i % 100}",
        }
        for i in range(count)
    ]


def comment_count(client: Any) -> int:
    """JobApplicationComments in the tenant now ($count)."""
    return int(client.request("GET", "/odata/v2/JobApplicationComments/$count").text)


def push_batched(client: Any, records: list[dict[str, Any]]) -> int:
    """One write() call for all records (upsert batches of 1000 inside); records accepted."""
    return sum(o.ok for o in client.write("comment", records))


def push_per_record(client: Any, records: list[dict[str, Any]]) -> int:
    """One write() call per record; records accepted."""
    return sum(o.ok for record in records for o in client.write("comment", [record]))


def _push_row(contender: str, label: str, records: int, accepted: int, seconds: float) -> Result:
    return rate_row(contender, label, records, seconds, accepted=accepted)


def sf_push(records: int = 100_000, *, report: Report) -> Result:
    """Upsert batches vs one call per record, writing `comment` records."""
    sample = min(records, PER_RECORD_SAMPLE)
    candidates = max(20, (records + sample) * 3 // 4)  # ~1.5 applications each
    report(f"seeding {candidates:,} candidates in a child process")
    with simulator_process(candidates, application_ids=records + sample) as server:
        ones = comment_records(server.application_ids[::-1], sample, "one")
        many = comment_records(server.application_ids, records, "batch")
        with hub_client(server.url) as client:
            before = comment_count(client)
            report(f"per-record: {sample:,} write() calls")
            single = timed(lambda: push_per_record(client, ones))
            report(f"batched: {records:,} records in one write() call")
            batch = timed(lambda: push_batched(client, many))
            after = comment_count(client)
    batched = _push_row("batch", "batch", records, *batch)
    per_record = _push_row("per-record", "per record*", sample, *single)
    return result(
        "sf_push",
        title=f"SuccessFactors push: {records:,} comment records",
        contenders=[batched, per_record],
        ratios=[ratio(batched, per_record, metric="rate", threshold=20.0)],
        columns=_columns("records", "records/s"),
        params={"records": records, "per_record_sample": sample, "batch_size": 1000},
        source={"comments_before": before, "comments_after": after},
        notes=[
            "batch: client.write('comment', records), one call, upsert batches of 1000 inside; "
            "per record: client.write('comment', [record]) per record",
            f"* per record is timed on a sample of {sample:,} records, reported as records/s",
            "per-record runs first, on the smaller comment table (the simulator scans the "
            "table for each match_on lookup), which favours it",
            "records are comments to existing applications, each with distinct content: "
            "every write creates a row",
        ],
    )


# == sf_memory ========================================================================


def _extract_child(url: str, outbox: Any) -> None:
    """Child process: the measured extract step; sends its numbers or its error."""
    try:
        outbox.put(_measured_extract(url))
    except Exception as exc:  # reported to the parent, which raises it
        outbox.put({"error": f"{type(exc).__name__}: {exc}"})


def _measured_extract(url: str) -> dict[str, Any]:
    """Run extract_stream for every stream into a temporary SQLite ledger, traced."""
    import resource
    import tempfile
    import tracemalloc

    from hrhub.flow.extract import extract_stream
    from hrhub.ledger import Ledger

    with tempfile.TemporaryDirectory(prefix="hrhub-bench-") as folder:
        ledger = Ledger.open(f"sqlite:///{folder}/ledger.db")
        client = hub_client(url)
        tracemalloc.start()
        started = time.perf_counter()
        counts = {
            s: _stream_counts(extract_stream, s, client, ledger) for s in EXTRACT_STEP_STREAMS
        }
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        client.close()
        ledger.close()
    return {
        "read": {stream: read for stream, (read, _) in counts.items()},
        "dead_letters": sum(dead for _, dead in counts.values()),
        "seconds": seconds,
        "peak_bytes": peak,
        "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def _stream_counts(
    extract_stream: Callable[..., Any], stream: str, client: Any, ledger: Any
) -> tuple[int, int]:
    """(read, dead letters) of one stream; its summary is dropped here, as the flow's
    extract task keeps only counts, so one stream's ids do not weigh on the next."""
    summary = extract_stream(SYSTEM, stream, client=client, ledger=ledger)
    return summary.read, summary.dead_letters


def measure_extract(candidates: int) -> tuple[dict[str, Any], dict[str, int]]:
    """(the extract child's numbers, the simulator's counts), each in a fresh process."""
    with simulator_process(candidates) as server:
        ctx = multiprocessing.get_context("spawn")
        outbox = ctx.Queue()
        proc = ctx.Process(
            target=_extract_child, args=(server.url, outbox), name="extract-child", daemon=True
        )
        proc.start()
        try:
            measured = _receive(outbox, proc, MEASURE_TIMEOUT_S)
        finally:
            _finish(proc)
    return measured, server.counts


def _memory_row(contender: str, candidates: int, measured: dict[str, Any]) -> Result:
    rows = sum(measured["read"].values())
    return {
        "contender": contender,
        "label": f"{candidates:,} cand.",
        "rows": rows,
        "read": measured["read"],
        "dead_letters": measured["dead_letters"],
        "seconds": measured["seconds"],
        "rate": rows / measured["seconds"],
        "peak_mib": measured["peak_bytes"] / MIB,
        "maxrss_mib": measured["maxrss_bytes"] / MIB,
    }


def sf_memory(candidates: int = 100_000, *, report: Report) -> Result:
    """Peak memory of the extract step at `candidates` vs a tenth of it."""
    small = max(1, candidates // 10)
    report(f"extract step, {small:,} candidates (fresh processes)")
    small_measured, small_counts = measure_extract(small)
    report(f"extract step, {candidates:,} candidates (fresh processes)")
    large_measured, large_counts = measure_extract(candidates)
    large = _memory_row("large", candidates, large_measured)
    baseline = _memory_row("small", small, small_measured)
    return result(
        "sf_memory",
        title=f"SuccessFactors extract step memory: {candidates:,} vs {small:,} candidates",
        contenders=[large, baseline],
        ratios=[ratio(large, baseline, metric="peak_mib", threshold=1.3, higher_is_better=False)],
        columns=[
            ("label", ""),
            ("rows", "rows"),
            ("seconds", "s"),
            ("peak_mib", "peak MiB"),
            ("maxrss_mib", "RSS MiB"),
        ],
        params={"candidates": candidates, "baseline_candidates": small, "page_size": PAGE_SIZE},
        source={
            **{f"large.{k}": v for k, v in large_counts.items()},
            **{f"small.{k}": v for k, v in small_counts.items()},
        },
        notes=[
            "every stream of the extract step (JobRequisition, Candidate, JobApplication): "
            "client, mapping, validation and staging into a temporary SQLite ledger; like "
            "the flow's extract task, only each stream's counts are kept after it",
            "peak MiB: tracemalloc peak of the step in a fresh child (imports excluded); "
            "max RSS: the child's whole process, imports included, for reference",
            "seconds are with tracemalloc on, which slows Python down",
        ],
    )


def _columns(rows_header: str, rate_header: str) -> list[tuple[str, str]]:
    return [
        ("label", ""),
        ("rows", rows_header),
        ("seconds", "s"),
        ("rate", rate_header),
    ]
