"""review: results a person must confirm wait here, and a person's decision releases them.

An interview result marked `human_review` must not reach a target system before someone looked
at it (PIPL art. 24: no decision by automated means alone when the candidate asks, and the
family's policy for rejects). `hold_for_review` keeps the result and the writes it would make in
the ledger's review table, out of the outbox, so no push can send them. `decide` records the
person's decision: approve queues the held writes unchanged, change rewrites the decision (and
score) in them first, reject queues nothing. Decision, queued writes and audit entry are one
transaction, and a decided review cannot be decided again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from hrhub.ledger import Ledger, LedgerInputError, OutboxItem
from hrhub.ledger.tables import (
    JSONValueError,
    ReviewHold,
    ReviewStateError,
    ReviewStatus,
    to_json_value,
)
from hrhub.mapping import MappingError, load_mapping
from hrhub.models import DECISION_RECOMMENDATION, Decision, InterviewResult, Stage

# Canonical keys that carry the decision; a payload in canonical form is rewritten through them.
_CANONICAL_DECISION_KEYS = ("decision", "recommendation", "overall_score")


class ReviewDecision(StrEnum):
    """What a person can do with a held result."""

    APPROVE = "approve"
    CHANGE = "change"
    REJECT = "reject"


_STATUS_OF = {
    ReviewDecision.APPROVE: ReviewStatus.APPROVED,
    ReviewDecision.CHANGE: ReviewStatus.CHANGED,
    ReviewDecision.REJECT: ReviewStatus.REJECTED,
}

PendingWrite = tuple[str, str, str, Mapping[str, Any], str]
"""(target_system, operation, canonical_id, payload, mapping_version): one held write."""


@dataclass(frozen=True)
class Review:
    """One result waiting for a person, as the review list shows it."""

    result_id: str
    candidate_id: str
    proposed_decision: str
    overall_score: float | None
    reasons: list[str]
    since: datetime
    writes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "result_id": self.result_id,
            "candidate_id": self.candidate_id,
            "proposed_decision": self.proposed_decision,
            "overall_score": self.overall_score,
            "reasons": list(self.reasons),
            "since": self.since.isoformat(),
            "writes": self.writes,
        }


@dataclass(frozen=True)
class DecisionOutcome:
    """What a decision did: the review's new state and the writes it put in the outbox."""

    result_id: str
    status: str
    before: dict[str, Any]
    after: dict[str, Any] | None
    queued: list[OutboxItem]


def hold_for_review(
    ledger: Ledger, result: InterviewResult, *, payloads: Iterable[PendingWrite]
) -> bool:
    """Keep `result` and its pending writes out of the outbox until a person decides.

    Returns False when the result was already held (a retried run): nothing is duplicated.
    Raises ValueError for a result that needs no review, LedgerInputError (naming the record
    and field) for a payload JSON cannot carry.
    """
    if not result.human_review:
        raise ValueError(
            f"result {result.canonical_id!r} does not need review (human_review is false); "
            "queue its writes directly"
        )
    writes = [_held_write(result.canonical_id, i, write) for i, write in enumerate(payloads)]
    hold = ReviewHold(
        result_id=result.canonical_id,
        candidate_id=result.candidate_id,
        proposed_decision=result.decision.value,
        reasons=list(result.review_reasons),
        result=result.model_dump(mode="json"),
        writes=writes,
    )
    _, created = ledger.hold_review(hold)
    return created


def pending_reviews(ledger: Ledger) -> list[Review]:
    """Results waiting for a person, longest waiting first."""
    return [
        Review(
            result_id=hold.result_id,
            candidate_id=hold.candidate_id,
            proposed_decision=hold.proposed_decision,
            overall_score=hold.result.get("overall_score"),
            reasons=list(hold.reasons),
            since=hold.held_at,
            writes=len(hold.writes),
        )
        for hold in ledger.review_holds()
    ]


