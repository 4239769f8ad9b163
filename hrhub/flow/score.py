"""score: turn every analysed interview in the ledger into an InterviewResult, once.

Each staged `interview_analysis` with no staged `interview_result` for its interview is scored
with its job family's rubric (the room's `job_family`). Audio counts only where the candidate
consented and the room kept a recording: its bytes come from `recordings(session_id)` and are
measured; an unusable or undownloadable recording becomes the result's `audio_error` (and so a
person's review), never a crash. The result's writes go to the application's own system when it
has an interview-result operation: results a person must confirm are held for review with the
payloads they would write, the others go to the outbox.

Exactly once in effect: the writes are queued (or held) before the result is staged, and both
are idempotent, so a run killed between the two scores the interview again to the same bytes
and duplicates nothing; once the result is staged, later runs skip the interview. An analysis
that cannot be scored (no or unknown job family) goes to dead letters naming the record and the
field; a later run does not letter the same input again, and scores it once it changed.

A run reads only the analyses waiting at stage `extracted` (an indexed query), never the
whole history: an analysis whose interview has a result moves to stage `scored`, and staging
changed content (a re-analysis) puts it back at `extracted`. An unscorable one stays waiting,
so it is tried again once its dead letter is replayed or its input changed.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from connectors._core.errors import AuthError, ConfigError, ConnectorError
from hrhub.flow.push import enqueue_writes
from hrhub.flow.review import PendingWrite, hold_for_review
from hrhub.ledger import Ledger, StagedRecord, StageInput
from hrhub.mapping import MappingError, load_mapping
from hrhub.models import InterviewAnalysis, InterviewResult, Stage
from hrhub.scoring.audio import UnusableAudio, analyse_audio
from hrhub.scoring.interview import (
    FAMILIES,
    CompetencyModel,
    CompetencyModelError,
    load_competency_model,
    score_interview,
)

__all__ = [
    "RESULT_OPERATIONS",
    "SCORE_ERROR",
    "ScoreSummary",
    "result_operation",
    "score_interviews",
]

# The operation that records an interview result in each system, per product of a system that
# serves several (Yonyou NC or YonBIP); None: the system's only product.
RESULT_OPERATIONS: dict[tuple[str, str | None], str] = {
    ("successfactors", None): "interview_assessment",
    ("yonyou", "nc"): "nc_interview_result",
    ("yonyou", "bip"): "bip_interview_result",
}
SCORE_ERROR = "UnscorableAnalysis"  # error class of the dead letters this step writes
SOURCE_SYSTEM = "interview_room"
ANALYSIS = InterviewAnalysis.entity
RESULT = InterviewResult.entity

Recordings = Callable[[str], bytes]
T = TypeVar("T")


@dataclass
class ScoreSummary:
    """What one scoring run did; travels through XCom, so only plain values."""

    batch_id: str
    scored: int = 0  # results staged, the held ones included
    held_for_review: int = 0  # of those, newly held for a person
    queued_writes: int = 0
    dead_letters: int = 0
    skipped: int = 0  # already scored, or the same unscorable input already in dead letters
    audio_analysed: int = 0
    audio_errors: int = 0
    no_target: int = 0  # results whose application's system takes no interview result
    queued_by_target: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def result_operation(
    application_id: str, flavors: Mapping[str, str | None] | None = None
) -> tuple[str, str] | None:
    """(system, operation) that records a result of this application, or None.

    The system is the one the application came from (the prefix of its canonical id);
    `flavors` names the product of a multi-product system's connection (default: NC for Yonyou).
    """
    system = application_id.split(":", 1)[0]
    flavor = (flavors or {}).get(system)
    operation = RESULT_OPERATIONS.get((system, None)) or RESULT_OPERATIONS.get(
        (system, flavor or _DEFAULT_FLAVORS.get(system))
    )
    return (system, operation) if operation else None


_DEFAULT_FLAVORS = {"yonyou": "nc"}
# What `load_competency_model` takes as a family's name (anything else it opens as a path).
_FAMILY_NAME = re.compile(r"[a-z][a-z0-9_]*")


class _Unscorable(Exception):
    """An analysis the rubric cannot take; the message names the record and the field."""

    def __init__(self, record_id: str, field: str, problem: str) -> None:
        super().__init__(f"interview_analysis {record_id} field {field!r}: {problem}")
        self.field = field


@dataclass
class _Scored:
    result: InterviewResult
    target: tuple[str, str] | None


def score_interviews(
    ledger: Ledger,
    *,
    recordings: Recordings | None,
    batch_size: int = 200,
    flavors: Mapping[str, str | None] | None = None,
) -> ScoreSummary:
    """Score every analysed interview not scored yet (see the module docstring).

    `recordings(session_id)` returns a recording's WAV bytes (None: audio is not used);
    connection-wide failures (auth, configuration) propagate so the task fails and retries,
    a failure of one recording only sends that interview to a person.
    """
    summary = ScoreSummary(batch_id=f"score-{uuid.uuid4().hex}")
    # Scored in earlier runs, so not read again: still counted as skipped, as when every
    # run read them.
    summary.skipped = ledger.count_in_stage(ANALYSIS, Stage.SCORED.value)
    # In canonical-id order, the order the step always took them in.
    waiting = sorted(ledger.ids_in_stage(ANALYSIS, Stage.EXTRACTED.value))
    if not waiting:
        return summary
    # Interview ids only, read in SQL: no result payload is loaded.
    scored_interviews = {str(iid) for (iid,) in ledger.staged_fields(RESULT, ["interview_id"])}
    letters = _open_letters(ledger)
    models: dict[str, CompetencyModel | CompetencyModelError] = {}
    for ids in _batches(iter(waiting), batch_size):
        batch = ledger.get_records(ids)
        done: list[_Scored] = []
        had_result: list[str] = []
        for row in batch:
            if str(row.payload.get("interview_id")) in scored_interviews:
                summary.skipped += 1
                had_result.append(row.canonical_id)
                continue
            earlier = letters.get(row.canonical_id)
            if earlier is not None and earlier[1] == row.payload.get("raw"):
                summary.skipped += 1  # the same input would fail the same way
                continue
            try:
                result = _score_one(row, models, recordings, summary)
            except _Unscorable as exc:
                _dead_letter(ledger, row, exc)
                summary.dead_letters += 1
                continue
            if earlier is not None:
                ledger.mark_replayed(earlier[0])  # its input changed and now scores
            done.append(_Scored(result, result_operation(result.application_id, flavors)))
            scored_interviews.add(result.interview_id)
            had_result.append(row.canonical_id)
        _write_batch(ledger, done, summary)
        # After the results are staged: a run killed before this reads them again and skips.
        ledger.set_stage(had_result, Stage.SCORED.value)
    return summary


def _batches(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _open_letters(ledger: Ledger) -> dict[str, tuple[int, Any]]:
    """Open scoring dead letters by record id: (letter id, the raw payload that failed)."""
    return {
        letter.record_id: (letter.id, letter.payload)
        for letter in ledger.dead_letters(open_only=True)
        if letter.error_class == SCORE_ERROR and letter.id is not None
    }


def _score_one(
    row: StagedRecord,
    models: dict[str, CompetencyModel | CompetencyModelError],
    recordings: Recordings | None,
    summary: ScoreSummary,
) -> InterviewResult:
    try:
        analysis = InterviewAnalysis.model_validate(row.payload)
    except ValueError as exc:
        raise _Unscorable(row.canonical_id, "(record)", f"not a valid analysis: {exc}") from exc
    model = _model_for(analysis, models)
    audio, audio_error = _audio(analysis, recordings)
    if audio is not None:
        summary.audio_analysed += 1
    if audio_error is not None:
        summary.audio_errors += 1
    return score_interview(analysis, model, audio=audio, audio_error=audio_error).result


def _model_for(
    analysis: InterviewAnalysis, models: dict[str, CompetencyModel | CompetencyModelError]
) -> CompetencyModel:
    family = analysis.raw.get("job_family")
    if not isinstance(family, str) or not family.strip():
        raise _Unscorable(
            analysis.canonical_id,
            "job_family",
            f"missing (got {family!r}); the rubric is chosen by the job's family",
        )
    if not _FAMILY_NAME.fullmatch(family):
        # A name, never a path: the room's payload must not choose a file for the hub to read.
        raise _Unscorable(
            analysis.canonical_id,
            "job_family",
            f"unknown job family {family[:80]!r}; known: {', '.join(FAMILIES)}",
        )
    if family not in models:
        try:
            models[family] = load_competency_model(family)
        except CompetencyModelError as exc:
            models[family] = exc
    model = models[family]
    if isinstance(model, CompetencyModelError):
        raise _Unscorable(analysis.canonical_id, "job_family", str(model))
    return model


def _audio(
    analysis: InterviewAnalysis, recordings: Recordings | None
) -> tuple[dict[str, float | int | None] | None, str | None]:
    """(features, None), (None, why the recording was unusable) or (None, None): no audio."""
    if recordings is None or not analysis.consent.audio_consent or not analysis.audio_ref:
        return None, None
    try:
        data = recordings(analysis.remote_id)
    except (AuthError, ConfigError):
        raise  # the connection, not this recording: fail the task
    except ConnectorError as exc:
        return None, f"recording could not be downloaded ({type(exc).__name__}: {exc})"
    try:
        return analyse_audio(data).as_dict(), None
    except UnusableAudio as exc:
        return None, f"unusable recording ({exc})"


def _dead_letter(ledger: Ledger, row: StagedRecord, exc: _Unscorable) -> None:
    ledger.dead_letter(
        system=SOURCE_SYSTEM,
        entity=ANALYSIS,
        record_id=row.canonical_id,
        reason=str(exc),
        payload=row.payload.get("raw") or {},
        field=exc.field,
        error_class=SCORE_ERROR,
    )


def _write_batch(ledger: Ledger, done: list[_Scored], summary: ScoreSummary) -> None:
    """Queue or hold the batch's writes, then stage its results (see the module docstring)."""
    direct: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in done:
        result = item.result
        if item.target is None:
            summary.no_target += 1
        elif not result.human_review:
            direct[item.target].append(result.model_dump(mode="json"))
        if result.human_review and hold_for_review(ledger, result, payloads=_pending_writes(item)):
            summary.held_for_review += 1
    for (system, operation), records in sorted(direct.items()):
        queued = enqueue_writes(system, operation, records, ledger=ledger)
        summary.queued_writes += queued.queued
        summary.dead_letters += queued.dead_letters
        summary.queued_by_target[system] = summary.queued_by_target.get(system, 0) + queued.queued
    if done:
        ledger.stage([StageInput.of(item.result) for item in done], batch_id=summary.batch_id)
        summary.scored += len(done)
        # The applications' flow stage: waiting for a person, or scored and on its way out.
        review = [i.result.application_id for i in done if i.result.human_review]
        scored = [i.result.application_id for i in done if not i.result.human_review]
        ledger.set_stage(review, Stage.IN_REVIEW.value)
        ledger.set_stage(scored, Stage.SCORED.value)
        ledger.set_stage([i.result.interview_id for i in done], Stage.INTERVIEWED.value)


def _pending_writes(item: _Scored) -> list[PendingWrite]:
    """The writes a held result would make, mapped now; one that does not map (an unscored
    interview has no score to write) is left out and the reviewer sees the result alone."""
    if item.target is None:
        return []
    system, operation = item.target
    mapping = load_mapping(system, operation, "out")
    record = item.result.model_dump(mode="json")
    try:
        payload = mapping.apply(record, record_id=item.result.canonical_id)
    except MappingError:
        return []
    return [(system, operation, item.result.canonical_id, payload, mapping.version)]
