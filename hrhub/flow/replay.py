"""replay: send open dead letters through again once a person fixed what stopped them.

A push letter (a write a system refused, its outbox item dead) is requeued with the payload it
had, and closed only once requeued; the next push sends it. A letter of a write that did not map
(no outbox item) is mapped again with the current out-mapping and queued. An extract letter (a
record that did not map or validate) is mapped again from its stored raw payload with the
CURRENT in-mapping, since a person may have fixed the mapping; it is staged and closed if it now
maps, else it stays open with the new reason. A step letter (system `hrhub`: a resume that
could not be screened, an interview that could not be booked or ordered) sends its record back
to the stage the step reads, and the step's next run tries it again with what a person fixed
(the resume, the job profile, the interviewers' time). Every attempt is an audit entry.
Replaying twice changes nothing: closed letters are not replayed, outbox keys and staging are
idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from connectors._core.errors import ConfigError
from connectors._core.registry import StreamSpec, get_connector
from hrhub.ledger import DeadLetter, Ledger, LedgerInputError, OutboxStatus, StageInput
from hrhub.mapping import MappingError, load_mapping
from hrhub.models import model_for

EXTRACT, PUSH, STEP = "extract", "push", "step"
STAGES = (EXTRACT, PUSH, STEP)
HUB = "hrhub"  # the system name of the hub's own steps in dead letters
# The stage each step reads, per entity of its letters: a replayed record goes back there.
RETRY_STAGE = {"screening_result": "extracted", "interview": "extracted"}

REPLAYED = "replayed"
STILL_FAILING = "still_failing"
WOULD_REPLAY = "would_replay"  # dry run: it maps (or its item can be requeued) now
ALREADY_REPLAYED = "already_replayed"


@dataclass
class ReplayOutcome:
    """What happened to one dead letter."""

    letter_id: int
    system: str
    stage: str
    entity: str
    record_id: str
    status: str
    reason: str


@dataclass
class ReplaySummary:
    """Outcomes of one replay run, and their counts per system."""

    dry_run: bool = False
    outcomes: list[ReplayOutcome] = field(default_factory=list)

    def by_system(self) -> dict[str, dict[str, Any]]:
        counts: dict[str, dict[str, Any]] = {}
        for outcome in self.outcomes:
            row = counts.setdefault(
                outcome.system,
                {
                    REPLAYED: 0,
                    WOULD_REPLAY: 0,
                    STILL_FAILING: 0,
                    ALREADY_REPLAYED: 0,
                    "reasons": [],
                },
            )
            row[outcome.status] += 1
            if outcome.status == STILL_FAILING:
                row["reasons"].append(f"#{outcome.letter_id} {outcome.reason}")
        return dict(sorted(counts.items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "systems": self.by_system(),
            "outcomes": [asdict(o) for o in self.outcomes],
        }


class _StillFailing(Exception):
    """A replay that cannot go through yet; its message is the new reason."""

    def __init__(
        self, reason: str, field: str | None = None, error_class: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.error_class = error_class


def letter_stage(letter: DeadLetter) -> str:
    """'push' for a write (outbox item, or an operation that did not map), 'step' for a hub
    step's letter, else 'extract'."""
    if letter.system == HUB and letter.outbox_key is None:
        return STEP
    if letter.outbox_key is not None:
        return PUSH
    return EXTRACT if _streams_for(letter) else PUSH


def select_letters(
    ledger: Ledger,
    *,
    system: str | None = None,
    stage: str | None = None,
    ids: Iterable[int] = (),
) -> list[DeadLetter]:
    """The letters a replay or export works on: open ones, or exactly `ids` (any state).

    Raises KeyError naming ids that do not exist, ValueError for an unknown stage.
    """
    if stage is not None and stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r} (known: {', '.join(STAGES)})")
    wanted = list(dict.fromkeys(ids))
    letters = ledger.dead_letters(open_only=not wanted)
    if wanted:
        found = {letter.id: letter for letter in letters}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise KeyError(f"no dead letter with id {', '.join(map(str, missing))}")
        letters = [found[i] for i in sorted(wanted)]
    return [
        letter
        for letter in letters
        if (system is None or letter.system == system)
        and (stage is None or letter_stage(letter) == stage)
    ]


