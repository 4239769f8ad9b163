"""Screening entry points: one resume (`screen`) or a whole job's applicants (`screen_batch`).

The batch parses each resume (the parser runs its language's pipeline line by line), then
scores and ranks. Parsing does not depend on the job, so it is its own step (`parse_batch`,
or `ParsePool` on several processes):
the flow parses every job's applicants of a run together and scores each job's share
(`screen_parsed`). A resume that cannot be read becomes an `unparseable` outcome with its
reason; so does one the parser fails on unexpectedly (the reason names the error), so one bad
file never stops a job's screening and is never a silent zero. A missing NER model is an
install problem and raises.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import types
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from hrhub.scoring.resume.read import Unparseable
from hrhub.scoring.resume.records import ParsedText
from hrhub.scoring.screening.fit import score
from hrhub.scoring.screening.outcome import ScreeningOutcome
from hrhub.scoring.screening.profile import JobProfile
from hrhub.scoring.screening.select import rank

log = logging.getLogger(__name__)

PART = 250  # resumes a worker parses per task at most: results come back as parts finish


@dataclass(frozen=True)
class Unreadable:
    """Why one resume could not be parsed: `Unparseable`'s reason, or the parser's error."""

    reason: str


Parsed = ParsedText | Unreadable
"""One resume's parse, or why it could not be read."""


def screen(
    resume: bytes | str,
    job: JobProfile,
    *,
    candidate_id: str,
    zh_nlp: Any = None,
    en_nlp: Any = None,
    today: date | None = None,
) -> ScreeningOutcome:
    """Screen one resume: scored (not ranked: ranks need the other applicants) or unparseable."""
    parsed = _parse(resume, zh_nlp, en_nlp, today)
    return _scored(candidate_id, parsed, job)


def screen_batch(
    items: Iterable[tuple[str, bytes | str]],
    job: JobProfile,
    *,
    zh_nlp: Any = None,
    en_nlp: Any = None,
    today: date | None = None,
    processes: int = 1,
    earlier: Iterable[float] = (),
) -> list[ScreeningOutcome]:
    """Screen (candidate_id, resume) pairs, rank the scored, shortlist the top share.

    Returns the ranked outcomes (rank 1 first), then the unparseable ones by candidate id; the
    result does not depend on the input order. `processes`: see `parse_batch`. `earlier`: fit
    scores of the job's applicants screened before, among whom the new ones are ranked
    (`select.rank`).
    """
    parsed = parse_batch(items, zh_nlp=zh_nlp, en_nlp=en_nlp, today=today, processes=processes)
    return screen_parsed(parsed, job, earlier=earlier)


def parse_batch(
    items: Iterable[tuple[str, bytes | str]],
    *,
    zh_nlp: Any = None,
    en_nlp: Any = None,
    today: date | None = None,
    processes: int = 1,
) -> list[tuple[str, Parsed]]:
    """Parse (candidate_id, resume) pairs, in order: each a `ParsedText`, or `Unreadable` with
    why it cannot be read (the parser failing unexpectedly is one too, naming its error). No
    job is needed: one parse serves every job the candidate applied to.

    `processes` > 1 parses on that many worker processes (`ParsePool`) with the default
    pipelines; it pays where there are idle cores and hundreds of resumes. Pipelines passed in
    are used in this process.
    """
    if processes > 1 and zh_nlp is None and en_nlp is None:
        with ParsePool(processes, today=today) as pool:
            return pool.submit(items).result()
    return _parse_part(list(items), zh_nlp, en_nlp, today)


