"""Transforms added for SuccessFactors: names, collected lists, references, SAP dates out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hrhub.mapping import TransformError
from hrhub.mapping.transforms import collect, person_name, ref, sf_date, to_sf_date


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("伟", "张", "张伟"),
        ("Emily", "Clarke", "Emily Clarke"),
        ("建国", "欧阳", "欧阳建国"),
        ("Wei", "Zhang", "Wei Zhang"),
        ("", "张", "张"),
        ("Emily", None, "Emily"),
        (None, None, None),
    ],
)
def test_person_name_uses_the_persons_own_order(given, family, expected) -> None:
    assert person_name([given, family]) == expected


def test_person_name_needs_exactly_two_parts() -> None:
    with pytest.raises(TransformError, match="person_name"):
        person_name(["a", "b", "c"])


def test_collect_drops_empty_values_and_repeats() -> None:
    assert collect(["a@x.cn", None, "", "a@x.cn", "b@x.cn"]) == ["a@x.cn", "b@x.cn"]
    assert collect([None, ""]) == []
    with pytest.raises(TransformError):
        collect("a@x.cn")


def test_ref_builds_a_canonical_id() -> None:
    assert ref(741, system="successfactors", entity="application") == (
        "successfactors:application:741"
    )


def test_to_sf_date_round_trips_with_sf_date() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=shanghai)
    text = to_sf_date(moment)
    assert text == "/Date(1772328600000+0000)/"
    assert sf_date(text) == moment.astimezone(UTC)
    assert to_sf_date("2026-03-01T01:30:00Z", offset=False) == "/Date(1772328600000)/"


def test_to_sf_date_refuses_naive_times() -> None:
    with pytest.raises(TransformError, match="to_sf_date"):
        to_sf_date(datetime(2026, 3, 1, 9, 30))
