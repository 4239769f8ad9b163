"""Intervals: aware datetimes only, errors that name their owner, and the sweep operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors._core.busy import CHINA, BusyInterval
from hrhub.scheduling import (
    Interval,
    Interviewer,
    SchedulingInputError,
    SlotRequest,
    clip,
    intersect,
    merge,
    subtract,
)
from hrhub.scheduling.intervals import intersect_spans, merge_spans, subtract_spans

NINE = datetime(2026, 6, 1, 9, tzinfo=CHINA)


def at(hour: float) -> datetime:
    return NINE + timedelta(hours=hour - 9)


def test_naive_datetimes_are_refused_naming_owner_and_field() -> None:
    with pytest.raises(SchedulingInputError) as caught:
        Interval(datetime(2026, 6, 1, 9), at(10))
    assert (caught.value.owner, caught.value.field) == ("interval", "start")
    assert "naive" in str(caught.value)

    with pytest.raises(SchedulingInputError) as caught:
        Interval.from_dict(
            {"start": "2026-06-01T09:00:00+08:00", "end": "2026-06-01T10:00:00"},
            owner="interviewer u7",
            field="busy[3]",
        )
    assert (caught.value.owner, caught.value.field) == ("interviewer u7", "busy[3].end")
    assert str(caught.value).startswith("interviewer u7: busy[3].end: naive datetime")


def test_records_name_themselves_in_errors() -> None:
    naive = {"start": "2026-06-01T09:00:00", "end": "2026-06-01T10:00:00+08:00"}
    with pytest.raises(SchedulingInputError, match=r"^interviewer u1: busy\[1\]\.start: naive"):
        Interviewer("u1", busy=[Interval(at(8), at(9)), naive])
    with pytest.raises(SchedulingInputError, match=r"^interviewer u1: booked\[0\]\.start"):
        Interviewer("u1", booked=[naive])
    with pytest.raises(SchedulingInputError, match=r"^candidate c1: availability\[0\]\.start"):
        SlotRequest("c1", availability=[naive])
    busy = BusyInterval(datetime(2026, 6, 1, 9), at(10), "leave")  # a connector's, but naive
    with pytest.raises(SchedulingInputError, match=r"^interviewer u2: busy\[0\]\.start"):
        Interviewer("u2", busy=[busy])


def test_end_not_after_start_is_refused_naming_owner() -> None:
    with pytest.raises(SchedulingInputError, match="not after start") as caught:
        Interval(at(10), at(10))
    assert caught.value.owner == "interval"
    with pytest.raises(SchedulingInputError) as caught:
        Interviewer("u3", busy=[{"start": at(11), "end": at(10)}])
    assert (caught.value.owner, caught.value.field) == ("interviewer u3", "busy[0].end")
    assert "interviewer u3" in str(caught.value)


def test_from_dict_reads_connector_dicts_and_iso_strings() -> None:
    busy = BusyInterval(at(9), at(12), "leave")
    interval = Interval.from_dict(busy.as_dict(), owner="interviewer u1")
    assert (interval.start, interval.end, interval.reason) == (at(9), at(12), "leave")
    utc = Interval.from_dict(
        {"start": "2026-06-01T01:00:00Z", "end": "2026-06-01T02:00Z"}, owner="x"
    )
    assert utc == Interval(at(9), at(10))
    assert Interval.coerce(busy, owner="x") == Interval(at(9), at(12))
    with pytest.raises(SchedulingInputError, match="not an ISO 8601"):
        Interval.from_dict({"start": "tomorrow", "end": "2026-06-01T02:00Z"}, owner="x")
    with pytest.raises(SchedulingInputError, match="missing"):
        Interval.from_dict({"start": "2026-06-01T01:00:00Z"}, owner="x")
    with pytest.raises(SchedulingInputError, match="expected an interval"):
        Interviewer("u1", busy=[42])


def test_merge_joins_overlapping_and_touching_and_keeps_reasons() -> None:
    merged = merge(
        [
            Interval(at(13), at(14), "meeting"),
            Interval(at(0), at(9), "off_shift"),
            Interval(at(8.5), at(10), "leave"),
            Interval(at(10), at(11), "left"),  # touches
        ]
    )
    assert merged == [Interval(at(0), at(11)), Interval(at(13), at(14))]
    assert merged[0].reason == "leave, left, off_shift"
    assert merge([]) == []


def test_subtract_clip_intersect() -> None:
    free = [Interval(at(9), at(12)), Interval(at(13.5), at(18))]
    busy = [Interval(at(10), at(10.5)), Interval(at(11.5), at(14)), Interval(at(17), at(19))]
    assert subtract(free, busy) == [
        Interval(at(9), at(10)),
        Interval(at(10.5), at(11.5)),
        Interval(at(14), at(17)),
    ]
    assert intersect(free, busy) == [
        Interval(at(10), at(10.5)),
        Interval(at(11.5), at(12)),
        Interval(at(13.5), at(14)),
        Interval(at(17), at(18)),
    ]
    window = Interval(at(11), at(17.5))
    assert clip(free, window) == [Interval(at(11), at(12)), Interval(at(13.5), at(17.5))]
    # Zones do not matter, instants do.
    in_utc = [Interval(i.start.astimezone(UTC), i.end.astimezone(UTC)) for i in busy]
    assert subtract(free, in_utc) == subtract(free, busy)


SPANS = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda t: (t[0], t[0] + t[1]))
)


def points(spans: list[tuple[int, int]]) -> set[int]:
    return {x for start, end in spans for x in range(start, end)}


@given(SPANS, SPANS)
def test_span_operations_agree_with_point_sets(a: list, b: list) -> None:
    merged = merge_spans(a)
    assert points(merged) == points(a)
    assert all(x[1] < y[0] for x, y in pairwise(merged))  # gaps between
    assert points(subtract_spans(a, b)) == points(a) - points(b)
    assert points(intersect_spans(a, b)) == points(a) & points(b)
    assert subtract_spans(a, b) == merge_spans(subtract_spans(a, b))
