"""The benchmarks at a tiny scale, through the Python API and through `hrhub bench --json`.

These check the shape of a result (every contender measured, rows equal to the simulator's
counts, each ratio the quotient of the reported numbers), never a speed: benchmarks report
their targets, they do not assert them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hrhub.bench import BENCHMARKS, Result
from hrhub.bench.dingtalk import PER_USER_SAMPLE, dt_invite
from hrhub.bench.scheduling import NAIVE_SAMPLE, sch_slots
from hrhub.bench.screening import scr_parse
from hrhub.bench.successfactors import PER_RECORD_SAMPLE, sf_extract, sf_memory, sf_push
from hrhub.bench.web import web_status
from hrhub.bench.yonyou import BATCH, yy_write, yy_wsdl
from hrhub.bench.yonyou import PER_RECORD_SAMPLE as NC_PER_RECORD_SAMPLE
from hrhub.deployment import reachable
from hrhub.scoring.ner import MODEL_DIR

HRHUB = str(Path(sys.executable).with_name("hrhub"))
CANDIDATES = 300
PUSHES = 200
CLI_SCALE = 0.003  # 300 candidates, 300 records
# Every benchmark at CLI_SCALE in one `hrhub bench` run: about 9 minutes on two shared cores
# for the in-process ones and the flow DAGs, plus 2-3 for flow_latency's Airflow deployment
# and about 1 for web_status's API server and its two load phases (3 s each at this scale).
CLI_SECONDS = 1500


class Steps:
    """A `report` that remembers what it was told."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)


def by_contender(result: Result) -> dict[str, dict[str, Any]]:
    return {row["contender"]: row for row in result["contenders"]}


def check_shape(result: Result) -> None:
    """Every column filled, rates and ratios the quotients of what the result reports."""
    assert set(result) >= {"name", "title", "columns", "contenders", "ratios", "source", "notes"}
    keys = [column["key"] for column in result["columns"]]
    rows = by_contender(result)
    for row in result["contenders"]:
        assert all(key in row for key in keys), (row, keys)
        assert row["seconds"] > 0
        assert row["rows"] > 0
        if "rate" in row:
            assert row["rate"] == pytest.approx(row["rows"] / row["seconds"])
    assert result["ratios"]
    for entry in result["ratios"]:
        numerator, denominator = rows[entry["numerator"]], rows[entry["denominator"]]
        metric = entry["metric"]
        assert entry["value"] == pytest.approx(numerator[metric] / denominator[metric])
        if entry["higher_is_better"]:
            assert entry["met"] == (entry["value"] >= entry["threshold"])
        else:
            assert entry["met"] == (entry["value"] <= entry["threshold"])
        assert (entry["verdict"] == "pass") == entry["met"]


def check_extract(result: Result, candidates: int) -> None:
    check_shape(result)
    source = result["source"]
    assert source["Candidate"] == candidates
    assert source["JobApplication"] > 0
    rows = by_contender(result)
    assert list(rows) == ["hub", "pyodata"]
    for row in rows.values():
        assert row["rows"] == source["Candidate"] + source["JobApplication"]
        assert len(row["runs"]) == 2
        assert row["seconds"] == min(row["runs"])
    assert result["ratios"][0]["name"] == "hub/pyodata"


def check_push(result: Result, records: int) -> None:
    check_shape(result)
    sample = min(records, PER_RECORD_SAMPLE)
    rows = by_contender(result)
    assert list(rows) == ["batch", "per-record"]
    assert rows["batch"]["rows"] == rows["batch"]["accepted"] == records
    assert rows["per-record"]["rows"] == rows["per-record"]["accepted"] == sample
    source = result["source"]
    assert source["comments_after"] - source["comments_before"] == records + sample
    assert result["ratios"][0]["name"] == "batch/per-record"


