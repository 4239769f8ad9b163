"""Coercion of caller input into the scheduler's values, with the owner named in every error."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from hrhub.scheduling.errors import SchedulingInputError
from hrhub.scheduling.intervals import Interval

__all__ = ["ids_of", "intervals_of", "name_of"]


def intervals_of(values: Any, *, owner: str, name: str) -> tuple[Interval, ...]:
    """A tuple of `Interval`s from intervals, connector dicts or objects with start/end."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise SchedulingInputError(owner, name, "expected a sequence of intervals")
    return tuple(
        Interval.coerce(value, owner=owner, field=f"{name}[{index}]")
        for index, value in enumerate(values)
    )


def ids_of(values: Any, *, owner: str, name: str) -> tuple[str, ...]:
    """A tuple of non-empty string ids, duplicates dropped, order kept."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise SchedulingInputError(owner, name, "expected a sequence of ids")
    given = tuple(values)
    try:
        out = _checked_ids(given)
    except TypeError:  # an unhashable value: no id either
        out = None
    if out is None:
        bad = next(value for value in given if not isinstance(value, str) or not value)
        raise SchedulingInputError(owner, name, f"expected non-empty string ids: {bad!r}")
    return out


@lru_cache(maxsize=1024)
def _checked_ids(values: tuple[Any, ...]) -> tuple[str, ...] | None:
    """`values` without repeats, None if one is not a non-empty string. Cached: every candidate
    of a job names the job's whole panel (hundreds of ids), which is checked once, and the
    requests share one tuple (the engine resolves each panel once)."""
    out = tuple(dict.fromkeys(values))
    return out if all(isinstance(value, str) and value for value in out) else None


def name_of(value: Any, kind: str, name: str = "id") -> str:
    """`value` if it is a non-empty string (an id); an error naming `kind` otherwise."""
    if not isinstance(value, str) or not value:
        raise SchedulingInputError(kind, name, f"expected a non-empty string, got {value!r}")
    return value
