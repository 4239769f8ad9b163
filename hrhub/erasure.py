"""The right to erasure: a candidate is removed from the hub and every system is asked to do
the same, each step in the audit log.

`erase_candidate(ledger, "successfactors:candidate:42", actor=..., clients=...)`:

1. the ledger part (hrhub.ledger.erasure): the candidate's staged records, writes, receipts,
   dead letters and review holds are deleted; a tombstone of ids remains, so a later extract
   does not bring them back and the systems still to ask are not forgotten;
2. every system the hub read the candidate from or wrote them to is asked, as its
   connector.yaml `erasure` rules say: by its API where it can delete (the interview room
   forgets the candidate; DingTalk recalls their notifications), else the record is handed to
   a person with the instruction (SuccessFactors' OData cannot delete candidates: a Data
   Retention Management purge). A system that declares a candidate-wide erase (kind
   "candidate", by API) is always asked, with the hub's candidate id;
3. each system's answer is an outcome: erased, not found (already gone), manual (with what the
   person does) or failed (with the error). Failed answers stay on the tombstone and are asked
   again by the next call, so running an erasure twice is safe and the second run finishes
   what the first could not; `unfinished_erasures` lists what waits.

Audit entries (subject: the candidate's canonical id; ids and counts only, never a name):
`erasure.requested`, `erasure.ledger`, one `erasure.system` per system asked, and
`erasure.completed` once nothing is left to ask. A dry run writes nothing, not even the audit
log, and says what would happen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from connectors._core.erasure import (
    API,
    ERASED,
    FAILED,
    MANUAL,
    MANUAL_HOW,
    NOT_FOUND,
    SETTLED,
    SUBJECT,
    ErasureRule,
    erasure_rule,
    erasure_rules,
)
from connectors._core.errors import ConfigError
from connectors._core.registry import get_connector, registry
from hrhub.ledger import Ledger
from hrhub.ledger.erasure import (
    HUB_SYSTEM,
    PENDING,
    Links,
    StagedKey,
    SubjectRecords,
    Target,
    erase_subject,
    find_subject,
    record_answers,
    tombstone,
    unfinished,
)
from hrhub.ledger.tables import ErasedSubject
from hrhub.models import Application, Candidate, Interview, PreHire

__all__ = [
    "ALREADY_ERASED",
    "COMPLETE",
    "DRY_RUN",
    "WAITING",
    "WOULD_ASK",
    "ErasureReport",
    "SystemOutcome",
    "connections",
    "erase_candidate",
    "hub_links",
    "unfinished_erasures",
]

COMPLETE = "erased"  # every system answered: erased, already gone, or handed to a person
WAITING = "pending"  # a system failed (or a write was in flight): run the erasure again
ALREADY_ERASED = "already_erased"  # nothing left to do: the call changed nothing
DRY_RUN = "dry_run"
WOULD_ASK = "would_ask"  # a dry run's answer for a record its system's API would be asked about
DETAIL_CHARS = 300  # of an answer's detail in the audit log

Clients = Callable[[str], Any]


@dataclass
class SystemOutcome:
    """One system's answer to an erasure: its status (the worst of its records') and, per
    record, the kind, remote id, status and detail."""

    system: str
    status: str
    how: str  # api, manual, or "api, manual" when both
    records: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ErasureReport:
    """What an erasure call did (or, dry, would do)."""

    subject_id: str
    status: str
    dry_run: bool = False
    ledger: dict[str, int] = field(default_factory=dict)  # rows removed by this call
    in_flight: int = 0  # writes a push held: payload wiped, removed by a later call
    systems: list[SystemOutcome] = field(default_factory=list)
    requested_by: str | None = None
    requested_at: str | None = None
    completed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def erase_candidate(
    ledger: Ledger,
    candidate_id: str,
    *,
    actor: str,
    clients: Clients,
    dry_run: bool = False,
) -> ErasureReport:
    """Erase a candidate from the hub and ask every system to (see the module docstring).

    `clients(system)` gives the connector client of a system to ask (called only for systems
    that erase by API, once each). Raises ValueError for an id that is not a candidate's.
    """
    check_candidate_id(candidate_id)
    before = tombstone(ledger, candidate_id)
    if dry_run:
        return _plan(ledger, candidate_id, before)
    found = find_subject(ledger, candidate_id, hub_links)
    if before is not None and before.completed_at is not None and found.empty:
        ledger.audit(actor, "erasure.requested", candidate_id, {"already_erased": True})
        report = _report(before, ALREADY_ERASED)
        report.ledger = dict.fromkeys(found.counts(), 0)
        return report

    ledger.audit(actor, "erasure.requested", candidate_id, {"repeat": before is not None})
    removed, subject = erase_subject(
        ledger, candidate_id, by=actor, derive=hub_links, targets=_targets_of(candidate_id)
    )
    ledger.audit(
        actor,
        "erasure.ledger",
        candidate_id,
        {
            "removed": removed.counts(),
            "in_flight_wiped": len(removed.in_flight),
            "records_tombstoned": len(removed.staged),
            "targets": len(subject.targets),
        },
    )
    subject = _reopen_whole(ledger, subject, removed)
    outcomes = _ask(ledger, subject, actor, clients)
    subject = tombstone(ledger, candidate_id) or subject
    if subject.completed_at is not None:
        ledger.audit(
            actor,
            "erasure.completed",
            candidate_id,
            {"systems": {o.system: o.status for o in _outcomes(subject.targets)}},
        )
    report = _report(subject, COMPLETE if subject.completed_at else WAITING)
    report.ledger = removed.counts()
    report.systems = outcomes or report.systems
    return report


def unfinished_erasures(ledger: Ledger) -> list[ErasureReport]:
    """Erasures still waiting for a system or a write in flight: what `hrhub erase --pending`
    lists and the next call of each finishes."""
    return [_report(subject, WAITING) for subject in unfinished(ledger)]


def check_candidate_id(candidate_id: str) -> None:
    """A candidate's canonical id, '<system>:candidate:<remote id>', of a registered system."""
    system, _, rest = str(candidate_id).partition(":")
    entity, _, remote = rest.partition(":")
    if entity != Candidate.entity or not remote.strip() or not system:
        raise ValueError(
            f"candidate id {candidate_id!r}: expected '<system>:candidate:<remote id>', "
            "e.g. successfactors:candidate:42"
        )
    if system not in registry():
        known = ", ".join(registry())
        raise ValueError(f"candidate id {candidate_id!r}: unknown system {system!r} ({known})")