def replay(
    ledger: Ledger,
    *,
    by: str,
    system: str | None = None,
    stage: str | None = None,
    ids: Iterable[int] = (),
    dry_run: bool = False,
) -> ReplaySummary:
    """Re-drive the selected dead letters (see the module docstring); `by` is the audit actor.

    A dry run writes nothing, not even the audit log, and says what would happen.
    """
    summary = ReplaySummary(dry_run=dry_run)
    batch_id = f"replay-{uuid.uuid4().hex}"
    for letter in select_letters(ledger, system=system, stage=stage, ids=ids):
        summary.outcomes.append(_replay_one(ledger, letter, by, dry_run, batch_id))
    return summary


def _replay_one(
    ledger: Ledger, letter: DeadLetter, by: str, dry_run: bool, batch_id: str
) -> ReplayOutcome:
    assert letter.id is not None
    stage = letter_stage(letter)
    outcome = ReplayOutcome(
        letter.id, letter.system, stage, letter.entity, letter.record_id, REPLAYED, ""
    )
    if letter.replayed_at is not None:
        outcome.status, outcome.reason = ALREADY_REPLAYED, "closed earlier; nothing to do"
        return outcome
    try:
        if stage == PUSH and letter.outbox_key is not None:
            outcome.reason = _requeue(ledger, letter, dry_run)
        elif stage == PUSH:
            outcome.reason = _remap_write(ledger, letter, dry_run)
        elif stage == STEP:
            outcome.reason = _retry_step(ledger, letter, dry_run)
        else:
            outcome.reason = _remap_record(ledger, letter, dry_run, batch_id)
    except _StillFailing as exc:
        outcome.status, outcome.reason = STILL_FAILING, exc.reason
        if not dry_run:
            ledger.renew_dead_letter(
                letter.id, exc.reason, field=exc.field, error_class=exc.error_class
            )
    else:
        if dry_run:
            outcome.status = WOULD_REPLAY
        else:
            ledger.mark_replayed(letter.id)
    if not dry_run:
        ledger.audit(
            by,
            "dead_letter.replay",
            f"dead_letter:{letter.id}",
            {
                "system": letter.system,
                "stage": stage,
                "entity": letter.entity,
                "record_id": letter.record_id,
                "outcome": outcome.status,
                "reason": outcome.reason,
                "previous_reason": letter.reason,
                "outbox_key": letter.outbox_key,
            },
        )
    return outcome


def _requeue(ledger: Ledger, letter: DeadLetter, dry_run: bool) -> str:
    """Put the refused write back in the queue with the payload it had."""
    assert letter.outbox_key is not None
    item = ledger.outbox_item(letter.outbox_key)
    if item is None:
        raise _StillFailing(
            f"outbox item {letter.outbox_key} of {letter.entity} {letter.record_id} is gone; "
            "nothing to requeue"
        )
    if item.status == OutboxStatus.DONE.value:
        return f"{letter.entity} {letter.record_id} already landed in {letter.system}"
    if not dry_run:
        ledger.requeue(item.idempotency_key)
    return f"{letter.entity} {letter.record_id} requeued for {letter.system}"


