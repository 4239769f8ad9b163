"""Verbose-JSON values as SAP sends them, and what a client may send back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.successfactors.edm import Prop
from connectors.successfactors.odata_query import ODataError, from_json, to_json


def prop(edm_type: str) -> Prop:
    return Prop("field", edm_type)


DT, DTO = prop("Edm.DateTime"), prop("Edm.DateTimeOffset")


def test_dates_render_like_sap() -> None:
    assert to_json(DT, datetime(2021, 1, 26, tzinfo=UTC)) == "/Date(1611619200000)/"
    moment = datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC)
    assert to_json(DTO, moment) == "/Date(1587072082000+0000)/"
    # an aware value in another zone is the same instant, written in UTC
    shanghai = moment.astimezone(timezone(timedelta(hours=8)))
    assert to_json(DTO, shanghai) == "/Date(1587072082000+0000)/"
    assert to_json(DT, datetime(2021, 1, 26)) == "/Date(1611619200000)/"  # naive = UTC
    assert to_json(DT, datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)) == "/Date(-1000)/"


def test_numbers_and_scalars_render_like_odata_v2() -> None:
    assert to_json(prop("Edm.Int64"), 514063) == "514063"
    assert to_json(prop("Edm.Decimal"), Decimal("4.50")) == "4.50"
    assert to_json(prop("Edm.Decimal"), 4.5) == "4.5"
    assert to_json(prop("Edm.Int32"), 7) == 7
    assert to_json(prop("Edm.Double"), 4.5) == 4.5
    assert to_json(prop("Edm.Boolean"), True) is True
    assert to_json(prop("Edm.String"), "李") == "李"
    for t in ("Edm.String", "Edm.Int64", "Edm.DateTimeOffset"):
        assert to_json(prop(t), None) is None


@pytest.mark.parametrize(
    ("edm_type", "sent", "expected"),
    [
        ("Edm.DateTime", "/Date(1611619200000)/", datetime(2021, 1, 26, tzinfo=UTC)),
        ("Edm.DateTime", "2021-01-26T00:00:00", datetime(2021, 1, 26, tzinfo=UTC)),
        ("Edm.DateTime", "2021-01-26", datetime(2021, 1, 26, tzinfo=UTC)),
        ("Edm.DateTime", "2021-01-26T08:00:00+08:00", datetime(2021, 1, 26, tzinfo=UTC)),
        (
            "Edm.DateTimeOffset",
            "/Date(1587072082000+0000)/",
            datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC),
        ),
        (
            "Edm.DateTimeOffset",
            "/Date(1587072082000)/",
            datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC),
        ),
        (
            "Edm.DateTimeOffset",
            "2020-04-16T21:21:22Z",
            datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC),
        ),
        (
            "Edm.DateTimeOffset",
            "2020-04-16T21:21:22.5Z",
            datetime(2020, 4, 16, 21, 21, 22, 500000, tzinfo=UTC),
        ),
        ("Edm.Int64", 741, 741),
        ("Edm.Int64", "741", 741),
        ("Edm.Int32", 3, 3),
        ("Edm.Decimal", "4.50", Decimal("4.50")),
        ("Edm.Decimal", 4.5, Decimal("4.5")),
        ("Edm.Double", "4.5", 4.5),
        ("Edm.Double", 4, 4.0),
        ("Edm.Boolean", True, True),
        ("Edm.Boolean", "false", False),
        ("Edm.String", "x", "x"),
        ("Edm.String", None, None),
    ],
)
def test_from_json(edm_type, sent, expected) -> None:
    got = from_json(prop(edm_type), sent)
    assert got == expected
    assert type(got) is type(expected)


def test_dto_offset_keeps_the_instant_and_shows_the_zone() -> None:
    # as pyodata reads it: ms are UTC, the suffix is the zone offset in minutes
    got = from_json(DTO, "/Date(1587072082000-0130)/")
    assert got == datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC)
    assert got.utcoffset() == timedelta(minutes=-130)
    plus8 = from_json(DTO, "2020-04-17T05:21:22+08:00")
    assert plus8.utcoffset() == timedelta(hours=8)
    assert to_json(DTO, plus8) == "/Date(1587072082000+0000)/"


@pytest.mark.parametrize(
    ("edm_type", "value"),
    [
        ("Edm.DateTime", "yesterday"),
        ("Edm.DateTime", 1611619200000),
        ("Edm.DateTimeOffset", "/Date(abc)/"),
        ("Edm.DateTimeOffset", "2020-13-01T00:00:00Z"),
        ("Edm.DateTimeOffset", "/Date(1+99999)/"),
        ("Edm.Int64", "12x"),
        ("Edm.Int64", 1.5),
        ("Edm.Int64", True),
        ("Edm.Int64", 2**63),
        ("Edm.Int32", 2**31),
        ("Edm.Decimal", "NaN"),
        ("Edm.Decimal", "four"),
        ("Edm.Decimal", [1]),
        ("Edm.Double", "x"),
        ("Edm.Boolean", "yes"),
        ("Edm.Boolean", 1),
        ("Edm.String", 5),
    ],
)
def test_from_json_refuses_bad_values_naming_the_property(edm_type, value) -> None:
    with pytest.raises(ODataError) as exc:
        from_json(Prop("hireDate", edm_type), value)
    assert exc.value.status == 400
    assert "hireDate" in exc.value.message


@pytest.mark.parametrize(
    ("edm_type", "value"),
    [
        ("Edm.DateTime", datetime(2021, 1, 26, tzinfo=UTC)),
        ("Edm.DateTimeOffset", datetime(2020, 4, 16, 21, 21, 22, 123000, tzinfo=UTC)),
        ("Edm.Int64", 2**62),
        ("Edm.Int32", -5),
        ("Edm.Decimal", Decimal("12.345")),
        ("Edm.Double", 0.25),
        ("Edm.Boolean", False),
        ("Edm.String", "O'Neil"),
    ],
)
def test_round_trip(edm_type, value) -> None:
    p = prop(edm_type)
    assert from_json(p, to_json(p, value)) == value