def hub_links(staged: Sequence[StagedKey]) -> Links:
    """Ids the flow derives from a candidate's records, which no payload names: the pre-hire of
    each application (hrhub.flow.hire) and the notifications of each interview the hub booked
    (hrhub.flow.invite: `invite-<interview>`, reminders under the same id; hrhub.flow.schedule:
    `reschedule-<interview>-<new start>`)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for key in staged:
        if key.entity == Application.entity:
            remote = f"{key.source_system}-{key.remote_id}"
            exact.add(PreHire.make_canonical_id(HUB_SYSTEM, remote))
        elif key.entity == Interview.entity and key.source_system == HUB_SYSTEM:
            exact.add(f"{HUB_SYSTEM}:notification:invite-{key.remote_id}")
            prefixes.append(f"{HUB_SYSTEM}:notification:reschedule-{key.remote_id}-")
    return Links(frozenset(exact), tuple(prefixes))


@contextmanager
def connections() -> Iterator[Clients]:
    """Clients from the systems' Airflow connections (their hooks, default connection ids),
    opened when first asked for and closed at the end."""
    with ExitStack() as stack:
        opened: dict[str, Any] = {}

        def client(system: str) -> Any:
            if system not in opened:
                hook = get_connector(system).hook_class()()
                stack.callback(hook.close)
                opened[system] = hook.get_conn()
            return opened[system]

        yield client


# --------------------------------------------------------------------------- targets


def _subject_systems() -> list[str]:
    """Systems that erase a candidate by the hub's id, by API: always asked."""
    return [
        name
        for name, spec in registry().items()
        if any(SUBJECT in r.what and not r.manual for r in erasure_rules(name, spec.manifest))
    ]