def _remap_write(ledger: Ledger, letter: DeadLetter, dry_run: bool) -> str:
    """Map a write that did not map before with the current out-mapping, and queue it."""
    record = letter.payload if isinstance(letter.payload, dict) else None
    if record is None:
        raise _StillFailing(f"{letter.entity} {letter.record_id}: no record stored to map again")
    try:
        mapping = load_mapping(letter.system, letter.entity, "out")
        payload = mapping.apply(dict(record), record_id=letter.record_id)
    except (FileNotFoundError, ValueError) as exc:
        raise _StillFailing(str(exc), getattr(exc, "field", None), type(exc).__name__) from None
    if not dry_run:
        ledger.enqueue(letter.system, letter.entity, letter.record_id, payload, mapping.version)
    return f"{letter.entity} {letter.record_id} mapped with {mapping.version} and queued"


def _retry_step(ledger: Ledger, letter: DeadLetter, dry_run: bool) -> str:
    """Send a step's record back to the stage the step reads; its next run tries again."""
    found = ledger.get_records([letter.record_id])
    if found and found[0].stage == "dead_letter":
        stage = RETRY_STAGE.get(letter.entity, "extracted")
        if not dry_run:
            ledger.set_stage([letter.record_id], stage)
        return f"{letter.record_id} back at stage {stage}; the next run retries it"
    # The step never moved it (an application waiting for a slot stays shortlisted): closing
    # the letter is what lets the step take it again.
    return f"{letter.record_id}: the next run of its step retries it"


def _remap_record(ledger: Ledger, letter: DeadLetter, dry_run: bool, batch_id: str) -> str:
    """Map an extracted record's raw payload with the current in-mapping, and stage it."""
    raw = letter.payload if isinstance(letter.payload, dict) else None
    if raw is None:
        raise _StillFailing(f"record {letter.record_id}: no raw payload stored to map again")
    model = model_for(letter.entity)
    streams = _streams_for(letter)
    # Several streams may read one entity (NC persons, YonBIP staff): the one whose key
    # rebuilds the letter's record id produced it.
    own = [
        stream
        for stream in streams
        if model.make_canonical_id(letter.system, str(raw.get(stream.primary_key, "?")))
        == letter.record_id
    ]
    failure: _StillFailing | None = None
    for stream in own or streams:
        try:
            mapping = load_mapping(letter.system, letter.entity, "in", name=stream.mapping_name)
            canonical = model.model_validate(
                {**mapping.apply(raw, record_id=letter.record_id), "raw": raw}
            )
        except MappingError as exc:
            failure = failure or _StillFailing(str(exc), exc.field, type(exc).__name__)
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(record)"
            reason = f"record {letter.record_id} field {where!r}: {first['msg']}"
            failure = failure or _StillFailing(reason, where, type(exc).__name__)
            continue
        except FileNotFoundError as exc:
            failure = failure or _StillFailing(str(exc), None, type(exc).__name__)
            continue
        if not dry_run:
            _stage(ledger, letter, canonical, batch_id)
        return f"record {letter.record_id} maps with {mapping.version}; staged"
    raise failure or _StillFailing(
        f"record {letter.record_id}: no stream of {letter.system} reads {letter.entity}"
    )


def _stage(ledger: Ledger, letter: DeadLetter, canonical: Any, batch_id: str) -> None:
    record = StageInput(
        canonical_id=canonical.canonical_id,
        entity=letter.entity,
        source_system=letter.system,
        remote_id=canonical.remote_id,
        modified_at=canonical.modified_at,
        payload=canonical.model_dump(mode="json"),
    )
    try:
        result = ledger.stage([record], batch_id=batch_id)
    except LedgerInputError as exc:  # pragma: no cover - stage() dead-letters bad inputs
        raise _StillFailing(str(exc), exc.field, type(exc).__name__) from None
    if result.rejected:
        raise _StillFailing(
            f"record {letter.record_id}: the ledger rejected it again (see the newest letter)"
        )


def _streams_for(letter: DeadLetter) -> list[StreamSpec]:
    """The streams of the letter's system that read its entity (none: not an extract letter)."""
    try:
        spec = get_connector(letter.system)
    except (ConfigError, KeyError, ModuleNotFoundError):
        return []
    return [stream for stream in spec.streams if stream.entity == letter.entity]
