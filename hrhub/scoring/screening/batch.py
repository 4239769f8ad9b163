"""Screening entry points: one resume (`screen`) or a whole job's applicants (`screen_batch`).

The batch reads its resumes a chunk at a time, runs each language's pipeline over all their
lines with `nlp.pipe` in batches, then parses, scores and ranks. Parsing does not depend on
the job, so it is its own step (`parse_batch`, or `ParsePool` on several processes):
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
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any

from hrhub.scoring.resume.read import Unparseable
from hrhub.scoring.resume.records import ParsedText
from hrhub.scoring.screening.fit import score
from hrhub.scoring.screening.outcome import ScreeningOutcome
from hrhub.scoring.screening.profile import JobProfile
from hrhub.scoring.screening.select import rank

log = logging.getLogger(__name__)

BATCH_SIZE = 64  # lines per nlp.pipe batch: the CRF tags line by line, this bounds Docs held
_LINE = re.compile(r"[^\n]*\S[^\n]*")
_LINE_CHUNK = 5_000
_HAN = re.compile(r"[\u4e00-\u9fff]")
CHUNK = 1000  # resumes read and piped at once: bounds the memory the Docs take


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
    batch_size: int = BATCH_SIZE,
    processes: int = 1,
    earlier: Iterable[float] = (),
) -> list[ScreeningOutcome]:
    """Screen (candidate_id, resume) pairs, rank the scored, shortlist the top share.

    Returns the ranked outcomes (rank 1 first), then the unparseable ones by candidate id; the
    result does not depend on the input order. `processes`: see `parse_batch`. `earlier`: fit
    scores of the job's applicants screened before, among whom the new ones are ranked
    (`select.rank`).
    """
    parsed = parse_batch(
        items,
        zh_nlp=zh_nlp,
        en_nlp=en_nlp,
        today=today,
        batch_size=batch_size,
        processes=processes,
    )
    return screen_parsed(parsed, job, earlier=earlier)


def parse_batch(
    items: Iterable[tuple[str, bytes | str]],
    *,
    zh_nlp: Any = None,
    en_nlp: Any = None,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
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
        with ParsePool(processes, today=today, batch_size=batch_size) as pool:
            return pool.submit(items).result()
    parsed: list[tuple[str, Parsed]] = []
    for chunk in _chunks(iter(items), CHUNK):
        parsed += _parse_chunk(chunk, zh_nlp, en_nlp, today, batch_size)
    return parsed


class ParsePool:
    """Worker processes that parse resumes for one run: started on the first submission that
    is worth it and reused for every one after, so a run pays their start once.

    Workers are spawned, not forked: an Airflow task's process runs other threads, and a
    forked child can inherit a lock one of them held (forked workers once hung the screen
    task). Each loads the default pipelines once (~2 s). `submit` returns at once, so the
    caller can read and settle another chunk while the workers parse. With one process, inside
    a daemonic process (which may not have children: a task in a Celery worker), or while no
    submission has reached `parallel_from` resumes, it parses in the caller. A worker that
    dies (killed, out of memory) fails the run (`BrokenProcessPool`) rather than losing its
    resumes.
    """

    def __init__(
        self,
        processes: int = 1,
        *,
        today: date | None = None,
        batch_size: int = BATCH_SIZE,
        parallel_from: int = 1,
    ) -> None:
        self.processes = processes
        self._today = today
        self._batch_size = batch_size
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
            done = _parse_chunk(items, None, None, self._today, self._batch_size)
            return PendingParse([_done(done)])
        executor = self._started()
        # Two parts a worker: a part of long resumes does not leave the other worker idle.
        size = max(1, min(CHUNK // 4, -(-len(items) // (2 * self.processes))))
        return PendingParse(
            [
                executor.submit(_parse_chunk, part, None, None, self._today, self._batch_size)
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
    """A worker's start: the default pipelines, loaded once for all its parts."""
    _zh()
    _en()


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


