"""mappings/attendance/attendance_event.in.yaml on ZKBioTime transaction payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hrhub.mapping import Mapping, MappingError, load_mapping

SHANGHAI = ZoneInfo("Asia/Shanghai")

# One item of GET /iclock/api/transactions/ "data", as BioTime 8.5 returns it.
TRANSACTION: dict[str, Any] = {
    "id": 4211,
    "emp_code": "10086",
    "first_name": "伟",
    "last_name": "张",
    "department": "研发部",
    "position": "数据工程师",
    "punch_time": "2024-03-01 08:59:12",
    "punch_state": "0",
    "punch_state_display": "Check In",
    "verify_type": 1,
    "verify_type_display": "Fingerprint",
    "work_code": "0",
    "gps_location": None,
    "area_alias": "上海总部",
    "terminal_sn": "CQZ7224460246",
    "temperature": 36.5,
    "terminal_alias": "Lobby Gate 1",
    "upload_time": "2024-03-01 09:03:45",
}


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return load_mapping("attendance", "attendance_event", "in")


def test_a_transaction_becomes_a_canonical_event(mapping: Mapping) -> None:
    event = mapping.apply(TRANSACTION, record_id="4211")
    assert event == {
        "remote_id": "10086|2024-03-01 08:59:12|0",
        "source_system": "attendance",
        "person_code": "10086",
        "punch_time": datetime(2024, 3, 1, 8, 59, 12, tzinfo=SHANGHAI),
        "direction": "in",
        "terminal": "CQZ7224460246",
        "modified_at": datetime(2024, 3, 1, 9, 3, 45, tzinfo=SHANGHAI),
        "source": "device",
    }
    assert event["punch_time"].astimezone(UTC) == datetime(2024, 3, 1, 0, 59, 12, tzinfo=UTC)


def test_names_and_other_personal_details_are_not_carried(mapping: Mapping) -> None:
    event = mapping.apply(TRANSACTION)
    flat = repr(event)
    for value in ("张", "伟", "研发部", "Fingerprint", "36.5", "Lobby Gate 1"):
        assert value not in flat
    sources = {rule.source for rule in mapping.fields}
    assert not sources & {"first_name", "last_name", "temperature", "gps_location"}


@pytest.mark.parametrize(
    ("state", "direction"), [("0", "in"), ("1", "out"), ("4", "other"), ("5", "other"), (0, "in")]
)
def test_punch_states(mapping: Mapping, state: Any, direction: str) -> None:
    assert mapping.apply({**TRANSACTION, "punch_state": state})["direction"] == direction


def test_the_person_code_is_personal_data_and_required(mapping: Mapping) -> None:
    rule = next(rule for rule in mapping.fields if rule.target == "person_code")
    assert rule.personal_data and rule.required
    with pytest.raises(MappingError, match="field 'person_code' \\(from 'emp_code'"):
        mapping.apply({**TRANSACTION, "emp_code": ""}, record_id="4211")


def test_a_bad_punch_time_names_record_field_file_and_line(mapping: Mapping) -> None:
    line = next(rule.line for rule in mapping.fields if rule.target == "punch_time")
    with pytest.raises(MappingError) as caught:
        mapping.apply({**TRANSACTION, "punch_time": "2024-13-01 08:00:00"}, record_id="4211")
    assert str(caught.value) == (
        "record attendance:4211 field 'punch_time' (from 'punch_time', "
        f"mappings/attendance/attendance_event.in.yaml line {line}): "
        "naive_local: cannot parse '2024-13-01 08:00:00'"
    )


def test_a_page_with_a_bad_punch_still_maps_the_others(mapping: Mapping) -> None:
    page = [
        TRANSACTION,
        {**TRANSACTION, "id": 4212, "upload_time": "2024-03-01T09:04:00+08:00"},
        {**TRANSACTION, "id": 4213, "punch_state": "1", "punch_time": "2024-03-01 18:02:00"},
    ]
    events, errors = mapping.apply_many(page, "id")
    assert [e["remote_id"] for e in events] == [
        "10086|2024-03-01 08:59:12|0",
        "10086|2024-03-01 18:02:00|1",
    ]
    assert [(e.record_id, e.field) for e in errors] == [("4212", "modified_at")]
    assert "without offset" in str(errors[0])
