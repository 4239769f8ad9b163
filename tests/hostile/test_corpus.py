"""The hostile-input corpus (issue 12): every input, fed to the real entry point, is refused or
quarantined with a clear message, never a crash; where it is a record, the message names the
record and the field; the good records next to it go through.

One test per input (ids `entry_point/name`). Each entry point's world (simulators, ledgers,
the web app) is built once, when its first input runs, and taken down when the run moves to
the next entry point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from hrhub.reliability.hostile import (
    ENTRY_POINTS,
    HostileInput,
    Kind,
    Outcome,
    corpus,
    open_world,
    run_case,
    run_corpus,
)

CASES = corpus()
# The entry points the issue lists, by the names the corpus files them under.
ISSUE_ENTRY_POINTS = {
    "payloads": "each system's payloads",
    "resumes": "resumes",
    "audio": "audio",
    "transcripts": "transcripts",
    "mappings": "mapping files",
    "cli": "CLI arguments",
    "web": "web forms",
    "links": "signed links",
}


class Worlds:
    """One entry point's world open at a time, opened on first use."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.stack = ExitStack()
        self.current: tuple[str, Any] | None = None

    def __call__(self, entry_point: str) -> Any:
        if self.current is None or self.current[0] != entry_point:
            self.close()
            folder = self.factory.mktemp(f"hostile-{entry_point}")
            self.current = (entry_point, self.stack.enter_context(open_world(entry_point, folder)))
        return self.current[1]

    def close(self) -> None:
        self.stack.close()
        self.stack = ExitStack()
        self.current = None


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    opened = Worlds(tmp_path_factory)
    yield opened
    opened.close()


def _param(case: HostileInput) -> Any:
    marks = [pytest.mark.xfail(reason=case.known_gap, strict=True)] if case.known_gap else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_a_hostile_input_is_refused_or_quarantined(case: HostileInput, worlds: Worlds) -> None:
    outcome = run_case(case, worlds(case.entry_point))
    assert outcome.kind is not Kind.CRASHED, f"{outcome.message}\n{outcome.detail}"
    assert outcome.kind in (Kind.QUARANTINED, Kind.REFUSED), (
        f"{case.problem}: not refused: {outcome.message}"
    )
    assert outcome.message.strip(), "refused without a word"
    assert "Traceback" not in outcome.message
    assert outcome.names_record is not False, f"names no record/field: {outcome.message}"
    assert outcome.neighbours_ok is not False, f"the good inputs were held up: {outcome.message}"
    assert outcome.ok


def test_the_corpus_holds_at_least_200_inputs_across_every_entry_point() -> None:
    per_entry_point = Counter(case.entry_point for case in CASES)
    assert len(CASES) >= 200, per_entry_point
    assert set(per_entry_point) == set(ENTRY_POINTS) == set(ISSUE_ENTRY_POINTS)
    thin = {name: n for name, n in per_entry_point.items() if n < 15}
    assert not thin, f"entry points with fewer than 15 inputs: {thin}"
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "two inputs share a name"
    assert all(case.problem.strip() for case in CASES), "an input does not say what is wrong"


def test_payloads_cover_every_registered_system() -> None:
    from connectors._core.registry import registry
    from hrhub.reliability.hostile.payloads import STREAMS

    payloads = [case for case in CASES if case.entry_point == "payloads"]
    fed = {STREAMS[case.name.split("/")[0]].system for case in payloads}
    assert fed == set(registry())


def test_run_corpus_reports_each_input_once_in_order_with_progress() -> None:
    seen: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, outcome: Outcome) -> None:
        seen.append((done, total, outcome.id))

    outcomes = run_corpus({"links"}, progress=progress)
    expected = [case.id for case in CASES if case.entry_point == "links"]
    assert [o.id for o in outcomes] == expected
    assert seen == [(i + 1, len(expected), id_) for i, id_ in enumerate(expected)]
    assert all(isinstance(o, Outcome) and o.ok for o in outcomes)


def test_an_exception_the_entry_point_lets_out_is_a_crash_with_its_traceback() -> None:
    def feed(_world: Any) -> Any:
        return {}["missing"]

    outcome = run_case(HostileInput("links", "probe", "raises", feed), None)
    assert outcome.kind is Kind.CRASHED and not outcome.ok
    assert "KeyError" in outcome.message and "Traceback" in outcome.detail


def test_an_unknown_entry_point_is_an_error_not_an_empty_run() -> None:
    with pytest.raises(ValueError, match="unknown entry point 'ftp'"):
        run_corpus({"ftp"})