class ParsePool:
    """Worker processes that parse resumes for one run: started on the first submission that
    is worth it and reused for every one after, so a run pays their start once.

    Workers are spawned, not forked: an Airflow task's process runs other threads, and a
    forked child can inherit a lock one of them held (forked workers once hung the screen
    task). Each loads the default pipelines once (~2 s). `submit` returns at once, so the
    caller can read and settle another chunk while the workers parse. With one process, inside
    a daemonic process (which may not have children), or while no
    submission has reached `parallel_from` resumes, it parses in the caller. A worker that
    dies (killed, out of memory) fails the run (`BrokenProcessPool`) rather than losing its
    resumes.
    """

    def __init__(
        self,
        processes: int = 1,
        *,
        today: date | None = None,
        parallel_from: int = 1,
    ) -> None:
        self.processes = processes
        self._today = today
        self._parallel_from = parallel_from
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, items: Iterable[tuple[str, bytes | str]]) -> PendingParse:
        """Start parsing `items`; the answer, in order, is `PendingParse.result()`."""
        items = list(items)
        if (
            self.processes < 2
            or (self._executor is None and len(items) < self._parallel_from)
            or multiprocessing.current_process().daemon
        ):
            return PendingParse([_done(_parse_part(items, None, None, self._today))])
        executor = self._started()
        # Two parts a worker: a part of long resumes does not leave the other worker idle.
        size = max(1, min(PART, -(-len(items) // (2 * self.processes))))
        with _main_script_hidden():  # a submit may start a worker
            return PendingParse(
                [
                    executor.submit(_parse_part, part, None, None, self._today)
                    for part in _chunks(iter(items), size)
                ]
            )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            log.info("parsing resumes on %d worker processes", self.processes)
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_load_pipelines,
            )
        return self._executor


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """While workers start, `__main__` is a blank module, so they do not run the host's main
    script again (multiprocessing re-runs it in a spawned child). The workers need nothing
    from it, and a host's script can fail there: `airflow`'s reads the metadata database
    settings, which an Airflow 3 task process does not have."""
    host = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = host


@dataclass(frozen=True)
class PendingParse:
    """A submission's parts being parsed; `result()` waits for them and joins them in order."""

    parts: list[Future[list[tuple[str, Parsed]]]]

    def result(self) -> list[tuple[str, Parsed]]:
        return [pair for part in self.parts for pair in part.result()]


def _done(value: list[tuple[str, Parsed]]) -> Future[list[tuple[str, Parsed]]]:
    future: Future[list[tuple[str, Parsed]]] = Future()
    future.set_result(value)
    return future


def _load_pipelines() -> None:
    """A worker's start: the parser's default pipelines, loaded once for all its parts."""
    from hrhub.scoring.ner import load_resume_ner
    from hrhub.scoring.resume.english import default_english

    load_resume_ner()
    default_english()


def screen_parsed(
    parsed: Iterable[tuple[str, Parsed]], job: JobProfile, *, earlier: Iterable[float] = ()
) -> list[ScreeningOutcome]:
    """Score parsed resumes for `job`, rank them and shortlist the top share (`screen_batch`
    without the parsing); a candidate id may appear once."""
    outcomes: list[ScreeningOutcome] = []
    seen: set[str] = set()
    for candidate_id, one in parsed:
        if candidate_id in seen:
            raise ValueError(f"candidate {candidate_id!r} appears twice in the batch")
        seen.add(candidate_id)
        outcomes.append(_scored(candidate_id, one, job))
    return rank(outcomes, job.shortlist_share, earlier)


def _parse(resume: bytes | str, zh_nlp: Any, en_nlp: Any, today: date | None) -> Parsed:
    """One resume parsed, or why not; only a missing NER model (an install problem) raises."""
    from hrhub.scoring.resume import parse_resume

    try:
        return parse_resume(resume, zh_nlp=zh_nlp, en_nlp=en_nlp, today=today)
    except Unparseable as exc:
        return Unreadable(exc.reason)
    except FileNotFoundError:  # the NER model is missing: an install problem, not the resume's
        raise
    except Exception as exc:  # one resume must not stop the job's screening
        return Unreadable(_internal(exc))


def _scored(candidate_id: str, parsed: Parsed, job: JobProfile) -> ScreeningOutcome:
    if isinstance(parsed, Unreadable):
        return ScreeningOutcome.unparseable(candidate_id, parsed.reason)
    return score(parsed, job, candidate_id=candidate_id)


def _parse_part(
    part: list[tuple[str, bytes | str]], zh_nlp: Any, en_nlp: Any, today: date | None
) -> list[tuple[str, Parsed]]:
    return [(candidate_id, _parse(resume, zh_nlp, en_nlp, today)) for candidate_id, resume in part]


def _chunks(iterator: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(iterator, size)):
        yield chunk


def _internal(exc: Exception) -> str:
    return f"parser error: {type(exc).__name__}: {exc}"[:200]


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
