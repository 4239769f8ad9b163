"""The canonical models and their committed JSON Schemas must agree, and reject bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from hrhub import models as m
from hrhub.schema_export import DEFAULT_OUT_DIR, export_schemas, render, schema_filename

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "canonical"
CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 9, 30, tzinfo=CST)
ENTITIES = sorted(m.CANONICAL_MODELS)

CAND = "successfactors:candidate:C1001"
JOB = "successfactors:job:REQ-2025-017"
APP = "successfactors:application:A5001"
ITV = "hrhub:interview:A5001-1"


def _env(system: str, remote_id: str, **raw: Any) -> dict[str, Any]:
    return {"source_system": system, "remote_id": remote_id, "modified_at": T0, "raw": raw}


EXAMPLES: dict[str, BaseModel] = {
    "job": m.Job(
        **_env("successfactors", "REQ-2025-017", jobReqId="17", jobTitle="高级数据工程师"),
        title="高级数据工程师 / Senior Data Engineer",
        code="REQ-2025-017",
        department="50001234",
        location="上海",
        hiring_manager_ids=["manager_li"],
        required_skills=["Python", "Airflow", "SQL"],
        min_years_experience=5,
        screening_weights=m.ScreeningWeights(skills=50, experience=30, education=10, other=10),
        probation_attendance_rule_ids=["rule-probation-std"],
    ),
    "candidate": m.Candidate(
        **_env("successfactors", "C1001", firstName="伟", lastName="张"),
        name="张伟",
        family_name="张",
        given_name="伟",
        emails=["zhang.wei@example.cn"],
        phones=["+86 138 0013 8000"],
        id_number="110101199003071234",
        birth_date=date(1990, 3, 7),
        demographics={"gender": "male"},
        current_company="阿里巴巴",
        availability=[m.TimeSlot(start=T0, end=T0 + timedelta(hours=3))],
        tags=["内推"],
    ),
    "application": m.Application(
        **_env("successfactors", "A5001"),
        candidate_id=CAND,
        job_id=JOB,
        applied_at=T0 - timedelta(days=3),
        stage=m.Stage.SHORTLISTED,
        remote_status="Screening",
        source_channel="referral",
    ),
    "parsed_resume": m.ParsedResume(
        **_env("hrhub", "C1001-r1"),
        candidate_id=CAND,
        language="zh-CN",
        name="张伟",
        emails=["zhang.wei@example.cn"],
        phones=["13800138000"],
        education=[
            m.Education(
                institution="复旦大学",
                degree="硕士",
                major="计算机科学与技术",
                start_date=date(2012, 9, 1),
                end_date=date(2015, 7, 1),
            )
        ],
        experience=[
            m.WorkExperience(employer="阿里巴巴", title="数据工程师", start_date=date(2015, 7, 1))
        ],
        skills=["Python", "Airflow", "Spark"],
        years_experience=9.5,
        file_sha256="a" * 64,
        parser_version="resume-zh-en 0.3.0",
    ),
    "screening_result": m.ScreeningResult(
        **_env("hrhub", "A5001"),
        application_id=APP,
        candidate_id=CAND,
        job_id=JOB,
        fit_score=82.5,
        skills_score=90,
        experience_score=85,
        education_score=70,
        other_score=60,
        weights=m.ScreeningWeights(),
        rank=2,
        shortlisted=True,
        matched_skills=["Python", "Airflow"],
        missing_skills=["SQL"],
        explanation="Strong Python and Airflow; 9.5 years against 5 required.",
        screener_version="screen 0.1.0",
    ),
    "interview": m.Interview(
        **_env("hrhub", "A5001-1"),
        application_id=APP,
        candidate_id=CAND,
        slot_start=T0 + timedelta(days=2),
        slot_end=T0 + timedelta(days=2, minutes=45),
        interviewer_ids=["manager_li", "emily.clarke"],
        link_url="https://room.example.cn/i/A5001-1?exp=1741000000&sig=3f9a",
        link_expires_at=T0 + timedelta(days=3),
    ),
    "interview_analysis": m.InterviewAnalysis(
        **_env("interview_room", "sess-778"),
        interview_id=ITV,
        application_id=APP,
        candidate_id=CAND,
        language="zh-CN",
        segments=[
            m.TranscriptSegment(
                question_id="q1",
                question_text="请介绍一个你主导的数据管道项目。",
                start_ms=1200,
                end_ms=64000,
                text="我在阿里负责过一个日处理十亿条记录的 Airflow 管道……",
                language="zh-CN",
            ),
            m.TranscriptSegment(
                question_id="q2",
                question_text="How do you handle late-arriving data?",
                start_ms=65000,
                end_ms=120500,
                text="We keep an overlap window and de-duplicate by key and timestamp.",
                language="en",
            ),
        ],
        audio_ref="s3://interviews/sess-778.wav",
        audio_duration_ms=121000,
        platform_signals={"answer_latency_ms": 850, "network_ok": True, "lang": "zh-CN"},
        consent=m.Consent(audio_consent=True, recorded_at=T0, notice_version="2025-01"),
        completed_at=T0 + timedelta(days=2, minutes=40),
    ),
    "interview_result": m.InterviewResult(
        **_env("hrhub", "sess-778"),
        interview_id=ITV,
        application_id=APP,
        candidate_id=CAND,
        competency_scores=[
            m.CompetencyScore(
                competency="data_engineering",
                score=88,
                weight=0.6,
                evidence=[m.Evidence(quote="日处理十亿条记录", question_id="q1", start_ms=9000)],
            ),
            m.CompetencyScore(
                competency="communication",
                score=74,
                weight=0.4,
                features={"speech_rate_wpm": 142.0, "pause_ratio": 0.12},
            ),
        ],
        overall_score=82.4,
        recommendation=m.Recommendation.YES,
        explanation="Concrete large-scale pipeline experience; clear answers at a steady pace.",
        rubric_version="data-eng-rubric 2025.1",
        model_version="scorer 0.2.0",
        audio_features_used=True,
        scored_at=T0 + timedelta(days=2, hours=1),
    ),
    "notification": m.Notification(
        **_env("hrhub", "n-invite-A5001"),
        channel=m.NotificationChannel.DINGTALK,
        template=m.NotificationTemplate.INVITE,
        recipient="13800138000",
        recipient_role=m.RecipientRole.CANDIDATE,
        application_id=APP,
        status=m.NotificationStatus.READ,
        provider_message_id="task-256271667526",
        sent_at=T0,
        read_at=T0 + timedelta(minutes=7),
    ),
    "pre_hire": m.PreHire(
        **_env("hrhub", "A5001"),
        candidate_id=CAND,
        application_id=APP,
        name="张伟",
        mobile="13800138000",
        email="zhang.wei@example.cn",
        planned_entry_date=date(2025, 4, 1),
        department="50001234",
        position="高级数据工程师",
        probation_attendance_rule_ids=["rule-probation-std"],
    ),
    "employee": m.Employee(
        **_env("yonyou", "1001A110000000000042"),
        employee_code="E100042",
        name="张伟",
        mobile="13800138000",
        email="zhang.wei@example.cn",
        id_number="110101199003071234",
        birth_date=date(1990, 3, 7),
        organisation="0001A110000000000ORG",
        department="1001A1100000000DEPT02",
        position="高级数据工程师",
        hire_date=date(2025, 4, 1),
    ),
    "attendance_event": m.AttendanceEvent(
        **_env("attendance", "punch-99812"),
        person_code="E00123",
        punch_time=datetime(2025, 3, 3, 1, 2, 3, tzinfo=UTC),
        direction=m.Direction.IN,
        terminal="SH-HQ-GATE-2",
        source="device",
    ),
}

PERSONAL = {
    "job": set(),
    "candidate": {
        "name",
        "family_name",
        "given_name",
        "emails",
        "phones",
        "id_number",
        "birth_date",
        "demographics",
    },
    "application": set(),
    "parsed_resume": {"name", "emails", "phones"},
    "screening_result": set(),
    "interview": set(),
    "interview_analysis": {"audio_ref"},
    "interview_result": set(),
    "notification": {"recipient"},
    "pre_hire": {"name", "mobile", "email", "id_number"},
    "employee": {"name", "mobile", "email", "id_number", "birth_date"},
    "attendance_event": set(),
}


def _committed(entity: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / schema_filename(entity)).read_text(encoding="utf-8"))


def _loc_fields(exc: ValidationError) -> set[str]:
    return {str(part) for err in exc.errors() for part in err["loc"]}


def test_examples_and_flags_cover_every_model() -> None:
    assert set(EXAMPLES) == set(m.CANONICAL_MODELS) == set(PERSONAL)
    assert SCHEMA_DIR == DEFAULT_OUT_DIR


def test_committed_schemas_match_models(tmp_path: Path) -> None:
    generated = {p.name for p in export_schemas(tmp_path)}
    committed = {p.name for p in SCHEMA_DIR.glob("*.schema.json")}
    hint = "schemas/canonical is stale: run `python -m hrhub.schema_export` and commit the result"
    assert committed == generated, hint
    for entity, model in m.CANONICAL_MODELS.items():
        text = (SCHEMA_DIR / schema_filename(entity)).read_text(encoding="utf-8")
        assert text == render(model), f"{schema_filename(entity)}: {hint}"


@pytest.mark.parametrize("entity", ENTITIES)
def test_committed_schema_is_valid_2020_12(entity: str) -> None:
    schema = _committed(entity)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://hrhub.dev/schemas/canonical/{entity}.schema.json"
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{entity}.{name} has no description"


@pytest.mark.parametrize("entity", ENTITIES)
def test_example_round_trips_through_committed_schema(entity: str) -> None:
    record = EXAMPLES[entity]
    model = m.model_for(entity)
    assert type(record) is model
    payload = record.model_dump_json()
    validator = Draft202012Validator(
        _committed(entity), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [e.message for e in validator.iter_errors(json.loads(payload))]
    assert not errors, errors
    again = model.model_validate_json(payload)
    assert again == record
    assert again.canonical_id == model.make_canonical_id(record.source_system, record.remote_id)


def test_canonical_id_is_derived_and_checked() -> None:
    assert m.Candidate.make_canonical_id("yonyou", "0042") == "yonyou:candidate:0042"
    cand = m.Candidate(source_system="yonyou", remote_id="0042", modified_at=T0, name="Emily")
    assert cand.canonical_id == "yonyou:candidate:0042"
    with pytest.raises(ValidationError, match="canonical_id"):
        m.Candidate(
            canonical_id="yonyou:candidate:9999",
            source_system="yonyou",
            remote_id="0042",
            modified_at=T0,
            name="Emily",
        )


@pytest.mark.parametrize(
    ("entity", "field"),
    [(e, "modified_at") for e in ENTITIES]
    + [("interview", "slot_start"), ("attendance_event", "punch_time")],
)
def test_naive_datetime_rejected_naming_field(entity: str, field: str) -> None:
    data = EXAMPLES[entity].model_dump(mode="json")
    data[field] = "2025-03-03T09:30:00"
    with pytest.raises(ValidationError) as info:
        m.model_for(entity).model_validate(data)
    assert field in _loc_fields(info.value)
    assert "timezone" in str(info.value)
    # The schema says the same, so non-Python consumers reject it too.
    assert not Draft202012Validator(_committed(entity)).is_valid(data)


@pytest.mark.parametrize("entity", ENTITIES)
def test_unknown_field_rejected_naming_field(entity: str) -> None:
    data = EXAMPLES[entity].model_dump(mode="json")
    data["favourite_colour"] = "blue"
    with pytest.raises(ValidationError) as info:
        m.model_for(entity).model_validate(data)
    assert "favourite_colour" in _loc_fields(info.value)
    assert {e["type"] for e in info.value.errors()} == {"extra_forbidden"}
    assert not Draft202012Validator(_committed(entity)).is_valid(data)


@pytest.mark.parametrize("entity", ENTITIES)
def test_personal_data_fields_flagged(entity: str) -> None:
    assert m.personal_fields(m.model_for(entity)) == PERSONAL[entity]
    props = _committed(entity)["properties"]
    flagged = {name for name, prop in props.items() if prop.get("x-personal-data") is True}
    assert flagged == PERSONAL[entity]


@pytest.mark.parametrize(
    ("entity", "field", "value"),
    [
        ("candidate", "emails", ["not-an-email"]),
        ("candidate", "phones", ["call me"]),
        ("interview_result", "overall_score", 101),
        ("interview_result", "recommendation", "MAYBE"),
        ("application", "stage", "limbo"),
        ("application", "candidate_id", JOB),
        ("interview", "timezone", "Mars/Olympus"),
        ("attendance_event", "direction", "sideways"),
    ],
)
def test_bad_values_rejected_naming_field(entity: str, field: str, value: Any) -> None:
    data = EXAMPLES[entity].model_dump(mode="json")
    data[field] = value
    with pytest.raises(ValidationError) as info:
        m.model_for(entity).model_validate(data)
    assert field in _loc_fields(info.value)


def test_cross_field_rules() -> None:
    data = EXAMPLES["interview"].model_dump(mode="json")
    data["slot_end"] = data["slot_start"]
    with pytest.raises(ValidationError, match="slot_end must be after slot_start"):
        m.Interview.model_validate(data)
    with pytest.raises(ValidationError, match="add up to 100"):
        m.ScreeningWeights(skills=50)
    with pytest.raises(ValidationError, match="no evidence or features"):
        m.CompetencyScore(competency="teamwork", score=50, weight=1)


def test_defaults_follow_the_design() -> None:
    interview = EXAMPLES["interview"]
    assert interview.timezone == "Asia/Shanghai"
    job = EXAMPLES["job"]
    assert job.shortlist_share == 0.3 and job.review_policy is m.ReviewPolicy.REJECT
    assert m.ScreeningWeights().model_dump() == {
        "skills": 40,
        "experience": 30,
        "education": 20,
        "other": 10,
    }
    consent = m.Consent()
    assert not consent.audio_consent and not consent.automated_decision_opt_out
    assert [s.value for s in m.Stage][-1] == "dead_letter"


def test_model_for_unknown_entity() -> None:
    assert m.model_for("candidate") is m.Candidate
    with pytest.raises(KeyError, match=r"unknown canonical entity 'contractor'.*candidate"):
        m.model_for("contractor")
