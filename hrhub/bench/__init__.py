"""Benchmarks: the hub measured side by side with its peers, one run, ratios in the result.

A benchmark is a function returning a result dict (see `result`): the measured contenders as
rows of a table, and the ratio(s) between them with their target. Targets are reported, never
asserted: a run that falls short says by how much. `hrhub bench` and `make bench` run them.

This module stays light (no connector, ledger or HTTP import) so the CLI's help is fast; the
benchmark code is imported when one runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Report = Callable[[str], None]
"""Called with a short description before each step of a benchmark (for a progress bar)."""

Result = dict[str, Any]


@dataclass(frozen=True)
class Benchmark:
    """One registered benchmark: what it measures, its target, how it scales."""

    name: str
    summary: str
    target: str
    function: str  # "module:function" under hrhub.bench
    param: str  # the size argument `scale` multiplies
    default: int
    steps: int  # calls to `report` in one run, for the progress total
    minimum: int = 10

    def size(self, scale: float) -> int:
        """The size argument at `scale` (1.0 = the documented default)."""
        return max(self.minimum, round(self.default * scale))

    def run(self, scale: float = 1.0, report: Report | None = None) -> Result:
        """Run at `scale`; `report` hears about each step."""
        module_name, _, attr = self.function.partition(":")
        module = importlib.import_module(f"hrhub.bench.{module_name}")
        function = getattr(module, attr)
        return function(**{self.param: self.size(scale)}, report=report or _quiet)


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark(
            name="sf_extract",
            summary=(
                "SuccessFactors read of N candidates and their applications (Candidate + "
                "JobApplication, page size 1000, simulator in its own process): the hub "
                "connector vs SAP's pyodata client, rows per second, best of 2 alternated runs."
            ),
            target="hub/pyodata >= 2x",
            function="successfactors:sf_extract",
            param="candidates",
            default=100_000,
            steps=5,
        ),
        Benchmark(
            name="sf_memory",
            summary=(
                "Peak memory of the hub's whole extract step (client, mapping, staging into a "
                "temporary SQLite ledger) for N candidates vs N/10, each in a fresh process "
                "(tracemalloc peak; max RSS for reference)."
            ),
            target="N/(N/10) <= 1.3x",
            function="successfactors:sf_memory",
            param="candidates",
            default=100_000,
            steps=2,
        ),
        Benchmark(
            name="sf_push",
            summary=(
                "SuccessFactors write-back of N comment records: upsert batches of 1000 in one "
                "write() call vs one write() call per record (timed on a sample of up to "
                "2,000 records), records per second."
            ),
            target="batch/per-record >= 20x",
            function="successfactors:sf_push",
            param="records",
            default=100_000,
            steps=3,
        ),
        Benchmark(
            name="dt_invite",
            summary=(
                "DingTalk interview invitations to N people, every person's outcome read back: "
                "identical messages grouped, 100 recipients per asyncsend_v2, vs one send and "
                "one send result per person (timed on a sample of up to 500 people), people "
                "per second, both within DingTalk's documented limits."
            ),
            target="chunked/per-person >= 50x",
            function="dingtalk:dt_invite",
            param="invitations",
            default=100_000,
            steps=3,
        ),
        Benchmark(
            name="yy_write",
            summary=(
                "Yonyou NC write-back of N interview results over SOAP (zeep, WS-Security): "
                "500 ufinterface bills a call in one write() vs one call per record (timed on "
                "a sample of up to 500 records), records per second, every outcome read back."
            ),
            target="batched/per-record >= 20x",
            function="yonyou:yy_write",
            param="records",
            default=100_000,
            steps=3,
        ),
        Benchmark(
            name="yy_wsdl",
            summary=(
                "Yonyou NC WSDL load per run start, N starts each: zeep.Client(url) without a "
                "cache (download + parse) vs hrhub's bundled WSDL and disk-cached remote WSDL "
                "in a new process, and its client with the parsed WSDL kept in the process."
            ),
            target="bundled and disk cache >= 1.5x, same process >= 3x",
            function="yonyou:yy_wsdl",
            param="loads",
            default=500,
            steps=5,
        ),
        Benchmark(
            name="sch_slots",
            summary=(
                "Interview scheduling of N candidates (a few days' availability, a panel of ~20 "
                "eligible interviewers each) against 500 interviewers over two weeks (shifts, "
                "leave, meetings, existing interviews): the interval engine's greedy plan for "
                "all N vs the same plan with the naive pairwise check (timed on a sample of up "
                "to 200 candidates), candidates per second."
            ),
            target="engine/naive >= 10x; engine under 10 s",
            function="scheduling:sch_slots",
            param="candidates",
            default=10_000,
            steps=4,
        ),
        Benchmark(
            name="scr_parse",
            summary=(
                "Resume parsing and screening of N generated Chinese resumes (~1,000 chars): "
                "the full parse vs the NER pipeline alone on a sample of up to 2,000 (chars per "
                "second, and per CPU-second against the 30,000 target), the model directory's "
                "size (target <= 30 MB), and all N screened end to end (seconds)."
            ),
            target="parse/ner >= 0.5x; parse >= 30,000 chars/s/core; model <= 30 MB",
            function="screening:scr_parse",
            param="resumes",
            default=100_000,
            steps=4,
        ),
        Benchmark(
            name="aud_features",
            summary=(
                "Interview audio features on the espeak-ng fixtures: speech-rate tracking over "
                "a 100-260 wpm sweep per language (estimated over spoken syllables per second, "
                "its spread; the same against the set wpm), the pipeline with librosa.yin vs "
                "the same with librosa.pyin on up to 60 s of answers (real time per "
                "CPU-second), an N-minute interview analysed end to end, and the same fully "
                "scored (audio + transcript + rubric) twice."
            ),
            target=(
                "yin/pyin >= 10x; sweep spread <= 10%; 30 min in < 6 CPU-s (>= 300x); "
                "30 min fully scored in < 10 s, same bytes twice"
            ),
            function="audio:aud_features",
            param="minutes",
            default=30,
            steps=5,
            minimum=1,
        ),
        Benchmark(
            name="map_throughput",
            summary=(
                "Mapping N generated SuccessFactors candidate payloads to canonical candidates "
                "with mappings/successfactors/candidate.in.yaml: the compiled engine "
                "(Mapping.apply) vs a straightforward interpreter walking the parsed YAML rules "
                "for each record (same transforms, same output), records per CPU-second."
            ),
            target="compiled >= 100,000 records/s/core; compiled/interpreted >= 2x",
            function="mapping:map_throughput",
            param="records",
            default=200_000,
            steps=4,
        ),
        Benchmark(
            name="flow_e2e",
            summary=(
                "N candidates through candidate_flow's steps against the simulators on "
                "loopback (extract, screen with resumes read from SuccessFactors, schedule, "
                "invite, push every system; fresh SQLite ledger), each step timed, the total "
                "projected to 100,000 candidates."
            ),
            target="100,000 candidates in under 10 minutes (projected from N)",
            function="flow:flow_e2e",
            param="candidates",
            default=100_000,
            steps=13,
            minimum=50,
        ),
        Benchmark(
            name="flow_incremental",
            summary=(
                "The flow's steps on N candidates, a catch-up run for the bookings left to the "
                "next run, then again after 1% of the applications changed in "
                "SuccessFactors: that run's time against the first."
            ),
            target="incremental <= 3% of the full run",
            function="flow:flow_incremental",
            param="candidates",
            default=20_000,
            steps=38,
            minimum=50,
        ),
        Benchmark(
            name="flow_vs_httphook",
            summary=(
                "N candidates screened through real Airflow (`airflow dags test`, fresh SQLite "
                "each): candidate_flow's extract, screen and SuccessFactors status push vs the "
                "way it is built by hand today, one mapped task per application calling "
                "HttpHook (read with the resume, hrhub's own screening, one status write per "
                "shortlisted); wall seconds, SuccessFactors requests, same outcome checked."
            ),
            target="httphook/hub time >= 1x",
            function="httphook_peer:flow_vs_httphook",
            param="candidates",
            default=2_000,
            steps=4,
            minimum=10,
        ),
        Benchmark(
            name="flow_latency",
            summary=(
                "N interviews ending at 1 a second (room sessions of SuccessFactors and Yonyou "
                "NC applications) through a real Airflow deployment with a triggerer: the "
                "AssetWatcher's event starts interview_results, which scores and writes each "
                "result; seconds from the room's completed_at to the result in its system "
                "(p50, p95, max; misses past 10 minutes counted), throughput, and where the "
                "DAG runs' time goes. Leading platforms report 5-10 minutes."
            ),
            target="p95 under 60 s (target/p95 >= 1x)",
            function="latency:flow_latency",
            param="interviews",
            default=1000,
            steps=6,
            minimum=6,
        ),
        Benchmark(
            name="web_status",
            summary=(
                "hrhub's run status page in Airflow's real API server (the plugin, "
                "SimpleAuthManager sessions) over a seeded ledger of N candidates (~1.5 "
                "applications each, writes, receipts, dead letters, reviews, audit log): 50 "
                "signed-in viewers (40 HR admins, 10 recruiters with their own requisitions) "
                "for 30 s with a 1 s think time, then with none (a smaller N shortens both in "
                "proportion, to 3 s at least); pages/s, p50, p95, p99 and max per row, the "
                "uncached and cached page one at a time, seeding time."
            ),
            target="p95 under 300 ms (target/p95 >= 1x)",
            function="web:web_status",
            param="candidates",
            default=100_000,
            steps=6,
            minimum=50,
        ),
    )
}


def rate_row(contender: str, label: str, rows: int, seconds: float, **extra: Any) -> Result:
    """One contender's row: what it did (`rows` in `seconds`), its rate, and `extra` columns."""
    return {
        "contender": contender,
        "label": label,
        "rows": rows,
        "seconds": seconds,
        "rate": rows / seconds,
        **extra,
    }


