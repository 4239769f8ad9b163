"""Every transform with good and bad input, and the registry's load-time checks."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hrhub.mapping import TRANSFORMS, TransformError, register_transform
from hrhub.mapping.transforms import compile_transform, get_transform

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(name: str, value: Any, **params: Any) -> Any:
    return compile_transform(name, params)(value)


def fails(name: str, value: Any, match: str, **params: Any) -> TransformError:
    with pytest.raises(TransformError, match=match) as caught:
        run(name, value, **params)
    assert str(caught.value).startswith(f"{name}: ")
    return caught.value


def test_registry_holds_the_documented_transforms() -> None:
    assert set(TRANSFORMS) >= {
        "str", "int", "float", "strip", "lower", "upper", "sf_date", "epoch_ms", "naive_local",
        "iso_datetime", "iso_date", "enum", "concat", "split", "mask", "hash", "cn_mobile",
        "multiply", "pluck",
    }  # fmt: skip


def test_registered_transforms_are_callable_directly() -> None:
    assert TRANSFORMS["upper"]("ab") == "AB"
    assert TRANSFORMS["split"]("a-b", sep="-", index=1) == "b"


# --- scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(42, "42"), ("E1", "E1"), (1.5, "1.5"), (True, "True")]
)
def test_str(value: Any, expected: str) -> None:
    assert run("str", value) == expected


@pytest.mark.parametrize("value", [{"a": 1}, [1], b"x"])
def test_str_refuses_containers(value: Any) -> None:
    fails("str", value, "expected a scalar")


@pytest.mark.parametrize(("value", "expected"), [(7, 7), (" 12 ", 12), ("-3", -3), (4.0, 4)])
def test_int(value: Any, expected: int) -> None:
    assert run("int", value) == expected


@pytest.mark.parametrize("value", ["12.5", 12.5, "abc", True, None, ""])
def test_int_never_rounds_or_guesses(value: Any) -> None:
    fails("int", value, "int: ")


@pytest.mark.parametrize(("value", "expected"), [(2, 2.0), ("2.5", 2.5), (" -1e3 ", -1000.0)])
def test_float(value: Any, expected: float) -> None:
    assert run("float", value) == expected


@pytest.mark.parametrize("value", ["abc", "nan", "inf", False, [1.0]])
def test_float_rejects_non_numbers(value: Any) -> None:
    fails("float", value, "float: ")


def test_text_case_and_whitespace() -> None:
    assert run("strip", "  张伟 \t") == "张伟"
    assert run("lower", "Zhang.Wei@Example.CN") == "zhang.wei@example.cn"
    assert run("upper", "req-17") == "REQ-17"


@pytest.mark.parametrize("name", ["strip", "lower", "upper"])
def test_text_transforms_refuse_non_text(name: str) -> None:
    fails(name, 5, "expected text, got int")


# --- dates and times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["/Date(1611619200000)/", "/Date(1611619200000+0000)/", "/Date(1611619200000-0130)/"],
)
def test_sf_date_reads_utc_milliseconds_whatever_the_offset_suffix(value: str) -> None:
    assert run("sf_date", value) == datetime(2021, 1, 26, tzinfo=UTC)


def test_sf_date_before_1970_and_escaped_slashes() -> None:
    assert run("sf_date", "/Date(-86400000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert run("sf_date", "\\/Date(0)\\/") == datetime(1970, 1, 1, tzinfo=UTC)


def test_sf_date_result_is_aware_utc() -> None:
    result = run("sf_date", "/Date(1587072082000+0000)/")
    assert result.tzinfo is UTC
    assert result == datetime(2020, 4, 16, 21, 21, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2021-01-26", "/Date(abc)/", "/Date(1611619200000+00)/", "Date(1)", 1611619200000]
)
def test_sf_date_rejects_other_shapes(value: Any) -> None:
    fails("sf_date", value, "sf_date: ")


def test_sf_date_out_of_range() -> None:
    fails("sf_date", "/Date(99999999999999999)/", "out of range")


@pytest.mark.parametrize("value", [1700000000000, "1700000000000", 1700000000000.0])
def test_epoch_ms(value: Any) -> None:
    assert run("epoch_ms", value) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2023-11-14", "17e11", True, 1.5])
def test_epoch_ms_rejects(value: Any) -> None:
    fails("epoch_ms", value, "epoch_ms: ")


@pytest.mark.parametrize(
    "value", ["2024-03-01 08:59:12", "2024-03-01T08:59:12", " 2024-03-01 08:59:12"]
)
def test_naive_local_defaults_to_shanghai(value: str) -> None:
    result = run("naive_local", value)
    assert result == datetime(2024, 3, 1, 8, 59, 12, tzinfo=SHANGHAI)
    assert result.utcoffset() == timedelta(hours=8)


def test_naive_local_with_zone() -> None:
    result = run("naive_local", "2024-07-01 09:00:00", zone="Europe/Berlin")
    assert result.astimezone(UTC) == datetime(2024, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("2024-13-01 08:00:00", "cannot parse '2024-13-01 08:00:00'"),
        ("2024-13-01", "cannot parse '2024-13-01'"),
        ("01/03/2024 08:00", "cannot parse"),
        ("2024-03-01T08:00:00+08:00", "without offset"),
        (1709254752, "expected text"),
    ],
)
def test_naive_local_rejects(value: Any, match: str) -> None:
    fails("naive_local", value, match)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-03-01T17:30:00Z", "2026-03-02"),  # 01:30 the next morning in Shanghai
        ("2026-03-01T17:30:00+00:00", "2026-03-02"),
        ("2026-03-02T01:30:00+08:00", "2026-03-02"),
        (datetime(2026, 3, 1, 15, 59, tzinfo=UTC), "2026-03-01"),
    ],
)
def test_to_local_date_gives_the_day_in_shanghai(value: Any, day: str) -> None:
    assert run("to_local_date", value) == day


def test_to_local_date_with_zone_and_refusals() -> None:
    assert run("to_local_date", "2026-03-01T23:30:00Z", zone="Europe/Berlin") == "2026-03-02"
    fails("to_local_date", "2026-03-01 08:00:00", "needs a time zone")
    fails("to_local_date", "yesterday", "cannot parse")


def test_iso_datetime_keeps_the_offset() -> None:
    result = run("iso_datetime", "2024-03-01T08:00:00+08:00")
    assert result.utcoffset() == timedelta(hours=8)
    assert run("iso_datetime", "2024-03-01T00:00:00Z") == result


def test_iso_datetime_refuses_naive_unless_a_zone_is_given() -> None:
    fails("iso_datetime", "2024-03-01T08:00:00", "no offset")
    given = run("iso_datetime", "2024-03-01T08:00:00", zone="Asia/Shanghai")
    assert given == datetime(2024, 3, 1, tzinfo=UTC)  # the same instant


@pytest.mark.parametrize("value", ["2024-02-30T08:00:00Z", "yesterday", "2024-03-01"])
def test_iso_datetime_rejects(value: str) -> None:
    fails("iso_datetime", value, "iso_datetime: ")


def test_iso_date() -> None:
    assert run("iso_date", "2024-02-29") == date(2024, 2, 29)
    assert run("iso_date", date(2024, 1, 1)) == date(2024, 1, 1)


@pytest.mark.parametrize("value", ["2023-02-29", "2024-03-01 08:00:00", "20240301", 20240301])
def test_iso_date_rejects(value: Any) -> None:
    fails("iso_date", value, "iso_date: ")


# --- codes and text ------------------------------------------------------------------------

PUNCH = {"map": {"0": "in", "1": "out"}}


def test_enum_translates_and_compares_codes_as_text_too() -> None:
    assert run("enum", "0", **PUNCH) == "in"
    assert run("enum", 1, **PUNCH) == "out"


def test_enum_refuses_containers() -> None:
    fails("enum", ["0"], "expected a code, got list", **PUNCH)


def test_enum_default_catches_unknown_codes() -> None:
    assert run("enum", "4", **PUNCH, default="other") == "other"
    assert run("enum", "4", **PUNCH, default=None) is None


def test_enum_unknown_value_names_the_value_and_the_allowed_ones() -> None:
    error = fails("enum", "7", "unknown value '7'; allowed: '0', '1'", **PUNCH)
    assert "'7'" not in error.safe_message


def test_concat_skips_empty_parts() -> None:
    assert run("concat", ["张", None, "", "  ", "伟"], sep="") == "张伟"
    assert run("concat", ["Li", "Wei"]) == "Li Wei"
    assert run("concat", [None, ""]) is None


@pytest.mark.parametrize("value", ["ab", 5, [{"a": 1}]])
def test_concat_rejects(value: Any) -> None:
    fails("concat", value, "concat: ")


OPERATORS = [  # an expanded SAP to-many navigation's `results`
    {"__metadata": {"uri": "u1"}, "userName": "recruiter02", "firstName": "伟"},
    {"__metadata": {"uri": "u2"}, "userName": "recruiter01", "firstName": "娜"},
]


def test_pluck_reads_one_key_of_each_object_in_order() -> None:
    assert run("pluck", OPERATORS, key="userName") == ["recruiter02", "recruiter01"]
    assert run("pluck", OPERATORS, key="firstName") == ["伟", "娜"]
    assert run("pluck", [], key="userName") == []


def test_pluck_drops_empty_values_and_repeats() -> None:
    rows = [*OPERATORS, {"userName": None}, {"userName": " "}, {"userName": "recruiter02"}]
    assert run("pluck", rows, key="userName") == ["recruiter02", "recruiter01"]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"results": OPERATORS}, "expected a list of objects, got dict"),
        ("recruiter01", "expected a list of objects, got str"),
        (["recruiter01"], "item 0 is a str, not an object"),
        (
            [OPERATORS[0], {"usersSysId": "x"}],
            "item 1 has no key 'userName' \\(keys: usersSysId\\)",
        ),
        ([{"userName": ["a", "b"]}], "item 0's 'userName' is a list"),
    ],
)
def test_pluck_refuses_what_is_not_a_list_of_objects_with_the_key(value: Any, match: str) -> None:
    fails("pluck", value, match, key="userName")


def test_pluck_hides_the_values_it_quotes_in_its_safe_message() -> None:
    error = fails("pluck", ["li.na@corp.example.cn"], "item 0 is a str", key="userName")
    assert "li.na" in str(error) and "li.na" not in error.safe_message


def test_split() -> None:
    assert run("split", "zhang.wei@example.cn", sep="@", index=1) == "example.cn"
    assert run("split", "Li Wei") == "Li"
    assert run("split", "a/b/c", sep="/", index=-1) == "c"


def test_split_rejects() -> None:
    fails("split", "a-b", "no part 2 \\(only 2\\)", sep="-", index=2)
    fails("split", 12, "expected text")


# --- personal data -------------------------------------------------------------------------


def test_mask_keeps_the_tail() -> None:
    assert run("mask", "13800138000") == "*******8000"
    assert run("mask", "110101199003071234", keep=2) == "****************34"
    assert run("mask", 13800138000, keep=0) == "*" * 11


def test_mask_hides_short_values_whole() -> None:
    assert run("mask", "123") == "***"
    assert run("mask", "1234") == "****"


def test_mask_rejects() -> None:
    fails("mask", None, "expected text or an integer")
    fails("mask", 1.5, "expected text or an integer")


def test_hash_is_sha256_hex_with_optional_salt() -> None:
    assert run("hash", "E1001") == hashlib.sha256(b"E1001").hexdigest()
    salted = run("hash", "E1001", salt="hrhub:")
    assert salted == hashlib.sha256(b"hrhub:E1001").hexdigest()
    assert run("hash", 1001) == hashlib.sha256(b"1001").hexdigest()


def test_hash_rejects() -> None:
    fails("hash", {"id": 1}, "hash: ")


@pytest.mark.parametrize(
    "value",
    [
        "+86 138-0013-8000",
        "13800138000",
        "0086 138 0013 8000",
        "8613800138000",
        "+86-138-0013-8000",
        "(+86) 138 0013 8000",
        "138\u30000013\u30008000",
        13800138000,
    ],
)
def test_cn_mobile_normalises(value: Any) -> None:
    assert run("cn_mobile", value) == "13800138000"


@pytest.mark.parametrize(
    "value", ["+1 415 555 0100", "12800138000", "1380013800", "138001380001", "010-12345678", ""]
)
def test_cn_mobile_rejects_everything_else(value: str) -> None:
    error = fails("cn_mobile", value, "not a Chinese mobile number")
    assert "<redacted>" in error.safe_message
    assert not value or value not in error.safe_message


def test_multiply_converts_units() -> None:
    assert run("multiply", 2, factor=60) == 120
    assert isinstance(run("multiply", 2, factor=60), int)
    assert run("multiply", "1.5", factor=60) == 90.0
    assert run("multiply", "12", factor=100) == 1200
    assert run("multiply", 12.34, factor=0.5) == pytest.approx(6.17)


@pytest.mark.parametrize("value", ["abc", True, None, "nan"])
def test_multiply_rejects(value: Any) -> None:
    fails("multiply", value, "multiply: ", factor=2)


# --- registry and parameters ---------------------------------------------------------------


def test_unknown_transform_lists_the_known_ones() -> None:
    with pytest.raises(TransformError) as caught:
        get_transform("sf_dat")
    message = str(caught.value)
    assert "unknown transform 'sf_dat'" in message
    assert "did you mean 'sf_date'?" in message
    assert "known: cn_mobile, collect, concat, enum" in message


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("naive_local", {"zon": "UTC"}, "unknown parameter 'zon'.*accepted: zone"),
        ("str", {"x": 1}, "accepted: none"),
        ("naive_local", {"zone": "Asia/Shangai"}, "unknown time zone 'Asia/Shangai'"),
        ("multiply", {}, "needs parameter 'factor'"),
        ("multiply", {"factor": "60"}, "'factor'.*must be a number, got str"),
        ("split", {"index": "1"}, "must be an integer"),
        ("split", {"sep": ""}, "non-empty 'sep'"),
        ("mask", {"keep": -1}, "'keep' >= 0"),
        ("mask", {"keep": True}, "must be an integer, got bool"),
        ("enum", {}, "needs parameter 'map'"),
        ("enum", {"map": {}}, "non-empty 'map'"),
        ("enum", {"map": {True: "x"}}, "boolean; quote it"),
        ("enum", {"map": ["0"]}, "must be a mapping"),
        ("enum", {"map": {0: "in"}}, "must be text; quote it \\('0'\\)"),
        ("hash", {"salt": 5}, "must be text"),
        ("pluck", {}, "needs parameter 'key'"),
        ("pluck", {"key": ""}, "non-empty 'key'"),
        ("pluck", {"key": 1}, "'key'.*must be text"),
    ],
)
def test_parameters_are_checked_when_compiled(name: str, params: dict, match: str) -> None:
    with pytest.raises(TransformError, match=match):
        compile_transform(name, params)


def test_register_transform_adds_a_name_once() -> None:
    @register_transform("test_reverse")
    def reverse(value: Any) -> str:
        return str(value)[::-1]

    try:
        assert compile_transform("test_reverse")("abc") == "cba"
        with pytest.raises(ValueError, match="already registered"):
            register_transform("test_reverse")(reverse)
    finally:
        del TRANSFORMS["test_reverse"]


def test_cn_mobile_writes_a_prefix_for_systems_that_want_the_country_code() -> None:
    assert run("cn_mobile", "138 0013 8000", prefix="+86-") == "+86-13800138000"
    fails("cn_mobile", "12345", "not a Chinese mobile number", prefix="+86-")


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("2024-03-01T00:59:12+00:00", "Asia/Shanghai", "2024-03-01 08:59:12"),
        (datetime(2024, 3, 1, 8, 59, 12, tzinfo=SHANGHAI), "Asia/Shanghai", "2024-03-01 08:59:12"),
        ("2024-07-01T09:00:00+02:00", "Europe/Berlin", "2024-07-01 09:00:00"),
    ],
)
def test_to_naive_local_writes_the_wall_clock(value: Any, zone: str, expected: str) -> None:
    assert run("to_naive_local", value, zone=zone) == expected


@pytest.mark.parametrize("value", ["2024-03-01 08:59:12", "2024-03-01", "yesterday"])
def test_to_naive_local_refuses_what_it_cannot_place(value: str) -> None:
    fails("to_naive_local", value, "to_naive_local: ")


@pytest.mark.parametrize("zone", ["Asia", "a" * 300])  # a folder of zones; a name too long
def test_a_zone_the_system_cannot_open_is_an_unknown_zone(zone: str) -> None:
    with pytest.raises(TransformError, match="unknown time zone"):
        compile_transform("naive_local", {"zone": zone})