def decide(
    ledger: Ledger,
    result_id: str,
    *,
    decision: ReviewDecision | str,
    by: str,
    reason: str,
    new_decision: Decision | str | None = None,
    new_score: float | None = None,
) -> DecisionOutcome:
    """Record a person's decision on a held result and release (or drop) its writes.

    approve: the held writes go to the outbox unchanged. change: `new_decision` (and
    `new_score` if given) replace the proposed ones in the result and in the writes that carry
    them, then the writes go to the outbox. reject: nothing is written. Every decision is an
    audit entry (actor, result, decision, reason, before and after). Raises ReviewStateError for
    an unknown or already decided review, ValueError for an incomplete decision.
    """
    choice = _choice(decision)
    if not by.strip():
        raise ValueError(f"review of result {result_id!r}: who decided (by) is required")
    if not reason.strip():
        raise ValueError(f"review of result {result_id!r}: a reason is required")
    if choice is not ReviewDecision.CHANGE and (new_decision is not None or new_score is not None):
        raise ValueError(
            f"review of result {result_id!r}: a new decision or score goes with 'change' only"
        )
    hold = ledger.review_hold(result_id)
    if hold is None:
        raise ReviewStateError(result_id, "no such review")
    before = _decision_fields(hold.result)
    final: dict[str, Any] | None = dict(hold.result)
    writes: list[dict[str, Any]] = list(hold.writes)
    if choice is ReviewDecision.CHANGE:
        final = _changed_result(result_id, hold.result, new_decision, new_score)
        writes = [_rewritten(result_id, write, final) for write in hold.writes]
    elif choice is ReviewDecision.REJECT:
        final, writes = None, []
    after = _decision_fields(final) if final is not None else None
    _, queued = ledger.settle_review(
        result_id,
        status=_STATUS_OF[choice],
        by=by,
        reason=reason,
        writes=writes,
        final_result=final,
        audit_data={
            "result_id": result_id,
            "decision": choice.value,
            "reason": reason,
            "before": before,
            "after": after,
            "writes_released": len(writes),
            "writes_held": len(hold.writes),
        },
    )
    application = hold.result.get("application_id")
    if isinstance(application, str):
        # Decided: no longer waiting for a person. A result set aside leaves the application
        # interviewed, with no automated result standing.
        stage = Stage.INTERVIEWED if choice is ReviewDecision.REJECT else Stage.SCORED
        ledger.set_stage([application], stage.value)
    return DecisionOutcome(result_id, _STATUS_OF[choice].value, before, after, queued)


# --------------------------------------------------------------------------- helpers


def _choice(decision: ReviewDecision | str) -> ReviewDecision:
    try:
        return ReviewDecision(decision)
    except ValueError:
        known = ", ".join(d.value for d in ReviewDecision)
        raise ValueError(f"unknown review decision {decision!r} (known: {known})") from None


def _held_write(result_id: str, index: int, write: PendingWrite) -> dict[str, Any]:
    try:
        target_system, operation, canonical_id, payload, mapping_version = write
    except (TypeError, ValueError):
        raise LedgerInputError(
            result_id,
            f"payloads[{index}]",
            "expected (target_system, operation, canonical_id, payload, mapping_version)",
        ) from None
    if not isinstance(payload, Mapping):
        raise LedgerInputError(result_id, f"payloads[{index}].payload", "not a JSON object")
    try:
        clean = to_json_value(dict(payload), f"payloads[{index}].payload")
    except JSONValueError as exc:
        raise LedgerInputError(result_id, exc.path, exc.problem) from exc
    return {
        "target_system": str(target_system),
        "operation": str(operation),
        "canonical_id": str(canonical_id),
        "payload": clean,
        "mapping_version": str(mapping_version),
    }


def _decision_fields(result: Mapping[str, Any]) -> dict[str, Any]:
    return {key: result.get(key) for key in _CANONICAL_DECISION_KEYS}


def _changed_result(
    result_id: str,
    result: Mapping[str, Any],
    new_decision: Decision | str | None,
    new_score: float | None,
) -> dict[str, Any]:
    """The held result with the reviewer's decision (and score), validated as a result."""
    if new_decision is None:
        raise ValueError(f"review of result {result_id!r}: 'change' needs the new decision")
    try:
        decision = Decision(new_decision)
    except ValueError:
        known = ", ".join(d.value for d in Decision)
        raise ValueError(
            f"review of result {result_id!r}: unknown decision {new_decision!r} (known: {known})"
        ) from None
    changed = {
        **result,
        "decision": decision.value,
        "recommendation": DECISION_RECOMMENDATION[decision].value,
    }
    if new_score is not None:
        changed["overall_score"] = new_score
    try:
        return InterviewResult.model_validate(changed).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(result)"
        raise ValueError(
            f"review of result {result_id!r}, field {where!r}: {first['msg']}"
        ) from None


def _rewritten(
    result_id: str, write: Mapping[str, Any], final: Mapping[str, Any]
) -> dict[str, Any]:
    """One held write carrying the changed result.

    A write made by an out-mapping is mapped again from the changed result (the target's own
    spelling of the decision: NC result codes, SuccessFactors' picklist and 0-5 scale); a
    payload in canonical form, with no mapping file, has its decision keys replaced.
    """
    try:
        mapping = load_mapping(write["target_system"], write["operation"], "out")
    except FileNotFoundError:
        payload = dict(write["payload"])
        for key in _CANONICAL_DECISION_KEYS:
            if key in payload:
                payload[key] = final.get(key)
        return {**write, "payload": payload}
    try:
        payload = mapping.apply(dict(final), record_id=str(write["canonical_id"]))
    except MappingError as exc:
        raise ValueError(
            f"review of result {result_id!r}: the changed result does not map for "
            f"{write['target_system']} {write['operation']}: {exc}"
        ) from exc
    return {**write, "payload": payload, "mapping_version": mapping.version}
