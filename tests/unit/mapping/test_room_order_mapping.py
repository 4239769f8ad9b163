"""The interview room's create_orders out-mapping: an interview order from the invite step
becomes exactly the room's order body, both sides of its contract are the ones the room and the
flow use, and the checker holds the file to them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors._core.links import sign_token
from connectors.interview_room.sim_data import (
    JOB_FAMILIES,
    LANGUAGES,
    QUESTION_BANK,
    from_epoch,
    seed_orders,
)
from connectors.interview_room.simulator import MAX_QUESTIONS, InterviewRoomSimulator
from hrhub.mapping import MappingError, load_mapping
from hrhub.mapping.check import GOLDEN_DIR, check_mappings
from hrhub.mapping.contracts import SYSTEMS_DIR, Contracts, SchemaView
from hrhub.mapping.engine import REPO_ROOT

MAPPING = REPO_ROOT / "mappings" / "interview_room" / "create_orders.out.yaml"
GOLDEN = GOLDEN_DIR / "interview_room" / "create_orders.json"
TOKEN = (
    "eyJjYW5kaWRhdGUiOiJzdWNjZXNzZmFjdG9yczpjYW5kaWRhdGU6NDIiLCJleHAiOjE3NTA0MDY0MDAsImludGVy"
    "dmlldyI6ImhyaHViOmludGVydmlldzo3MDAxLWFpIn0.ikFkncE9FtZIRqfyLS68BHpL0J2DQXTXmt4oIX0640s"
)


def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def schema(relative: str) -> SchemaView:
    path = SYSTEMS_DIR / relative
    return SchemaView(json.loads(path.read_text(encoding="utf-8")), relative)


def at(view: SchemaView, path: str) -> dict[str, Any]:
    found = view.find(path)
    assert found, f"{path} is not in {view.label}"
    return found[0]


def test_the_golden_order_maps_to_exactly_the_rooms_order_body() -> None:
    body = load_mapping("interview_room", "create_orders", "out").apply(golden())
    assert body == {
        "external_id": "hrhub:interview:7001-ai",
        "application_id": "successfactors:application:7001",
        "candidate": {"id": "successfactors:candidate:42", "name": "张伟", "language": "zh"},
        "job": {"id": "successfactors:job:1009", "family": "sales"},
        "questions": [
            {"id": "q_sales", "text": "请介绍一次你超额完成销售目标的经历。"},
            {"id": "q_complaint", "text": "请讲一次你处理客户投诉的经历。"},
            {"id": "q_motivation", "text": "你为什么想加入我们？"},
        ],
        "link_token": f"https://room.example.com/room?t={TOKEN}",
    }


def test_the_golden_link_is_genuine_for_its_interview_and_candidate() -> None:
    """A realistic golden record: its token is what the sandbox's secret signs for it."""
    record = golden()
    expires = from_epoch(1_750_406_400)
    claims = {"interview": record["canonical_id"], "candidate": record["candidate_id"]}
    token = sign_token(claims, secret=InterviewRoomSimulator.LINK_SECRET, expires_at=expires)
    assert token == TOKEN and record["link_url"].endswith(f"?t={token}")


def test_the_name_and_the_link_are_flagged_personal_data() -> None:
    mapping = load_mapping("interview_room", "create_orders", "out")
    assert {r.target for r in mapping.fields if r.personal_data} == {
        "candidate.name",
        "link_token",
    }


@pytest.mark.parametrize("absent", ["null", "left out"])
@pytest.mark.parametrize(
    ("missing", "target"),
    [
        ("candidate_name", "candidate.name"),
        ("language", "candidate.language"),
        ("job_id", "job.id"),
        ("job_family", "job.family"),
        ("questions", "questions"),
        ("link_url", "link_token"),
    ],
)
def test_an_order_without_a_value_the_room_needs_is_refused_naming_the_field(
    missing: str, target: str, absent: str
) -> None:
    """The invite step sends null for what it could not find (a candidate, a job's family)."""
    record = golden()
    if absent == "null":
        record[missing] = None
    else:
        del record[missing]
    mapping = load_mapping("interview_room", "create_orders", "out")
    with pytest.raises(MappingError) as caught:
        mapping.apply(record, record_id=record["canonical_id"])
    assert (caught.value.field, caught.value.source) == (target, missing)
    assert caught.value.record_id == "hrhub:interview:7001-ai"


def test_an_order_with_nulls_still_fits_the_source_schema() -> None:
    """What the mapping letters is a record the invite step really makes, not a broken one."""
    record = {**golden(), "candidate_name": None, "job_id": None, "job_family": None}
    assert schema("interview_room/interview_order.json").errors({**record, "questions": []}) == []