def check_memory(result: Result, candidates: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["large", "small"]
    source = result["source"]
    for name, size in (("large", candidates), ("small", candidates // 10)):
        row = rows[name]
        assert source[f"{name}.Candidate"] == size
        for stream, read in row["read"].items():
            assert read == source[f"{name}.{stream}"]
        assert row["rows"] == sum(row["read"].values())
        assert row["dead_letters"] == 0
        assert row["peak_mib"] > 0
        assert row["maxrss_mib"] > 0
    ratio = result["ratios"][0]
    assert ratio["metric"] == "peak_mib"
    assert not ratio["higher_is_better"]


def check_invite(result: Result, invitations: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["chunked", "per-person"]
    sample = min(invitations, PER_USER_SAMPLE)
    assert rows["chunked"]["rows"] == result["source"]["hub_delivered"] == invitations
    assert rows["per-person"]["rows"] == result["source"]["peer_delivered"] == sample
    # Send plus send result: two calls per 100 people chunked, two per person one by one.
    assert rows["chunked"]["calls"] == 2 * -(-invitations // 100)
    assert rows["per-person"]["calls"] == 2 * sample
    assert result["source"]["calls_over_documented_limits"] == 0
    assert result["ratios"][0]["name"] == "chunked/per-person"


@pytest.fixture(scope="module")
def cli_results() -> dict[str, Result]:
    proc = subprocess.run(
        [HRHUB, "bench", "--json", "--scale", str(CLI_SCALE)],
        capture_output=True,
        text=True,
        timeout=CLI_SECONDS,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["scale"] == CLI_SCALE
    return {result["name"]: result for result in document["benchmarks"]}


def check_nc_write(result: Result, records: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["batched", "per-record"]
    sample = min(records, NC_PER_RECORD_SAMPLE)
    assert rows["batched"]["rows"] == result["source"]["hub_landed"] == records
    assert rows["per-record"]["rows"] == result["source"]["peer_landed"] == sample
    assert result["source"]["results_stored"] == records + sample
    assert rows["batched"]["calls"] == -(-records // BATCH)
    assert rows["per-record"]["calls"] == sample
    assert result["ratios"][0]["name"] == "batched/per-record"


def check_wsdl(result: Result, loads: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["bundled", "disk-cache", "same-process", "no-cache"]
    assert all(row["rows"] == loads for row in rows.values())
    # The peer downloads the WSDL on every start; hrhub's disk cache never does.
    assert result["source"] == {"wsdl_downloads_no_cache": loads, "wsdl_downloads_cached": 0}
    assert [r["name"] for r in result["ratios"]] == [
        "bundled/no-cache",
        "disk-cache/no-cache",
        "same-process/no-cache",
    ]


def test_extract_through_the_api() -> None:
    steps = Steps()
    check_extract(sf_extract(candidates=CANDIDATES, report=steps), CANDIDATES)
    assert len(steps.messages) == BENCHMARKS["sf_extract"].steps


def test_push_through_the_api() -> None:
    steps = Steps()
    check_push(sf_push(records=PUSHES, report=steps), PUSHES)
    assert len(steps.messages) == BENCHMARKS["sf_push"].steps


def test_memory_through_the_api() -> None:
    steps = Steps()
    check_memory(sf_memory(candidates=CANDIDATES, report=steps), CANDIDATES)
    assert len(steps.messages) == BENCHMARKS["sf_memory"].steps


def test_invite_through_the_api() -> None:
    steps = Steps()
    check_invite(dt_invite(invitations=120, report=steps), 120)
    assert len(steps.messages) == BENCHMARKS["dt_invite"].steps


def test_nc_write_through_the_api() -> None:
    steps = Steps()
    check_nc_write(yy_write(records=700, report=steps), 700)
    assert len(steps.messages) == BENCHMARKS["yy_write"].steps


def test_wsdl_load_through_the_api() -> None:
    steps = Steps()
    check_wsdl(yy_wsdl(loads=12, report=steps), 12)
    assert len(steps.messages) == BENCHMARKS["yy_wsdl"].steps


def test_scheduling_through_the_api() -> None:
    steps = Steps()
    result = sch_slots(candidates=40, report=steps)
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["engine", "naive"]
    assert rows["engine"]["rows"] == 40
    assert rows["naive"]["rows"] == min(40, NAIVE_SAMPLE)
    source = result["source"]
    # Every candidate is either assigned or unplaced with a reason.
    assert source["engine_assigned"] + source["engine_unplaced"] == 40
    assert rows["engine"]["assigned"] + rows["engine"]["unplaced"] == 40
    assert source["unplaced_without_reason"] == 0
    assert source["sample_plans_agree"]
    assert result["ratios"][0]["name"] == "engine/naive"
    assert len(steps.messages) == BENCHMARKS["sch_slots"].steps


@pytest.mark.skipif(
    not (MODEL_DIR / "config.cfg").is_file(), reason=f"no resume NER model at {MODEL_DIR}"
)
def test_screening_through_the_api() -> None:
    steps = Steps()
    result = scr_parse(resumes=12, report=steps, processes=1)
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["parse", "ner", "screen"]
    assert rows["parse"]["rows"] == rows["ner"]["rows"] == rows["screen"]["rows"] == 12
    source = result["source"]
    # Every generated resume is read and scored; none is silently dropped.
    assert (source["scored"], source["unparseable"]) == (12, 0)
    assert source["shortlisted"] <= 4  # the example job's top 30%, ceil
    assert source["model_mb"] > 0
    assert result["ratios"][0]["name"] == "parse/ner"
    assert len(steps.messages) == BENCHMARKS["scr_parse"].steps


@pytest.mark.timeout(CLI_SECONDS + 60)
def test_cli_json_runs_every_benchmark(cli_results: dict[str, Result]) -> None:
    assert list(cli_results) == list(BENCHMARKS)
    size = BENCHMARKS["sf_extract"].size(CLI_SCALE)
    check_extract(cli_results["sf_extract"], size)
    check_push(cli_results["sf_push"], BENCHMARKS["sf_push"].size(CLI_SCALE))
    check_memory(cli_results["sf_memory"], BENCHMARKS["sf_memory"].size(CLI_SCALE))
    check_invite(cli_results["dt_invite"], BENCHMARKS["dt_invite"].size(CLI_SCALE))
    check_nc_write(cli_results["yy_write"], BENCHMARKS["yy_write"].size(CLI_SCALE))
    check_wsdl(cli_results["yy_wsdl"], BENCHMARKS["yy_wsdl"].size(CLI_SCALE))
    check_audio(cli_results["aud_features"], BENCHMARKS["aud_features"].size(CLI_SCALE))
    check_mapping(cli_results["map_throughput"], BENCHMARKS["map_throughput"].size(CLI_SCALE))
    check_flow(cli_results["flow_e2e"], BENCHMARKS["flow_e2e"].size(CLI_SCALE))
    check_incremental(
        cli_results["flow_incremental"], BENCHMARKS["flow_incremental"].size(CLI_SCALE)
    )


def check_flow(result: Result, candidates: int) -> None:
    check_shape(result)
    rows = {row["label"]: row for row in result["contenders"]}
    applications = result["params"]["applications"]
    assert rows["extract Candidate"]["rows"] == candidates
    assert rows["extract JobApplication"]["rows"] == applications
    assert rows["screen"]["rows"] == applications  # every application was considered
    assert 0 < rows["invite"]["rows"] <= rows["schedule"]["rows"]
    # Every invited interview's room order was pushed, and the steps add up to the total.
    assert rows["push interview_room"]["rows"] == rows["invite"]["rows"]
    steps = [r for r in result["contenders"] if r["contender"].startswith("flow: ")]
    total = next(r for r in result["contenders"] if r["contender"] == "flow")
    assert total["rows"] == candidates
    assert total["seconds"] >= sum(r["seconds"] for r in steps) * 0.999
    [entry] = result["ratios"]
    assert entry["name"] == "projected/target"


def check_incremental(result: Result, candidates: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["full", "catch-up", "incremental"]
    params = result["params"]
    assert params["candidates"] == candidates
    assert rows["full"]["rows"] == params["applications"]
    assert rows["incremental"]["rows"] == params["changed"] == -(-params["applications"] // 100)
    [entry] = result["ratios"]
    assert entry["value"] == pytest.approx(rows["incremental"]["seconds"] / rows["full"]["seconds"])
    assert not entry["higher_is_better"]


def check_audio(result: Result, minutes: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["sweep_zh", "sweep_en", "yin", "pyin", "interview", "scored"]
    assert rows["interview"]["rows"] == rows["scored"]["rows"] == minutes * 60
    assert rows["yin"]["rows"] == rows["pyin"]["rows"]  # the same sample for both routes
    source = result["source"]
    assert len(source["sweep_zh"]) == len(source["sweep_en"]) == 5  # 100..260 wpm
    assert source["scored_same_bytes"] is True  # scoring twice gives the same document
    assert source["scored_segments"] > 0 and source["scored_overall"] is not None
    assert result["ratios"][0]["name"] == "yin/pyin"


def check_mapping(result: Result, records: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["compiled", "interpreted"]
    assert rows["compiled"]["rows"] == rows["interpreted"]["rows"] == records
    assert result["source"]["outputs_agree"] is True  # both map every record the same


def test_cli_runs_one_benchmark_as_a_table() -> None:
    proc = subprocess.run(
        [HRHUB, "bench", "sf_extract", "--scale", str(CLI_SCALE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for word in ("sf_extract", "hub", "pyodata", "ratio", "target", "verdict"):
        assert word in proc.stdout
    assert "sf_push" not in proc.stdout


def test_cli_help_names_every_benchmark_and_target() -> None:
    proc = subprocess.run(
        [HRHUB, "bench", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    for benchmark in BENCHMARKS.values():
        assert benchmark.name in text
        assert benchmark.target in text


def test_cli_refuses_an_unknown_benchmark() -> None:
    proc = subprocess.run(
        [HRHUB, "bench", "nope", "--json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert "no benchmark 'nope'" in proc.stderr
    assert proc.stdout == ""


def check_httphook(result: Result, candidates: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == ["hub", "httphook"]
    source = result["source"]
    assert result["params"]["candidates"] == source["candidates"] == candidates
    # Both DAGs screened the same applications and left SuccessFactors in the same state.
    assert source["hub_screened"] == source["peer_screened"] > 0
    assert rows["hub"]["rows"] == rows["httphook"]["rows"] == source["hub_screened"]
    assert rows["hub"]["written"] == rows["httphook"]["written"] == source["peer_written"]
    assert source["statuses_agree"] is True and source["statuses_differing"] == 0
    # The peer: a task and a GET per application it screened, a POST per status it wrote.
    peer_tasks = source["tasks"]["httphook"]
    assert peer_tasks["screen_application"]["ran"] >= rows["httphook"]["rows"]
    assert (
        peer_tasks["write_status"]["ran"] == source["peer_calls"]["POST"] == source["peer_written"]
    )
    assert source["peer_calls"]["GET"] > peer_tasks["screen_application"]["ran"]
    # The hub's skipped steps never ran: no schedule, invite or other system's push.
    assert set(source["tasks"]["hub"]) == {
        "plan_extract",
        "extract",
        "screen",
        "push_successfactors",
    }
    [entry] = result["ratios"]
    assert entry["name"] == "httphook/hub time"
    assert entry["value"] == pytest.approx(rows["httphook"]["seconds"] / rows["hub"]["seconds"])


@pytest.mark.timeout(CLI_SECONDS + 60)
def test_cli_json_compares_the_flow_with_per_candidate_httphook_tasks(
    cli_results: dict[str, Result],
) -> None:
    check_httphook(cli_results["flow_vs_httphook"], BENCHMARKS["flow_vs_httphook"].size(CLI_SCALE))


def check_latency(result: Result, interviews: int) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == [
        "p50",
        "p95",
        "max",
        "target",
        "platforms",
        "arrival",
        "throughput",
        "capacity",
        "scoring",
    ]
    params = result["params"]
    assert params["interviews"] == result["source"]["interviews"] == interviews
    # Every interview is accounted for: its result seen, missed past the deadline, or held.
    assert params["arrived"] + params["missed"] + params["held"] == interviews
    assert sum(params["planned"].values()) == interviews
    assert set(params["planned"]) == {"successfactors", "yonyou"}  # both targets measured
    assert sum(params["targets"].values()) == params["arrived"] > 0
    latencies = [rows[name] for name in ("p50", "p95", "max")]
    assert all(row["rows"] == params["arrived"] + params["missed"] for row in latencies)
    assert rows["p50"]["seconds"] <= rows["p95"]["seconds"] <= rows["max"]["seconds"]
    assert rows["max"]["seconds"] <= params["deadline_seconds"]
    assert rows["arrival"]["rows"] == interviews
    assert rows["throughput"]["rows"] == rows["capacity"]["rows"] == params["arrived"]
    # A result visible in its system or held for a person was scored first.
    assert rows["scoring"]["rows"] == params["scored"] >= params["arrived"] + params["held"]
    assert rows["target"]["seconds"] == 60
    assert result["source"]["scoring_runs"] >= 1
    [entry] = result["ratios"]
    assert entry["name"] == "target/p95"
    assert entry["higher_is_better"] and entry["threshold"] == 1.0


@pytest.mark.timeout(CLI_SECONDS + 60)
def test_cli_json_measures_interview_result_latency_through_airflow(
    cli_results: dict[str, Result],
) -> None:
    check_latency(cli_results["flow_latency"], BENCHMARKS["flow_latency"].size(CLI_SCALE))


WEB_ROWS = [
    "uncached-recruiter",
    "uncached-hr",
    "expired-hr",
    "cached-hr",
    "viewers",
    "no-think",
    "target",
]


def check_web(result: Result, candidates: int, *, rounds: int = 3) -> None:
    check_shape(result)
    rows = by_contender(result)
    assert list(rows) == WEB_ROWS
    params, source = result["params"], result["source"]
    assert params["candidates"] == candidates
    assert params["applications"] == candidates + -(-candidates // 2)  # 1.5 each
    assert params["hr_admin_viewers"] + params["recruiter_viewers"] == params["viewers"]
    assert params["api_workers"] == 1 and params["cache_seconds"] == 5.0
    assert params["seed_seconds"] > 0 and params["ledger_mb"] > 0
    assert sum(params["stages"].values()) == params["applications"]
    # Every record seeded is in the ledger: jobs, candidates, applications, results.
    assert (
        source["ledger_staged_record"]
        > params["requisitions"] + candidates + params["applications"]
    )
    assert 0 < source["ledger_receipt"] < source["ledger_outbox"]  # some writes still owed
    assert source["ledger_dead_letter"] > 0 and source["ledger_review"] > 0
    assert source["ledger_audit"] > 0 and source["ledger_cursor"] >= 5
    # One page at a time: each recruiter's first page, the HR admin's, then `rounds` rounds.
    assert rows["uncached-recruiter"]["rows"] == params["recruiter_viewers"]
    assert rows["uncached-hr"]["rows"] == 1
    assert rows["expired-hr"]["rows"] == rounds
    assert rows["cached-hr"]["rows"] == 3 * rounds
    for name in WEB_ROWS[:-1]:
        row = rows[name]
        assert row["errors"] == 0, (name, result["notes"])  # every page a 200 status page
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert row["pages_per_s"] == pytest.approx(row["rows"] / row["seconds"])
    # Under load every viewer loaded pages; with no think time far more of them.
    assert rows["viewers"]["rows"] >= params["viewers"]
    assert rows["no-think"]["rows"] > rows["viewers"]["rows"]
    assert rows["target"]["p95_ms"] == 300
    [entry] = result["ratios"]
    assert entry["name"] == "target/p95" and entry["denominator"] == "viewers"
    assert entry["threshold"] == 1.0 and entry["higher_is_better"]
    assert entry["value"] == pytest.approx(300 / rows["viewers"]["p95_ms"])


def test_web_status_phases_last_30_s_at_full_scale_and_shrink_below_it() -> None:
    from hrhub.bench.web import phase_seconds

    assert phase_seconds(100_000) == (30.0, 5.0)
    assert phase_seconds(1_000_000) == (30.0, 5.0)
    assert phase_seconds(50_000) == (15.0, 2.5)
    assert phase_seconds(300) == (3.0, 1.0)


@pytest.mark.airflow
def test_web_status_through_the_api() -> None:
    steps = Steps()
    result = web_status(
        candidates=300, report=steps, viewers=10, duration=3.0, warmup=1.0, rounds=1
    )
    check_web(result, 300, rounds=1)
    assert result["params"]["viewers"] == 10
    assert result["params"]["recruiter_viewers"] == 2
    assert len(steps.messages) == BENCHMARKS["web_status"].steps


@pytest.mark.airflow
@pytest.mark.postgres
def test_web_status_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    from hrhub.bench.web import POSTGRES_VARIABLE

    admin = os.environ.get(
        "HRHUB_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    monkeypatch.setenv(POSTGRES_VARIABLE, admin)
    result = web_status(
        candidates=300, report=Steps(), viewers=10, duration=3.0, warmup=1.0, rounds=1
    )
    check_web(result, 300, rounds=1)
    assert result["params"]["backend"] == "postgresql"


@pytest.mark.timeout(CLI_SECONDS + 60)
def test_cli_json_measures_the_status_page_under_fifty_viewers(
    cli_results: dict[str, Result],
) -> None:
    result = cli_results["web_status"]
    check_web(result, BENCHMARKS["web_status"].size(CLI_SCALE))
    assert (result["params"]["hr_admin_viewers"], result["params"]["recruiter_viewers"]) == (40, 10)