def _parse_chunk(
    chunk: list[tuple[str, bytes | str]],
    zh_nlp: Any,
    en_nlp: Any,
    today: date | None,
    batch_size: int,
) -> list[tuple[str, Parsed]]:
    """Read all, pipe each language's lines in batches, then parse each resume.

    Bytes are decoded here (the parser reads the decoded text again); text goes to the parser
    as it is. Anything the parser sees that was not piped ahead runs then (`_Piped`).
    """
    from hrhub.scoring.resume import read_resume

    todo: dict[int, Any] = {}  # index -> what the parser gets and its language (or None)
    parsed: dict[int, Parsed] = {}
    for index, (_, resume) in enumerate(chunk):
        if isinstance(resume, str):  # the parser reads it; a cheap guess routes its lines
            todo[index] = _guess(resume)
            continue
        try:
            todo[index] = read_resume(resume)
        except Unparseable as exc:
            parsed[index] = Unreadable(exc.reason)
        except Exception as exc:
            parsed[index] = Unreadable(_internal(exc))
    pipelines = {
        language: piped(
            (zh_nlp or _zh()) if language == "zh" else (en_nlp or _en()),
            [text.text for text in todo.values() if text.language == language],
            batch_size,
        )
        for language in {text.language for text in todo.values()} - {None}
    }
    for index, text in todo.items():
        parsed[index] = _parse(
            text.text, pipelines.get("zh", zh_nlp), pipelines.get("en", en_nlp), today
        )
    return [(chunk[index][0], parsed[index]) for index in range(len(chunk))]


def _guess(resume: str) -> _Guess:
    from hrhub.scoring.resume import DEFAULT_MAX_BYTES

    big = len(resume) > DEFAULT_MAX_BYTES // 3  # maybe too large: the parser decides
    han = len(_HAN.findall(resume[:2000]))
    return _Guess(resume, None if big else "zh" if han > 20 else "en")


def piped(nlp: Any, texts: list[str], batch_size: int = BATCH_SIZE) -> _Piped:
    """`nlp` with the lines of `texts` run ahead through `nlp.pipe` in batches.

    The parser runs its pipeline line by line; running every line of many resumes in one
    `nlp.pipe` fills the batches. Repeated lines are run again (no cache across resumes), so
    a benchmark on templated resumes measures what real ones cost.
    """
    lines = [line for text in texts for line in _lines(text)]
    return _Piped(nlp, dict(zip(lines, nlp.pipe(lines, batch_size=batch_size), strict=True)))


@dataclass(frozen=True)
class _Guess:
    """A text resume's likely language: a wrong guess only costs the ahead-of-time batching."""

    text: str
    language: str | None


class _Piped:
    """A pipeline whose answers for known texts were computed ahead by `nlp.pipe`."""

    def __init__(self, nlp: Any, docs: dict[str, Any]) -> None:
        self._nlp = nlp
        self._docs = docs

    def __call__(self, text: str) -> Any:
        doc = self._docs.get(text)
        return doc if doc is not None else self._nlp(text)

    def pipe(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Any]:
        texts = list(texts)
        missing = [text for text in texts if text not in self._docs]
        computed = dict(zip(missing, self._nlp.pipe(missing, **kwargs), strict=True))
        for text in texts:
            doc = self._docs.get(text)
            yield doc if doc is not None else computed[text]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nlp, name)


def _lines(text: str) -> Iterator[str]:
    """The pieces the parser runs its pipeline on: non-blank lines, cut every 5,000 chars."""
    for line in _LINE.finditer(text):
        value = line.group()
        for start in range(0, len(value), _LINE_CHUNK):
            yield value[start : start + _LINE_CHUNK]


def _zh() -> Any:
    from hrhub.scoring.ner import load_resume_ner

    return load_resume_ner()


@lru_cache(maxsize=1)
def _en() -> Any:
    """One English rule pipeline per process: building one costs ~0.2 s (the flow screens
    every job of a run in its own batch)."""
    from hrhub.scoring.resume import english_pipeline

    return english_pipeline()


def _chunks(iterator: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(iterator, size)):
        yield chunk


def _internal(exc: Exception) -> str:
    return f"parser error: {type(exc).__name__}: {exc}"[:200]


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
