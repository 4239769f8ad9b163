"""What one hostile input is, and what became of it.

A `HostileInput` names an entry point, says what is wrong with the input, and carries `feed`:
a callable that hands the input to the real entry point inside that entry point's world (the
simulators, ledger, app or folder its module sets up once) and reports an `Outcome`. The
outcome kinds are the issue's: `quarantined` (dead letters, or held for a person, with a
reason), `refused` (a clear error to the caller: a 4xx, a CLI exit code with a message, an
exception the caller is meant to catch), `crashed` (an unexpected exception, a traceback, a
5xx), plus `accepted`: the input went through as if it were sound, which for a hostile input
means it was missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "HostileInput",
    "Kind",
    "Outcome",
    "accepted",
    "names_in",
    "quarantined",
    "refused",
]


class Kind(StrEnum):
    QUARANTINED = "quarantined"
    REFUSED = "refused"
    ACCEPTED = "accepted"
    CRASHED = "crashed"


@dataclass(frozen=True)
class Verdict:
    """What a `feed` found; the runner adds the case's names and the time it took."""

    kind: Kind
    message: str
    names_record: bool | None = None  # None: the input is not a record
    neighbours_ok: bool | None = None  # None: not a batch entry point
    detail: str = ""


Feed = Callable[[Any], Verdict]


@dataclass(frozen=True)
class HostileInput:
    """One hostile or broken input: where it goes, what is wrong, and how to feed it."""

    entry_point: str
    name: str
    problem: str
    feed: Feed
    # Set when the code is known not to refuse this input yet: what is missing, and where.
    known_gap: str | None = None

    @property
    def id(self) -> str:
        return f"{self.entry_point}/{self.name}"


@dataclass(frozen=True)
class Outcome:
    """What became of one input (see the module docstring for the kinds)."""

    entry_point: str
    name: str
    problem: str
    kind: Kind
    message: str
    names_record: bool | None = None
    neighbours_ok: bool | None = None
    seconds: float = 0.0
    detail: str = ""
    known_gap: str | None = None

    @property
    def id(self) -> str:
        return f"{self.entry_point}/{self.name}"

    @property
    def ok(self) -> bool:
        """Quarantined or refused with a message, the record named where it is one, and the
        good records next to it through."""
        return (
            self.kind in (Kind.QUARANTINED, Kind.REFUSED)
            and bool(self.message.strip())
            and self.names_record is not False
            and self.neighbours_ok is not False
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value, "ok": self.ok}


def quarantined(message: str, **kw: Any) -> Verdict:
    return Verdict(Kind.QUARANTINED, message, **kw)


def refused(message: str, **kw: Any) -> Verdict:
    return Verdict(Kind.REFUSED, message, **kw)


def accepted(message: str = "went through as if it were sound", **kw: Any) -> Verdict:
    return Verdict(Kind.ACCEPTED, message, **kw)


def names_in(text: str, *names: str | Iterable[str] | None) -> bool:
    """Whether `text` names each of `names` (an iterable: any one of its spellings)."""
    for name in names:
        if name is None:
            continue
        spellings = [name] if isinstance(name, str) else list(name)
        if not any(s and s in text for s in spellings):
            return False
    return True