def get_benchmark(name: str) -> Benchmark:
    """The benchmark called `name`; KeyError lists the known ones."""
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise KeyError(f"no benchmark {name!r} (known: {', '.join(BENCHMARKS)})") from None


def ratio(
    numerator: Result,
    denominator: Result,
    *,
    metric: str,
    threshold: float,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """The ratio of two contenders' `metric`, with its target and whether it is met."""
    value = numerator[metric] / denominator[metric] if denominator[metric] else float("inf")
    met = value >= threshold if higher_is_better else value <= threshold
    return {
        "name": f"{numerator['contender']}/{denominator['contender']}",
        "numerator": numerator["contender"],
        "denominator": denominator["contender"],
        "metric": metric,
        "value": value,
        "target": f"{'>=' if higher_is_better else '<='} {threshold:g}x",
        "threshold": threshold,
        "higher_is_better": higher_is_better,
        "met": met,
    }


def verdict(entry: dict[str, Any]) -> str:
    """'pass', or the ratio as a share of its target: 'short 82%', 'over 140%'."""
    if entry["met"]:
        return "pass"
    share = entry["value"] / entry["threshold"]
    return f"{'short' if entry['higher_is_better'] else 'over'} {share:.0%}"


def result(
    name: str,
    *,
    title: str,
    contenders: list[Result],
    ratios: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    params: dict[str, Any],
    source: dict[str, int],
    notes: list[str],
) -> Result:
    """The one shape every benchmark returns (the CLI prints it as a table or JSON)."""
    return {
        "name": name,
        "title": title,
        "params": params,
        "columns": [{"key": key, "header": header} for key, header in columns],
        "contenders": contenders,
        "ratios": [{**r, "verdict": verdict(r)} for r in ratios],
        "source": source,
        "notes": notes,
    }


def _quiet(_message: str) -> None:
    """The default `report`: says nothing."""
