"""The fault matrix: the whole flow through real Airflow under each fault, reconciled.

Each scenario is `hrhub demo --faults SPEC` (the simulators' knobs, real loopback HTTP, real
`airflow dags test` runs): error rates up to a fifth of all calls, 429 bursts with
Retry-After, tokens expiring mid-run, connections dropped before and after a write landed,
slow pages, duplicated and shuffled source records, and a system down for a whole run. Like
a scheduled deployment, the flow runs again while writes are still owed (a later schedule);
a system that was down comes back before the next run. Every scenario must end reconciled:
lost 0, duplicates 0, nothing still owed: every record landed or sits in dead letters with
its reason.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors._core.simulator import FaultSpec

__all__ = ["FAULT_COUNTERS", "SCENARIOS", "Scenario", "ScenarioResult", "run_matrix"]

# Simulator counters that count an injected fault (connectors/_core/simulator.py).
FAULT_COUNTERS = (
    "faulted",
    "down",
    "rate_limited",
    "dropped",
    "slow_pages",
    "duplicated",
    "shuffled_pages",
    "token_expired",
)
MAX_RUNS = 4  # runs of the flow per scenario before what is still owed counts as stuck
# The down system's connection gives up on a call after seconds, not the default two
# minutes (an operator's setting, `retry_max_seconds` in the connection's extra): the run
# is the same, without waiting out every retry of a system known to be down.
DOWN_GIVE_UP = {"retry_max_seconds": "3", "retry_max_attempts": "3"}


@dataclass(frozen=True)
class Scenario:
    """One row of the matrix: a fault spec and what it stands for."""

    name: str
    faults: str
    what: str
    down: str | None = None  # the system down for the whole first run, back for the next

    @property
    def spec(self) -> str:
        return ",".join(
            p for p in (self.faults, f"{self.down}.down=true" if self.down else "") if p
        )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy", "", "no faults: the baseline"),
    Scenario("errors", "error_rate=0.2,seed=1", "a fifth of all calls get the system's 5xx"),
    Scenario(
        "rate_limits",
        "rate_limit=0.05,rate_limit_burst=4,retry_after=1,seed=2",
        "429 bursts of four with Retry-After",
    ),
    Scenario("token_expiry", "token_expiry=3,seed=3", "every token expires 3 s after issue"),
    Scenario(
        "dropped",
        "drop=0.05,drop_after=0.5,seed=4",
        "connections closed unanswered, half of them after the write landed",
    ),
    Scenario("slow_pages", "slow_page_ms=250,seed=5", "every list page 250 ms slower"),
    Scenario(
        "duplicated_shuffled",
        "duplicate=0.1,out_of_order=true,seed=6",
        "source pages repeat a tenth of their records, in shuffled order",
    ),
    Scenario("dingtalk_down", "seed=7", "DingTalk down for the whole first run", "dingtalk"),
    Scenario("yonyou_down", "seed=8", "Yonyou down for the whole first run", "yonyou"),
    Scenario(
        "interview_room_down",
        "seed=9",
        "the interview room down for the whole first run",
        "interview_room",
    ),
    Scenario(
        "everything",
        "error_rate=0.1,rate_limit=0.03,token_expiry=5,drop=0.02,drop_after=0.5,"
        "slow_page_ms=50,duplicate=0.05,out_of_order=true,seed=10",
        "all of the above at once",
    ),
)


@dataclass
class ScenarioResult:
    """What one scenario did and how it ended."""

    scenario: Scenario
    runs: int
    records: int  # source records the systems held
    writes: int  # writes the hub owed its targets
    landed: int
    lost: int
    duplicates: int
    pending: int  # writes still owed after the last run
    dead_letters: list[dict[str, Any]]  # open ones by system, entity, error, with an example
    faults: dict[str, int]  # injected faults by kind, over every simulator
    seconds: float
    audit_ok: bool
    report: str
    unchecked: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)  # DAG runs that ended failed
    error: str | None = None  # the scenario could not run to the end: why

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.lost == 0
            and self.duplicates == 0
            and self.pending == 0
            and self.audit_ok
        )

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "faults_spec": self.scenario.spec,
            "what": self.scenario.what,
            "ok": self.ok,
            "runs": self.runs,
            "records": self.records,
            "writes": self.writes,
            "landed": self.landed,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "pending": self.pending,
            "dead_letters": self.dead_letters,
            "faults": self.faults,
            "faults_injected": self.faults_injected,
            "seconds": self.seconds,
            "audit_ok": self.audit_ok,
            "unchecked": self.unchecked,
            "failed_runs": self.failed_runs,
            "error": self.error,
            "report": self.report,
        }


def select_scenarios(names: Iterable[str] | None) -> list[Scenario]:
    """The named scenarios (all when none); ValueError names an unknown one."""
    wanted = list(names or [])
    by_name = {s.name: s for s in SCENARIOS}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValueError(f"unknown scenario {', '.join(unknown)} (known: {', '.join(by_name)})")
    return [by_name[n] for n in wanted] if wanted else list(SCENARIOS)


def run_scenario(
    scenario: Scenario,
    *,
    candidates: int,
    out_dir: Path,
    say: Callable[[str], None] = lambda _: None,
) -> ScenarioResult:
    """Run the flow under `scenario` until nothing is owed (at most MAX_RUNS), reconciled."""
    from hrhub.demo import demo_session

    started = time.monotonic()
    with demo_session(
        candidates=candidates,
        faults=scenario.spec,
        out_dir=out_dir,
        connection_extras={scenario.down: DOWN_GIVE_UP} if scenario.down else None,
        say=say,
    ) as session:
        runs = 0
        result = None
        while runs < MAX_RUNS:
            if runs == 1 and scenario.down:
                say(f"{scenario.down} is back")
                shared, _ = FaultSpec.parse_scoped(scenario.faults, [scenario.down])
                session.system(scenario.down).server.set_faults(shared)
            runs += 1
            session.run_flow(label=f"#{runs}")
            result = session.result()
            if _pending(result.reconciliation) == 0 and not (scenario.down and runs == 1):
                break
        assert result is not None
        failed_runs = list(session.failed_runs)
        faults = Counter[str]()
        for system in session.systems:
            for name in FAULT_COUNTERS:
                faults[name] += system.server.counters.get(name, 0)
    rec, totals = result.reconciliation, result.summary["totals"]
    return ScenarioResult(
        scenario=scenario,
        runs=runs,
        records=sum(row["source"] for row in rec["sources"]),
        writes=sum(row["owed"] for row in rec["targets"]),
        landed=totals["landed"],
        lost=rec["lost"],
        duplicates=rec["duplicates"],
        pending=_pending(rec),
        dead_letters=result.summary["dead_letters"],
        faults={k: v for k, v in faults.items() if v},
        seconds=round(time.monotonic() - started, 1),
        audit_ok=result.summary["audit"]["ok"],
        report=str(result.report),
        unchecked=rec["unchecked"],
        failed_runs=failed_runs,
    )


def run_matrix(
    *,
    candidates: int = 2000,
    scenarios: Iterable[str] | None = None,
    out_dir: Path = Path("out/reliability"),
    say: Callable[[str], None] = lambda _: None,
) -> list[ScenarioResult]:
    """Every chosen scenario in turn (each with fresh simulators, Airflow and ledger)."""
    results = []
    for scenario in select_scenarios(scenarios):
        say(f"fault scenario {scenario.name}: {scenario.what}")
        started = time.monotonic()
        try:
            result = run_scenario(
                scenario,
                candidates=candidates,
                out_dir=Path(out_dir) / scenario.name,
                say=lambda step, name=scenario.name: say(f"{name}: {step}"),
            )
        except Exception as exc:  # one scenario that cannot finish must not hide the others
            result = _unfinished(scenario, exc, time.monotonic() - started)
        results.append(result)
    return results


def _unfinished(scenario: Scenario, exc: Exception, seconds: float) -> ScenarioResult:
    """A failed row for a scenario that raised: nothing counted, the error kept."""
    error = f"{type(exc).__name__}: {str(exc)[-2000:]}"
    return ScenarioResult(
        scenario, 0, 0, 0, 0, 0, 0, 0, [], {}, round(seconds, 1), False, "", error=error
    )


def _pending(reconciliation: Mapping[str, Any]) -> int:
    return sum(row["pending"] for row in reconciliation["targets"])
