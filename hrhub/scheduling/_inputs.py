"""Coercion of caller input into the scheduler's values, with the owner named in every error."""

from __future__ import annotations

from collections.abc import Iterable
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
    out = tuple(dict.fromkeys(values))
    for value in out:
        if not isinstance(value, str) or not value:
            raise SchedulingInputError(owner, name, f"expected non-empty string ids: {value!r}")
    return out


def name_of(value: Any, kind: str, name: str = "id") -> str:
    """`value` if it is a non-empty string (an id); an error naming `kind` otherwise."""
    if not isinstance(value, str) or not value:
        raise SchedulingInputError(kind, name, f"expected a non-empty string, got {value!r}")
    return value