def _targets_of(candidate_id: str) -> Callable[[SubjectRecords], list[Target]]:
    """The records to ask each system about: a system that erases by candidate gets one
    question (the hub's candidate id) whatever the ledger knew of it."""
    whole = set(_subject_systems())

    def targets(found: SubjectRecords) -> list[Target]:
        asked: dict[Target, None] = {(s, SUBJECT, candidate_id): None for s in sorted(whole)}
        for system, kind, remote_id in found.targets():
            if system not in whole:
                asked[(system, kind, remote_id)] = None
        return list(asked)

    return targets


def _reopen_whole(ledger: Ledger, subject: ErasedSubject, removed: SubjectRecords) -> ErasedSubject:
    """A system that erases by candidate and answered before is asked again when this call
    found new records of the candidate there (an order a push landed after that answer)."""
    whole = set(_subject_systems())
    fresh = {system for system, _, _ in removed.targets() if system in whole}
    again = {
        (t["system"], t["kind"], t["remote_id"]): (PENDING, "new records since: asked again")
        for t in subject.targets
        if t["system"] in fresh and t["kind"] == SUBJECT and t["status"] in SETTLED
    }
    return record_answers(ledger, subject.subject_id, again) if again else subject


def _rule(system: str, kind: str) -> ErasureRule:
    try:
        spec = get_connector(system)
    except ConfigError:
        return ErasureRule(
            system=system,
            what=(kind,),
            how=MANUAL_HOW,
            instruction=f"{system} is no longer a registered system: remove the record by hand",
        )
    return erasure_rule(system, spec.manifest, kind)


# --------------------------------------------------------------------------- asking


def _ask(
    ledger: Ledger, subject: ErasedSubject, actor: str, clients: Clients
) -> list[SystemOutcome]:
    """Ask every system with unsettled targets; store and audit each system's answers."""
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for target in subject.targets:
        if target["status"] not in SETTLED:
            waiting[target["system"]].append(target)
    outcomes = []
    for system, targets in sorted(waiting.items()):
        answers = _answers(system, targets, subject.subject_id, clients)
        record_answers(ledger, subject.subject_id, answers)
        records = [
            {"kind": k, "remote_id": r, "status": status, "detail": detail}
            for (_, k, r), (status, detail) in answers.items()
        ]
        outcome = SystemOutcome(system, _worst(records), _how(system, records), records)
        outcomes.append(outcome)
        ledger.audit(
            actor,
            "erasure.system",
            subject.subject_id,
            {
                "system": system,
                "status": outcome.status,
                "counts": dict(Counter(r["status"] for r in records)),
                "records": [{**r, "detail": r["detail"][:DETAIL_CHARS]} for r in records],
            },
        )
    return outcomes


