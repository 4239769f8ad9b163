"""Who approved which version of a mapping file, and the production gate built on it.

Approvals and revocations are entries of the ledger's hash-chained audit log (action
``mapping.approve`` / ``mapping.revoke``, subject the file's place in the mappings tree, data
``{version, approver, note}``), so the record of who let a mapping write cannot be edited
quietly. A version is approved while its latest approval has not been revoked; a file whose
content changed has a new version and needs a new approval.

Production mode (``HRHUB_MODE=production``, or ``production=True`` where a step takes it) lets
only approved versions write; development mode (the default) writes and logs a warning.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlmodel import Session, col, select

from hrhub.ledger.tables import AuditEntry
from hrhub.mapping.engine import Mapping

if TYPE_CHECKING:
    from hrhub.ledger import Ledger

APPROVE = "mapping.approve"
REVOKE = "mapping.revoke"
MODE_ENV = "HRHUB_MODE"
PRODUCTION, DEVELOPMENT = "production", "development"
NOT_APPROVED = "MappingNotApproved"  # error class of the dead letters the gate writes

log = logging.getLogger(__name__)

Status = Literal["approved", "changed", "revoked", "never"]


class ApprovalError(ValueError):
    """An approval or revocation that cannot be recorded (the reason says what to do)."""


# --- naming and mode -----------------------------------------------------------------------


def mapping_key(path: str | os.PathLike[str]) -> str:
    """The audit subject of a mapping file: ``mappings/<system>/<file>``, wherever the tree is.

    A copy of the tree (``$HRHUB_MAPPINGS_DIR``, a temporary checkout) names the same mapping;
    the version (content hash) tells its contents apart.
    """
    resolved = Path(path).resolve()
    return f"mappings/{resolved.parent.name}/{resolved.name}"


def out_mapping_key(system: str, operation: str) -> str:
    """Audit subject of the out-mapping a write to ``system`` for ``operation`` was made with."""
    return f"mappings/{system}/{operation}.out.yaml"


def production_mode(production: bool | None = None) -> bool:
    """``production`` if given, else ``$HRHUB_MODE`` (``production`` or ``development``).

    A value that is neither is refused rather than read as development: a typo must not turn
    the gate off.
    """
    if production is not None:
        return production
    value = os.environ.get(MODE_ENV, "").strip().lower()
    if value in ("", DEVELOPMENT):
        return False
    if value == PRODUCTION:
        return True
    raise ValueError(f"{MODE_ENV} must be {PRODUCTION!r} or {DEVELOPMENT!r}, got {value!r}")


# --- the log -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovalEvent:
    """One approval or revocation as the audit log holds it."""

    seq: int
    at: datetime
    action: str
    key: str
    version: str
    by: str
    note: str | None

    @property
    def when(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M:%S UTC")

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "action": self.action,
            "file": self.key,
            "version": self.version,
            "by": self.by,
            "note": self.note,
        }

    @classmethod
    def of(cls, entry: AuditEntry) -> ApprovalEvent:
        data = entry.data if isinstance(entry.data, dict) else {}
        by = data.get("approver") or data.get("revoked_by") or entry.actor
        return cls(
            seq=entry.seq,
            at=entry.at,
            action=entry.action,
            key=entry.subject,
            version=str(data.get("version", "")),
            by=str(by),
            note=data.get("note"),
        )


@dataclass(frozen=True, slots=True)
class ApprovalState:
    """Whether one version of one file may write, and the audit entries that say so."""

    key: str
    version: str
    status: Status
    approval: ApprovalEvent | None = None  # the standing, revoked or last other approval
    revocation: ApprovalEvent | None = None

    @property
    def ok(self) -> bool:
        return self.status == "approved"

    def describe(self) -> str:
        """One sentence for people: the state, and who did what when."""
        a, r = self.approval, self.revocation
        if self.status == "approved" and a:
            return f"approved by {a.by} on {a.when}"
        if self.status == "revoked" and r:
            why = f" ({r.note})" if r.note else ""
            whose = f"the approval by {a.by} on {a.when}" if a else "the approval"
            return f"not approved: {whose} was revoked by {r.by} on {r.when}{why}"
        if self.status == "changed" and a:
            return (
                f"not approved: the file changed since version {a.version} was approved "
                f"by {a.by} on {a.when}"
            )
        return "never approved"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.key,
            "version": self.version,
            "status": self.status,
            "approved": self.ok,
            "text": self.describe(),
            "approval": self.approval.to_dict() if self.approval else None,
            "revocation": self.revocation.to_dict() if self.revocation else None,
        }


class ApprovalLog:
    """Every approval and revocation, in chain order, read from the ledger once."""

    def __init__(self, events: Iterable[ApprovalEvent]) -> None:
        self.events = tuple(sorted(events, key=lambda e: e.seq))
        self._by_key: dict[str, list[ApprovalEvent]] = defaultdict(list)
        for event in self.events:
            self._by_key[event.key].append(event)

    @classmethod
    def read(cls, ledger: Ledger) -> ApprovalLog:
        stmt = (
            select(AuditEntry)
            .where(col(AuditEntry.action).in_((APPROVE, REVOKE)))
            .order_by(col(AuditEntry.seq))
        )
        with Session(ledger.engine) as session:
            return cls(ApprovalEvent.of(entry) for entry in session.exec(stmt))

    def standing(self, key: str, *, at: datetime | None = None) -> dict[str, ApprovalEvent]:
        """Version -> its standing approval (latest, not revoked), as of ``at`` (default: now)."""
        standing: dict[str, ApprovalEvent] = {}
        for event in self._by_key.get(key, ()):
            if at is not None and event.at > at:
                break
            if event.action == APPROVE:
                standing[event.version] = event
            else:
                standing.pop(event.version, None)
        return standing

    def approved_versions(self) -> dict[str, set[str]]:
        found = {key: set(self.standing(key)) for key in self._by_key}
        return {key: versions for key, versions in sorted(found.items()) if versions}

    def state(self, key: str, version: str) -> ApprovalState:
        standing = self.standing(key)
        if version in standing:
            return ApprovalState(key, version, "approved", standing[version])
        events = self._by_key.get(key, [])
        mine = [e for e in events if e.version == version]
        if mine and mine[-1].action == REVOKE:  # the last word on this version
            approval = next((e for e in reversed(mine) if e.action == APPROVE), None)
            return ApprovalState(key, version, "revoked", approval, mine[-1])
        other = next((e for e in reversed(events) if e.action == APPROVE), None)
        if other is not None:
            return ApprovalState(key, version, "changed", other)
        return ApprovalState(key, version, "never")


def _log(source: Ledger | ApprovalLog) -> ApprovalLog:
    return source if isinstance(source, ApprovalLog) else ApprovalLog.read(source)


def approved_versions(ledger: Ledger | ApprovalLog) -> dict[str, set[str]]:
    """File (``mappings/<system>/<file>``) -> the versions approved now."""
    return _log(ledger).approved_versions()


def approval_state(mapping: Mapping, ledger: Ledger | ApprovalLog) -> ApprovalState:
    """Approved, not approved (changed since an approval, or revoked), or never approved."""
    return _log(ledger).state(mapping_key(mapping.path), mapping.version)


# --- recording -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``approve`` or ``revoke`` did: the entry written, or why none was needed."""

    action: str
    key: str
    version: str
    by: str
    note: str | None
    seq: int | None  # None: nothing recorded (already approved by this person)
    previous: ApprovalState = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "file": self.key,
            "version": self.version,
            "by": self.by,
            "note": self.note,
            "audit_seq": self.seq,
            "recorded": self.seq is not None,
            "before": self.previous.to_dict(),
        }


