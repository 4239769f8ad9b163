"""Run the hostile-input corpus: every case through its real entry point, in one process.

Each entry point's module (payloads, resumes, ...) offers `cases()` (cheap: names and what is
wrong, nothing built yet) and `world(folder)`, a context manager that sets up once what its
cases need (simulators, a ledger, an app, a folder of files) and takes it down afterwards.
Files are generated into a temporary folder at run time; nothing is downloaded.
"""

from __future__ import annotations

import importlib
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from hrhub.reliability.hostile.corpus import HostileInput, Kind, Outcome, Verdict

__all__ = ["ENTRY_POINTS", "Progress", "corpus", "open_world", "run_case", "run_corpus"]

ENTRY_POINTS = (
    "payloads",
    "resumes",
    "audio",
    "transcripts",
    "mappings",
    "cli",
    "web",
    "links",
)

Progress = Callable[[int, int, Outcome], None]
"""(inputs done, inputs in the run, the outcome just found)."""


def _module(entry_point: str) -> ModuleType:
    if entry_point not in ENTRY_POINTS:
        raise ValueError(f"unknown entry point {entry_point!r} (known: {', '.join(ENTRY_POINTS)})")
    return importlib.import_module(f"hrhub.reliability.hostile.{entry_point}")


def _chosen(only: Iterable[str] | None) -> list[str]:
    wanted = set(only) if only is not None else set(ENTRY_POINTS)
    for name in wanted:
        _module(name)  # an unknown name is an error, not an empty run
    return [name for name in ENTRY_POINTS if name in wanted]


def corpus(only: Iterable[str] | None = None) -> list[HostileInput]:
    """Every case of the chosen entry points (default all), without running any."""
    return [case for name in _chosen(only) for case in _module(name).cases()]


def open_world(entry_point: str, folder: Path) -> Any:
    """The context manager of one entry point's world, set up in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return _module(entry_point).world(folder)


def run_case(case: HostileInput, world: Any) -> Outcome:
    """Feed one input; anything it raises that the entry point did not turn into a clear
    outcome is a crash, with its traceback."""
    started = time.perf_counter()
    try:
        verdict = case.feed(world)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a process death is a crash
        verdict = Verdict(
            Kind.CRASHED,
            f"{type(exc).__name__}: {exc}"[:2000],
            detail=traceback.format_exc(),
        )
    return Outcome(
        entry_point=case.entry_point,
        name=case.name,
        problem=case.problem,
        kind=verdict.kind,
        message=verdict.message,
        names_record=verdict.names_record,
        neighbours_ok=verdict.neighbours_ok,
        seconds=round(time.perf_counter() - started, 3),
        detail=verdict.detail,
        known_gap=case.known_gap,
    )


def run_corpus(
    only: Iterable[str] | None = None, progress: Progress | None = None
) -> list[Outcome]:
    """Feed every hostile input of the chosen entry points (default: all of `ENTRY_POINTS`)
    to the real code and return one `Outcome` each, in corpus order.

    Never raises for an input: a crash is an outcome (kind `crashed`, traceback in
    `detail`). A world that cannot even be set up makes each of its inputs a crash too.
    `progress(done, total, outcome)` is called after each input. Runs in this process, in a
    temporary folder removed afterwards; simulators listen on 127.0.0.1 only while their
    entry point runs.
    """
    names = _chosen(only)
    plan = [(name, _module(name).cases()) for name in names]
    total = sum(len(cases) for _, cases in plan)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="hrhub-hostile-") as tmp:
        for name, cases in plan:
            try:
                with open_world(name, Path(tmp) / name) as world:
                    for case in cases:
                        outcomes.append(run_case(case, world))
                        if progress is not None:
                            progress(len(outcomes), total, outcomes[-1])
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                failed = f"{name}: its world could not be set up or taken down: {exc!r}"
                ran = {o.name for o in outcomes if o.entry_point == name}
                for case in cases:
                    if case.name in ran:
                        continue
                    outcomes.append(
                        Outcome(
                            case.entry_point,
                            case.name,
                            case.problem,
                            Kind.CRASHED,
                            failed[:2000],
                            detail=traceback.format_exc(),
                            known_gap=case.known_gap,
                        )
                    )
                    if progress is not None:
                        progress(len(outcomes), total, outcomes[-1])
    return outcomes