def _answers(
    system: str, targets: list[dict[str, Any]], subject_id: str, clients: Clients
) -> dict[Target, tuple[str, str]]:
    """(status, detail) per target of one system: manual kinds from their rule, API kinds
    from the client (a failure to reach it is a failed answer, asked again next call)."""
    answers: dict[Target, tuple[str, str]] = {}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for target in targets:
        key = (system, target["kind"], target["remote_id"])
        rule = _rule(system, target["kind"])
        if rule.manual:
            answers[key] = (MANUAL, rule.instruction)
        else:
            by_kind[target["kind"]].append(target["remote_id"])
    for kind, remote_ids in by_kind.items():
        rule = _rule(system, kind)
        try:
            given = clients(system).erase(kind, remote_ids, subject_id=subject_id)
        except Exception as exc:  # down, misconfigured: kept, and asked again next call
            detail = f"could not ask {system}: {type(exc).__name__}: {exc}"
            answers.update({(system, kind, r): (FAILED, detail) for r in remote_ids})
            continue
        said = {outcome.remote_id: outcome for outcome in given}
        for remote_id in remote_ids:
            outcome = said.get(remote_id)
            if outcome is None:
                answers[(system, kind, remote_id)] = (FAILED, f"{system} gave no answer")
            elif outcome.status == MANUAL:
                detail = " ".join(filter(None, (outcome.detail, rule.instruction)))
                answers[(system, kind, remote_id)] = (MANUAL, detail)
            else:
                answers[(system, kind, remote_id)] = (outcome.status, outcome.detail)
    return answers


def _worst(records: Sequence[Mapping[str, str]]) -> str:
    """A system's status: failed if any record failed, else pending if one was not asked yet
    (a call that stopped), else would_ask (a dry run), else manual if a person must act,
    else erased if anything was removed, else not found."""
    statuses = {r["status"] for r in records}
    for status in (FAILED, PENDING, WOULD_ASK, MANUAL, ERASED):
        if status in statuses:
            return status
    return NOT_FOUND


def _how(system: str, records: Sequence[Mapping[str, str]]) -> str:
    kinds = {MANUAL_HOW if _rule(system, r["kind"]).manual else API for r in records}
    return ", ".join(sorted(kinds))


# --------------------------------------------------------------------------- reports


def _outcomes(targets: Sequence[Mapping[str, Any]]) -> list[SystemOutcome]:
    by_system: dict[str, list[dict[str, str]]] = defaultdict(list)
    for t in targets:
        by_system[t["system"]].append(
            {
                "kind": t["kind"],
                "remote_id": t["remote_id"],
                "status": t["status"],
                "detail": t.get("detail", ""),
            }
        )
    return [
        SystemOutcome(system, _worst(records), _how(system, records), records)
        for system, records in sorted(by_system.items())
    ]


def _report(subject: ErasedSubject, status: str) -> ErasureReport:
    return ErasureReport(
        subject_id=subject.subject_id,
        status=status,
        in_flight=subject.in_flight,
        systems=_outcomes(subject.targets),
        requested_by=subject.requested_by,
        requested_at=subject.requested_at.isoformat(),
        completed_at=subject.completed_at.isoformat() if subject.completed_at else None,
    )


def _plan(ledger: Ledger, candidate_id: str, before: ErasedSubject | None) -> ErasureReport:
    """What a call would do: the rows it would remove, the records it would ask about (those
    already answered keep their answer), and how each system would be asked."""
    found = find_subject(ledger, candidate_id, hub_links)
    known = {
        (t["system"], t["kind"], t["remote_id"]): t for t in (before.targets if before else [])
    }
    targets = []
    for system, kind, remote_id in _targets_of(candidate_id)(found):
        known.setdefault(
            (system, kind, remote_id),
            {"system": system, "kind": kind, "remote_id": remote_id, "status": PENDING},
        )
    for target in known.values():
        rule = _rule(target["system"], target["kind"])
        if target["status"] == PENDING:  # not asked yet: what the call would do
            status = MANUAL if rule.manual else WOULD_ASK
            detail = rule.instruction if rule.manual else rule.description
            target = {**target, "status": status, "detail": detail}
        targets.append(target)
    report = ErasureReport(subject_id=candidate_id, status=DRY_RUN, dry_run=True)
    report.ledger = found.counts()
    report.in_flight = len(found.in_flight)
    report.systems = _outcomes(targets)
    if before is not None:
        report.requested_by = before.requested_by
        report.requested_at = before.requested_at.isoformat()
        report.completed_at = before.completed_at.isoformat() if before.completed_at else None
    return report