def load_for_approval(path: str | os.PathLike[str]) -> Mapping:
    """Load a file the way an approval needs it: clean, and saying what its place says.

    ``MappingFileError`` lists the file's mistakes; ``ApprovalError`` a file that sits in the
    wrong folder or has the wrong direction in its name.
    """
    mapping = Mapping.load(path)
    where = Path(path).resolve()
    if where.parent.name != mapping.system:
        raise ApprovalError(
            f"{mapping.file}: declares system {mapping.system!r} but sits in folder "
            f"{where.parent.name!r}; mappings live in mappings/<system>/"
        )
    if not where.name.endswith(f".{mapping.direction}.yaml"):
        raise ApprovalError(
            f"{mapping.file}: declares direction {mapping.direction!r}; its name must end in "
            f".{mapping.direction}.yaml"
        )
    return mapping


def _who(by: str) -> str:
    name = by.strip()
    if not name:
        raise ApprovalError("say who approves: --by NAME (a person, not empty)")
    return name


def approve(
    ledger: Ledger, path: str | os.PathLike[str], *, by: str, note: str | None = None
) -> Decision:
    """Record that ``by`` approved the file's current version (it must load cleanly)."""
    name = _who(by)
    mapping = load_for_approval(path)
    key = mapping_key(mapping.path)
    log_ = ApprovalLog.read(ledger)
    before = log_.state(key, mapping.version)
    if before.ok and before.approval is not None and before.approval.by == name:
        return Decision(APPROVE, key, mapping.version, name, note, None, before)
    entry = ledger.audit(
        name, APPROVE, key, {"version": mapping.version, "approver": name, "note": note}
    )
    return Decision(APPROVE, key, mapping.version, name, note, entry.seq, before)