def test_the_contract_reads_interview_orders_and_writes_the_rooms_order_body() -> None:
    contract = Contracts().contract_for("interview_room", "create_orders", "out")
    assert contract.entity == "interview" and not contract.canonical_source
    assert contract.source is not None and contract.target is not None
    assert contract.source.label == "schemas/systems/interview_room/interview_order.json"
    assert contract.target.label == "schemas/systems/interview_room/create_orders.json"
    assert set(contract.required_targets) == {
        "external_id",
        "application_id",
        "candidate",
        "job",
        "questions",
        "link_token",
    }
    assert contract.problems == () and contract.skipped == ()


def test_the_order_schema_knows_what_the_room_accepts() -> None:
    """The schema's lists are the simulator's own, so neither can drift from the other."""
    view = schema("interview_room/create_orders.json")
    assert tuple(at(view, "candidate.language")["enum"]) == LANGUAGES
    assert tuple(at(view, "job.family")["enum"]) == JOB_FAMILIES
    assert at(view, "questions.0.id")["enum"] == list(QUESTION_BANK)
    assert at(view, "questions")["maxItems"] == MAX_QUESTIONS


def test_the_orders_the_room_itself_seeds_fit_the_order_schema() -> None:
    view = schema("interview_room/create_orders.json")
    as_of = from_epoch(1_750_000_000)
    bodies = seed_orders(9, as_of)
    for body in bodies:
        del body["_completed_at"], body["_duration_s"]  # the seed's own bookkeeping
        claims = {"interview": body["external_id"], "candidate": body["candidate"]["id"]}
        body["link_token"] = sign_token(claims, secret="s", expires_at=as_of + timedelta(hours=1))
        assert view.errors(body) == [], body
    assert {b["job"]["family"] for b in bodies} == set(JOB_FAMILIES)
    assert {b["candidate"]["language"] for b in bodies} == set(LANGUAGES)


def test_the_order_schema_refuses_what_the_room_refuses() -> None:
    view = schema("interview_room/create_orders.json")
    body = load_mapping("interview_room", "create_orders", "out").apply(golden())
    body["questions"][1]["id"] = "q_bogus"
    body["candidate"]["language"] = "fr"
    assert [where for where, _ in view.errors(body)] == ["candidate.language", "questions.1.id"]


# --- the checker holds the file to its contract ---------------------------------------------------


def copied(tmp_path: Path, mapping_text: str, record: dict[str, Any]) -> tuple[Path, Path]:
    """The mapping (as given) and a golden record in a tree of their own."""
    path = tmp_path / "mappings" / "interview_room" / "create_orders.out.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(mapping_text, encoding="utf-8")
    goldens = tmp_path / "golden"
    (goldens / "interview_room").mkdir(parents=True)
    (goldens / "interview_room" / "create_orders.json").write_text(
        json.dumps(record, ensure_ascii=False), encoding="utf-8"
    )
    return path, goldens


def test_the_shipped_file_checks_clean_with_its_golden_record(tmp_path: Path) -> None:
    path, goldens = copied(tmp_path, MAPPING.read_text(encoding="utf-8"), golden())
    report = check_mappings([path], golden_dir=goldens)
    assert report.ok and report.goldens == 1, report


def test_a_golden_question_outside_the_bank_is_reported(tmp_path: Path) -> None:
    record = golden()
    record["questions"][2]["id"] = "q_salary"
    path, goldens = copied(tmp_path, MAPPING.read_text(encoding="utf-8"), record)
    report = check_mappings([path], golden_dir=goldens)
    assert [(p.kind, p.field) for p in report.problems] == [("golden", "questions.2.id")], report
    assert "create_orders.json refuses" in report.problems[0].reason


def test_a_target_the_room_does_not_take_is_reported(tmp_path: Path) -> None:
    text = MAPPING.read_text(encoding="utf-8").replace("candidate.language:", "candidate.lang:")
    path, goldens = copied(tmp_path, text, golden())
    report = check_mappings([path], golden_dir=goldens)
    found = {(p.kind, p.field) for p in report.problems}
    assert ("target", "candidate.lang") in found, report
    assert ("required", "candidate.language") in found, report


def test_a_source_path_the_invite_step_does_not_send_is_reported(tmp_path: Path) -> None:
    text = MAPPING.read_text(encoding="utf-8").replace("from: job_family", "from: family")
    path, goldens = copied(tmp_path, text, golden())
    problems = check_mappings([path], golden_dir=goldens).problems
    source = [p for p in problems if p.kind == "source"]
    assert [(p.field, "interview_order.json" in p.reason) for p in source] == [("job.family", True)]
