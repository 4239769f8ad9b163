"""Half-open time intervals and the sort-and-sweep operations the scheduler is built from.

Every interval is [start, end) with timezone-aware datetimes: a wall time alone is ambiguous
between the interviewer's zone, the candidate's and the policy's, so naive values are refused
and the error names the record and field they came from (so the owner of the data can fix it).

The operations sort once and sweep, O(n log n) at worst. They exist twice: on `Interval`s for
callers, and on plain ``(start, end)`` pairs ("spans") of any ordered values, which the engine
runs on integer microseconds because that is several times faster than datetime arithmetic.

Assumption: overlapping or touching busy intervals mean their union (punches, leave and shifts
often overlap); a merged interval keeps every reason it was made of.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from hrhub.scheduling.errors import SchedulingInputError

__all__ = [
    "Interval",
    "clip",
    "clip_spans",
    "intersect",
    "intersect_spans",
    "merge",
    "merge_spans",
    "subtract",
    "subtract_spans",
]


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Ordered)
Span = tuple[T, T]


def _where(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_instant(value: object, *, owner: str, field: str) -> datetime:
    """`value` if it is an aware datetime; a clear error otherwise."""
    if not isinstance(value, datetime):
        raise SchedulingInputError(
            owner, field, f"expected a timezone-aware datetime, got {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise SchedulingInputError(
            owner,
            field,
            f"naive datetime {value.isoformat()} (no time zone); give an offset, e.g. +08:00",
        )
    return value


def _parse_instant(value: object, *, owner: str, field: str) -> datetime:
    """An ISO 8601 string with offset, or a datetime, as an aware datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise SchedulingInputError(
                owner, field, f"not an ISO 8601 date-time: {value!r}"
            ) from None
    return _check_instant(value, owner=owner, field=field)


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """[start, end) between two aware datetimes; `reason` says why (busy intervals only).

    Equality and order look at the times only, so a merged or re-labelled interval compares
    equal to the same stretch of time.
    """

    start: datetime
    end: datetime
    reason: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        _check(self.start, self.end, owner="interval", prefix="")

    @classmethod
    def checked(
        cls, start: object, end: object, reason: str = "", *, owner: str, field: str = ""
    ) -> Self:
        """An interval whose errors name `owner` and `field` (e.g. "busy[2]")."""
        _check(start, end, owner=owner, prefix=field)
        return cls(start, end, reason)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, owner: str, field: str = "") -> Self:
        """From ``{"start", "end", "reason"?}`` as connectors write it (ISO strings with an
        offset, or datetimes); other keys are ignored."""
        if not isinstance(data, Mapping):
            raise SchedulingInputError(owner, field, f"expected a mapping, got {type(data)}")
        for key in ("start", "end"):
            if key not in data:
                raise SchedulingInputError(owner, _where(field, key), "missing")
        start = _parse_instant(data["start"], owner=owner, field=_where(field, "start"))
        end = _parse_instant(data["end"], owner=owner, field=_where(field, "end"))
        reason = data.get("reason") or ""
        return cls.checked(start, end, str(reason), owner=owner, field=field)

    @classmethod
    def coerce(cls, value: object, *, owner: str, field: str = "") -> Interval:
        """An `Interval`, a mapping (`from_dict`) or any object with ``start``/``end`` (a
        connector's BusyInterval, a canonical TimeSlot) as an `Interval`."""
        if isinstance(value, Interval):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value, owner=owner, field=field)
        if hasattr(value, "start") and hasattr(value, "end"):
            reason = getattr(value, "reason", "") or ""
            return cls.checked(value.start, value.end, str(reason), owner=owner, field=field)
        raise SchedulingInputError(
            owner, field, f"expected an interval with start and end, got {type(value).__name__}"
        )


def _check(start: object, end: object, *, owner: str, prefix: str) -> None:
    first = _check_instant(start, owner=owner, field=_where(prefix, "start"))
    last = _check_instant(end, owner=owner, field=_where(prefix, "end"))
    if last <= first:
        raise SchedulingInputError(
            owner,
            _where(prefix, "end"),
            f"end {last.isoformat()} is not after start {first.isoformat()}",
        )


# --------------------------------------------------------------------------- spans


def merge_spans(spans: Iterable[Span[T]]) -> list[Span[T]]:
    """Sorted, with overlapping or touching spans joined; empty spans dropped."""
    out: list[Span[T]] = []
    for start, end in sorted(spans):
        if not start < end:
            continue
        if out and start <= out[-1][1]:
            if out[-1][1] < end:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def clip_spans(spans: Iterable[Span[T]], low: T, high: T) -> list[Span[T]]:
    """The parts of `spans` inside [low, high), in input order."""
    return [
        (start if low <= start else low, end if end <= high else high)
        for start, end in spans
        if start < high and low < end
    ]


def intersect_spans(a: Iterable[Span[T]], b: Iterable[Span[T]]) -> list[Span[T]]:
    """Time in both `a` and `b`: two merged lists walked side by side."""
    left, right = merge_spans(a), merge_spans(b)
    out: list[Span[T]] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = left[i][0] if right[j][0] <= left[i][0] else right[j][0]
        end = left[i][1] if left[i][1] <= right[j][1] else right[j][1]
        if start < end:
            out.append((start, end))
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract_spans(free: Iterable[Span[T]], busy: Iterable[Span[T]]) -> list[Span[T]]:
    """Time in `free` and not in `busy`: one sweep over both merged lists."""
    keep, cut = merge_spans(free), merge_spans(busy)
    out: list[Span[T]] = []
    j = 0
    for start, end in keep:
        while j < len(cut) and cut[j][1] <= start:
            j += 1
        cursor = start
        k = j
        while k < len(cut) and cut[k][0] < end:
            if cursor < cut[k][0]:
                out.append((cursor, cut[k][0]))
            if cursor < cut[k][1]:
                cursor = cut[k][1]
            if end < cut[k][1]:
                break  # it reaches into the next free span too: look at it again there
            k += 1
        if cursor < end:
            out.append((cursor, end))
        j = k
    return out


# --------------------------------------------------------------------------- intervals


def _join_reasons(*reasons: str) -> str:
    parts = {part.strip() for reason in reasons for part in reason.split(",")}
    return ", ".join(sorted(part for part in parts if part))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or touching intervals joined; a joined interval keeps all reasons."""
    out: list[Interval] = []
    for item in sorted(intervals):
        if out and item.start <= out[-1].end:
            last = out[-1]
            end = item.end if last.end < item.end else last.end
            out[-1] = Interval(last.start, end, _join_reasons(last.reason, item.reason))
        else:
            out.append(item)
    return out


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of `intervals` inside `window`, reasons kept, sorted."""
    return sorted(
        Interval(max(item.start, window.start), min(item.end, window.end), item.reason)
        for item in intervals
        if item.start < window.end and window.start < item.end
    )


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Time in both `a` and `b`, merged and sorted."""
    spans = intersect_spans(((i.start, i.end) for i in a), ((i.start, i.end) for i in b))
    return [Interval(start, end) for start, end in spans]


def subtract(free: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """Time in `free` and not in `busy`, merged and sorted."""
    spans = subtract_spans(((i.start, i.end) for i in free), ((i.start, i.end) for i in busy))
    return [Interval(start, end) for start, end in spans]