def revoke(
    ledger: Ledger, path: str | os.PathLike[str], *, by: str, note: str | None = None
) -> Decision:
    """Record that ``by`` withdrew the approval of the file's current version."""
    name = _who(by)
    mapping = load_for_approval(path)
    key = mapping_key(mapping.path)
    before = ApprovalLog.read(ledger).state(key, mapping.version)
    if not before.ok:
        raise ApprovalError(
            f"{key} version {mapping.version} is not approved ({before.describe()}): "
            "nothing to revoke"
        )
    entry = ledger.audit(
        name, REVOKE, key, {"version": mapping.version, "revoked_by": name, "note": note}
    )
    return Decision(REVOKE, key, mapping.version, name, note, entry.seq, before)


# --- the gate ------------------------------------------------------------------------------


def not_approved_reason(state: ApprovalState) -> str:
    """Why a write waits, and the command that lets it go on."""
    return (
        f"mapping {state.key} version {state.version} is not approved for production "
        f"({state.describe()}); review it (hrhub mappings report, hrhub mappings diff) and "
        f"approve it with: hrhub mappings approve {state.key} --by NAME "
        "(approving releases this write to the next push)"
    )


class ApprovalGate:
    """Decides, per write, whether a mapping version may write now.

    Reads the approvals once (one query per batch). In development mode every version may
    write, and each unapproved one is logged once as a warning.
    """

    def __init__(self, log_: ApprovalLog, *, production: bool) -> None:
        self.log = log_
        self.production = production
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def open(cls, ledger: Ledger, production: bool | None = None) -> ApprovalGate:
        return cls(ApprovalLog.read(ledger), production=production_mode(production))

    def refusal(self, key: str, version: str) -> str | None:
        """None if ``version`` of ``key`` may write; else the reason for the dead letter."""
        state = self.log.state(key, version)
        if state.ok:
            return None
        if self.production:
            return not_approved_reason(state)
        if (key, version) not in self._warned:
            self._warned.add((key, version))
            log.warning(
                "development mode: writing with mapping %s version %s, %s "
                "(in production it would not write; %s=production)",
                key,
                version,
                state.describe(),
                MODE_ENV,
            )
        return None
