"""How a system forgets a candidate: the `erasure` rules of its manifest, and the answer a
client gives for each record it was asked to erase.

The right to erasure reaches every system the hub read a candidate from or wrote them to. What
each system can do differs, so each connector declares it in connector.yaml:

    erasure:
      - what: [candidate]            # "candidate": everything the system holds of the hub's
        how: api                     #   candidate id; else an operation (what the hub wrote)
        description: ...             #   or a stream's entity (what the hub read)
      - what: [pre_entry]
        how: manual                  # the API cannot delete it: a person must, as instructed
        instruction: ...

`how: api` means the client's `erase(kind, remote_ids, subject_id=...)` removes the records and
answers one `ErasureOutcome` per remote id. `how: manual` is never a call: the record is handed
to a person with the instruction. A kind no rule names is manual too, and says so, so nothing
is ever skipped in silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "API",
    "ERASED",
    "FAILED",
    "MANUAL",
    "MANUAL_HOW",
    "NOT_FOUND",
    "SETTLED",
    "SUBJECT",
    "ErasureOutcome",
    "ErasureRule",
    "erasure_rule",
    "erasure_rules",
]

ERASED = "erased"  # the system removed it now
NOT_FOUND = "not_found"  # the system no longer holds it (already gone)
MANUAL = "manual"  # a person must act (the API cannot), as the detail says
FAILED = "failed"  # the system could not be asked or refused: retried on a later call
SETTLED = frozenset({ERASED, NOT_FOUND, MANUAL})  # nothing more the hub can do
API, MANUAL_HOW = "api", "manual"
SUBJECT = "candidate"  # the kind that names the hub's candidate id itself


@dataclass(frozen=True)
class ErasureOutcome:
    """A system's answer for one record it was asked to erase. `detail` is what a person
    reads (the instruction of a manual step, the error of a failure); never personal data."""

    remote_id: str
    status: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in (ERASED, NOT_FOUND, MANUAL, FAILED):
            raise ValueError(f"unknown erasure status {self.status!r}")


@dataclass(frozen=True)
class ErasureRule:
    """How one system erases records of some kinds: by its API, or by a person."""

    system: str
    what: tuple[str, ...]
    how: str
    description: str = ""
    instruction: str = ""

    @property
    def manual(self) -> bool:
        return self.how != API


def erasure_rules(system: str, manifest: Mapping[str, Any]) -> list[ErasureRule]:
    """The rules a connector.yaml declares, in order."""
    rules = []
    for entry in manifest.get("erasure", []):
        what = entry["what"]
        rules.append(
            ErasureRule(
                system=system,
                what=(what,) if isinstance(what, str) else tuple(what),
                how=entry["how"],
                description=" ".join(str(entry.get("description", "")).split()),
                instruction=" ".join(str(entry.get("instruction", "")).split()),
            )
        )
    return rules


def erasure_rule(system: str, manifest: Mapping[str, Any], kind: str) -> ErasureRule:
    """The rule for records of `kind` (an operation, an entity, or "candidate"); a kind no rule
    names gets a manual rule saying so."""
    for rule in erasure_rules(system, manifest):
        if kind in rule.what:
            return rule
    return ErasureRule(
        system=system,
        what=(kind,),
        how=MANUAL_HOW,
        instruction=(
            f"{system} declares no way to erase {kind} records (connector.yaml `erasure`): "
            f"remove them in {system} by hand"
        ),
    )
