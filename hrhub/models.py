"""Canonical records: the one shape every source system is mapped into and every target is fed from.

Names follow the common ATS models (Merge, HR Open) so integrators recognise them. The JSON
Schemas in ``schemas/canonical/`` are generated from these classes (``python -m
hrhub.schema_export``) and a test keeps them equal, because auditors and mapping contract tests
read the schemas, not the Python.

Fields holding personal data carry ``"x-personal-data": true`` in their schema so redaction,
scopes and audit reports can find them without a hand-kept list. The sensitive ones among them
(PIPL art. 28: id numbers, features measured from the voice, which may be biometric) also
carry ``"x-sensitive": true``; the ledger seals them at rest (``sensitive_paths``,
hrhub/ledger/sealing.py).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

__all__ = [
    "CANONICAL_MODELS",
    "DECISION_RECOMMENDATION",
    "PERSONAL_DATA",
    "SENSITIVE_DATA",
    "Application",
    "AttendanceEvent",
    "AwareDT",
    "Candidate",
    "CanonicalRecord",
    "CompetencyScore",
    "Consent",
    "Decision",
    "Direction",
    "Education",
    "Employee",
    "Evidence",
    "Interview",
    "InterviewAnalysis",
    "InterviewResult",
    "InterviewStatus",
    "Job",
    "JobStatus",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "NotificationTemplate",
    "ParsedResume",
    "PreHire",
    "RecipientRole",
    "Recommendation",
    "ReviewPolicy",
    "ScreeningResult",
    "ScreeningWeights",
    "Speaker",
    "Stage",
    "TimeSlot",
    "TranscriptSegment",
    "WorkExperience",
    "model_for",
    "personal_fields",
    "sensitive_paths",
]

PERSONAL_DATA: dict[str, Any] = {"x-personal-data": True}
"""Schema extension marking a field as personal information (PIPL / GDPR)."""

SENSITIVE_DATA: dict[str, Any] = {**PERSONAL_DATA, "x-sensitive": True}
"""Schema extension marking sensitive personal information (PIPL art. 28), sealed at rest."""

DEFAULT_TIMEZONE = "Asia/Shanghai"

# Loose on purpose: mapping must not drop a record over an exotic but deliverable address.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{4,31}$"
SYSTEM_PATTERN = r"^[a-z][a-z0-9_\-]*$"
# Offset required, so the schema rejects naive timestamps just like the model does.
_AWARE_PATTERN = r"(Z|z|[+\-]\d{2}:\d{2})$"

AwareDT = Annotated[
    AwareDatetime,
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _AWARE_PATTERN}),
]
"""Timezone-aware datetime; naive values are rejected (a wall time alone is ambiguous)."""

Email = Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254)]
Phone = Annotated[str, Field(pattern=PHONE_PATTERN)]
Score = Annotated[float, Field(ge=0, le=100)]


def _ref(entity: str) -> str:
    """Pattern for a canonical id of one entity, so references cannot point at the wrong kind."""
    return rf"^[a-z][a-z0-9_\-]*:{entity}:.+$"


def _pd(default: Any = PydanticUndefined, **kwargs: Any) -> Any:
    """A Field flagged as personal data."""
    return Field(default, json_schema_extra=PERSONAL_DATA, **kwargs)


def _sensitive(default: Any = PydanticUndefined, **kwargs: Any) -> Any:
    """A Field flagged as sensitive personal data: the ledger stores it encrypted."""
    return Field(default, json_schema_extra=SENSITIVE_DATA, **kwargs)


# --------------------------------------------------------------------------- enums


class Stage(StrEnum):
    """Where an application is in the hub's flow (not the source system's own status)."""

    EXTRACTED = "extracted"
    SCREENED = "screened"
    SHORTLISTED = "shortlisted"
    SCHEDULED = "scheduled"
    INVITED = "invited"
    INTERVIEWED = "interviewed"
    SCORED = "scored"
    IN_REVIEW = "in_review"
    PUSHED = "pushed"
    HIRED = "hired"
    REJECTED = "rejected"
    DEAD_LETTER = "dead_letter"


class Recommendation(StrEnum):
    """Overall recommendation, as Merge's Scorecard ``overall_recommendation``."""

    STRONG_YES = "STRONG_YES"
    YES = "YES"
    NO = "NO"
    STRONG_NO = "STRONG_NO"
    NO_DECISION = "NO_DECISION"


class Decision(StrEnum):
    """Outcome of the interview rubric by the job family's thresholds.

    It maps onto `Recommendation` (pass -> YES, hold -> NO_DECISION, reject -> NO), which is what
    target systems read; the decision is what the rubric and the reviewer speak of.
    """

    PASS = "pass"
    HOLD = "hold"
    REJECT = "reject"


DECISION_RECOMMENDATION: dict[Decision, Recommendation] = {
    Decision.PASS: Recommendation.YES,
    Decision.HOLD: Recommendation.NO_DECISION,
    Decision.REJECT: Recommendation.NO,
}
"""The recommendation a rubric decision is written as."""

_RECOMMENDATION_DECISION: dict[Recommendation, Decision] = {
    Recommendation.STRONG_YES: Decision.PASS,
    Recommendation.YES: Decision.PASS,
    Recommendation.NO_DECISION: Decision.HOLD,
    Recommendation.NO: Decision.REJECT,
    Recommendation.STRONG_NO: Decision.REJECT,
}


class JobStatus(StrEnum):
    """Posting status of a job (Merge Job.status)."""

    OPEN = "open"
    CLOSED = "closed"
    DRAFT = "draft"
    ARCHIVED = "archived"
    PENDING = "pending"


class ReviewPolicy(StrEnum):
    """Which scored results a person must confirm before write-back."""

    ALL = "all"
    REJECT = "reject"
    NONE = "none"


class InterviewStatus(StrEnum):
    """Lifecycle of a scheduled interview."""

    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Speaker(StrEnum):
    """Who speaks in a transcript segment."""

    CANDIDATE = "candidate"
    INTERVIEWER = "interviewer"
    SYSTEM = "system"


class NotificationChannel(StrEnum):
    """How a notification is delivered."""

    DINGTALK = "dingtalk"
    EMAIL = "email"
    SMS = "sms"


class NotificationTemplate(StrEnum):
    """Message template; pass/reject/pending carry the decision, invite/reminder/reschedule the
    link."""

    PASS = "pass"
    REJECT = "reject"
    PENDING = "pending"
    INVITE = "invite"
    REMINDER = "reminder"
    RESCHEDULE = "reschedule"


class NotificationStatus(StrEnum):
    """Delivery state; read comes from DingTalk read receipts."""

    QUEUED = "queued"
    SENT = "sent"
    READ = "read"
    FAILED = "failed"


class RecipientRole(StrEnum):
    """Role of the recipient in the hiring process."""

    CANDIDATE = "candidate"
    HIRING_MANAGER = "hiring_manager"
    INTERVIEWER = "interviewer"


class Direction(StrEnum):
    """Clock-in, clock-out, or another terminal state (break, overtime) kept as "other"."""

    IN = "in"
    OUT = "out"
    OTHER = "other"


# --------------------------------------------------------------------------- parts


class _Part(BaseModel):
    """Nested value object: same strictness as the records, no identity of its own."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class TimeSlot(_Part):
    """An interval of time, e.g. a stated availability."""

    start: AwareDT = Field(description="Slot start, timezone-aware.")
    end: AwareDT = Field(description="Slot end, timezone-aware; after start.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ScreeningWeights(_Part):
    """Job-fit weights in percent; they must add up to 100 so scores stay on a 0-100 scale."""

    skills: float = Field(40, ge=0, le=100, description="Weight of skill match, percent.")
    experience: float = Field(30, ge=0, le=100, description="Weight of experience, percent.")
    education: float = Field(20, ge=0, le=100, description="Weight of education, percent.")
    other: float = Field(10, ge=0, le=100, description="Weight of everything else, percent.")

    @model_validator(mode="after")
    def _sum_100(self) -> Self:
        total = self.skills + self.experience + self.education + self.other
        if abs(total - 100) > 1e-6:
            raise ValueError(f"weights must add up to 100, got {total:g}")
        return self


class Education(_Part):
    """One education entry from a resume."""

    institution: str = Field(min_length=1, description="School or university, e.g. 清华大学.")
    degree: str | None = Field(None, description="Degree as written, e.g. 本科, Master.")
    major: str | None = Field(None, description="Field of study, e.g. 计算机科学与技术.")
    start_date: date | None = Field(None, description="First day of the month if only YYYY-MM.")
    end_date: date | None = Field(None, description="Null while still enrolled.")


class WorkExperience(_Part):
    """One employment entry from a resume."""

    employer: str = Field(min_length=1, description="Employer name as written.")
    title: str | None = Field(None, description="Job title held.")
    start_date: date | None = Field(None, description="First day of the month if only YYYY-MM.")
    end_date: date | None = Field(None, description="Null for the current position.")


MAX_OFFSET_MS = 86_400_000  # a day


class TranscriptSegment(_Part):
    """One utterance of the interview, tied to the question it answers."""

    question_id: str = Field(min_length=1, description="Question id in the interview plan.")
    question_text: str | None = Field(None, description="Question as asked.")
    speaker: Speaker = Field(Speaker.CANDIDATE, description="Who is speaking.")
    # No interview lasts a day: a later offset is a broken transcript, not a long answer.
    start_ms: int = Field(
        ge=0, le=MAX_OFFSET_MS, description="Offset from the recording start, milliseconds."
    )
    end_ms: int = Field(
        ge=0, le=MAX_OFFSET_MS, description="Offset from the recording start, milliseconds."
    )
    text: str = Field(description="Transcribed text.")
    language: str | None = Field(None, description="BCP 47 tag, e.g. zh-CN, en.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_ms < self.start_ms:
            raise ValueError("end_ms must not be before start_ms")
        return self


class Consent(_Part):
    """What the candidate agreed to; both default to the protective choice."""

    audio_consent: bool = Field(
        False, description="Candidate consented to audio/voice analysis (sensitive PI)."
    )
    automated_decision_opt_out: bool = Field(
        False,
        description="Candidate refused decisions made solely by automation (PIPL art. 24); "
        "the result must go to a person.",
    )
    recorded_at: AwareDT | None = Field(None, description="When consent was captured.")
    notice_version: str | None = Field(None, description="Version of the notice shown.")


class Evidence(_Part):
    """A quote backing a score, so the candidate and the reviewer can see why."""

    quote: str = Field(min_length=1, description="Verbatim transcript excerpt.")
    question_id: str | None = Field(None, description="Question the quote answers.")
    start_ms: int | None = Field(None, ge=0, description="Offset of the quote, milliseconds.")
    end_ms: int | None = Field(None, ge=0, description="End offset of the quote, milliseconds.")


class CompetencyScore(_Part):
    """Score of one rubric competency; it must carry evidence or measured features."""

    competency: str = Field(min_length=1, description="Competency id from the rubric.")
    score: Score = Field(description="Score 0-100.")
    weight: float = Field(ge=0, le=1, description="Weight in the overall score, 0-1.")
    evidence: list[Evidence] = Field(default_factory=list, description="Supporting quotes.")
    features: dict[str, float] = _sensitive(
        default_factory=dict,
        description="Measured features used, e.g. speech_rate_sps; those of the voice may be "
        "biometric data.",
    )

    @model_validator(mode="after")
    def _has_evidence(self) -> Self:
        if not self.evidence and not self.features:
            raise ValueError(f"competency {self.competency!r} has no evidence or features")
        return self


# --------------------------------------------------------------------------- records


class CanonicalRecord(BaseModel):
    """Common envelope: provenance, a deterministic id and the raw payload for replay and audit.

    ``canonical_id`` may be omitted on input; it is derived from ``source_system``, ``entity``
    and ``remote_id`` so the same remote record always lands on the same key.
    """

    model_config = ConfigDict(extra="forbid", frozen=False)

    entity: ClassVar[str]

    canonical_id: str = Field(
        pattern=r"^[a-z][a-z0-9_\-]*:[a-z_]+:.+$",
        description="'{source_system}:{entity}:{remote_id}'; derived when omitted.",
    )
    source_system: str = Field(
        pattern=SYSTEM_PATTERN,
        description="System the record came from, e.g. successfactors, yonyou, dingtalk, hrhub.",
    )
    remote_id: str = Field(min_length=1, description="Record's key in the source system.")
    modified_at: AwareDT = Field(description="Last modification in the source, timezone-aware.")
    raw: dict[str, Any] = Field(
        default_factory=dict,
        description="Source payload the record was mapped from; may hold personal data.",
    )

    @classmethod
    def make_canonical_id(cls, source_system: str, remote_id: str) -> str:
        """Deterministic key: same source record, same id, across runs and replays."""
        return f"{source_system}:{cls.entity}:{remote_id}"

    @model_validator(mode="before")
    @classmethod
    def _derive_canonical_id(cls, data: Any) -> Any:
        if not hasattr(cls, "entity"):
            raise TypeError("CanonicalRecord is abstract; use an entity model such as Candidate")
        if isinstance(data, dict) and data.get("canonical_id") is None:
            system, remote = data.get("source_system"), data.get("remote_id")
            if isinstance(system, str) and isinstance(remote, str):
                data = {**data, "canonical_id": cls.make_canonical_id(system, remote)}
        return data

    @model_validator(mode="after")
    def _check_canonical_id(self) -> Self:
        expected = self.make_canonical_id(self.source_system, self.remote_id)
        if self.canonical_id != expected:
            raise ValueError(f"canonical_id {self.canonical_id!r} != expected {expected!r}")
        return self


class Job(CanonicalRecord):
    """Requisition / opening, with the knobs the flow needs per job."""

    entity: ClassVar[str] = "job"

    title: str = Field(min_length=1, description="Job title, e.g. 高级数据工程师.")
    code: str | None = Field(None, description="Requisition number in the source.")
    description: str | None = Field(None, description="Job description text.")
    status: JobStatus = Field(JobStatus.OPEN, description="Posting status.")
    department: str | None = Field(None, description="Department id or name in the source.")
    location: str | None = Field(None, description="Work location, e.g. 上海.")
    hiring_manager_ids: list[str] = Field(default_factory=list, description="Manager user ids.")
    recruiter_ids: list[str] = Field(
        default_factory=list,
        description=(
            "Recruiter user ids: who owns the requisition "
            "(SuccessFactors JobRequisition `recruiter`)."
        ),
    )
    required_skills: list[str] = Field(default_factory=list, description="Skills screened for.")
    min_years_experience: float | None = Field(None, ge=0, description="Minimum years.")
    screening_weights: ScreeningWeights = Field(
        default_factory=ScreeningWeights, description="Job-fit weights, percent."
    )
    shortlist_share: float = Field(
        0.3, gt=0, le=1, description="Top share of screened applicants sent to interview."
    )
    review_policy: ReviewPolicy = Field(
        ReviewPolicy.REJECT, description="Which results a person confirms before write-back."
    )
    probation_attendance_rule_ids: list[str] = Field(
        default_factory=list, description="Attendance rules applied to hires in probation."
    )


class Candidate(CanonicalRecord):
    """A person applying; contact data is personal data and flagged as such."""

    entity: ClassVar[str] = "candidate"

    name: str = _pd(min_length=1, description="Full name as written, e.g. 张伟 or Emily Clarke.")
    family_name: str | None = _pd(None, description="Family name, e.g. 张.")
    given_name: str | None = _pd(None, description="Given name, e.g. 伟.")
    emails: list[Email] = _pd(default_factory=list, description="Email addresses.")
    phones: list[Phone] = _pd(default_factory=list, description="Phone numbers, mobile first.")
    id_number: str | None = _sensitive(
        None, max_length=64, description="National id / passport no."
    )
    birth_date: date | None = _pd(None, description="Date of birth.")
    demographics: dict[str, str] = _pd(
        default_factory=dict,
        description="Self-reported groups for the bias audit only; never used in scoring.",
    )
    current_company: str | None = Field(None, description="Current employer.")
    current_title: str | None = Field(None, description="Current job title.")
    location: str | None = Field(None, description="City of residence.")
    resume_ref: str | None = Field(None, description="Reference to the resume attachment.")
    availability: list[TimeSlot] = Field(
        default_factory=list, description="Stated availability for interviews."
    )
    tags: list[str] = Field(default_factory=list, description="Labels from the source.")


class Application(CanonicalRecord):
    """A candidate's application to a job; carries the hub's flow stage."""

    entity: ClassVar[str] = "application"

    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    job_id: str = Field(pattern=_ref("job"), description="Job canonical id.")
    applied_at: AwareDT | None = Field(None, description="When the candidate applied.")
    stage: Stage = Field(Stage.EXTRACTED, description="Stage in the hub's flow.")
    remote_status: str | None = Field(None, description="Status as the source names it.")
    source_channel: str | None = Field(None, description="Where it came from, e.g. referral.")
    rejected_at: AwareDT | None = Field(None, description="When it was rejected.")
    reject_reason: str | None = Field(None, description="Reason given for rejection.")


class ParsedResume(CanonicalRecord):
    """What the resume parser extracted; input of screening."""

    entity: ClassVar[str] = "parsed_resume"

    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    language: str | None = Field(None, description="Main language, BCP 47, e.g. zh-CN.")
    name: str | None = _pd(None, description="Name found in the resume.")
    emails: list[Email] = _pd(default_factory=list, description="Emails found in the resume.")
    phones: list[Phone] = _pd(default_factory=list, description="Phones found in the resume.")
    education: list[Education] = Field(default_factory=list, description="Education history.")
    experience: list[WorkExperience] = Field(
        default_factory=list, description="Employers and titles, most recent first."
    )
    skills: list[str] = Field(default_factory=list, description="Normalised skill names.")
    years_experience: float | None = Field(None, ge=0, le=80, description="Total years worked.")
    file_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="Hash of the parsed file."
    )
    parser_version: str = Field(min_length=1, description="Parser and model version used.")


class ScreeningResult(CanonicalRecord):
    """Job-fit score of one application, with the parts that produced it."""

    entity: ClassVar[str] = "screening_result"

    application_id: str = Field(pattern=_ref("application"), description="Application id.")
    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    job_id: str = Field(pattern=_ref("job"), description="Job canonical id.")
    fit_score: Score = Field(description="Weighted job-fit score 0-100.")
    skills_score: Score = Field(description="Skill match 0-100.")
    experience_score: Score = Field(description="Experience match 0-100.")
    education_score: Score = Field(description="Education match 0-100.")
    other_score: Score = Field(description="Other factors 0-100.")
    weights: ScreeningWeights = Field(description="Weights applied, percent.")
    rank: int | None = Field(None, ge=1, description="Rank among the job's applicants.")
    shortlisted: bool = Field(description="In the top share sent to interview.")
    matched_skills: list[str] = Field(default_factory=list, description="Required and found.")
    missing_skills: list[str] = Field(default_factory=list, description="Required, not found.")
    explanation: str = Field(min_length=1, description="Why this score, readable by people.")
    screener_version: str = Field(min_length=1, description="Screening code/model version.")


class Interview(CanonicalRecord):
    """A scheduled interview (Merge ScheduledInterview) with the candidate's signed link."""

    entity: ClassVar[str] = "interview"

    application_id: str = Field(pattern=_ref("application"), description="Application id.")
    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    slot_start: AwareDT = Field(description="Start, timezone-aware.")
    slot_end: AwareDT = Field(description="End, timezone-aware; after slot_start.")
    timezone: str = Field(DEFAULT_TIMEZONE, description="IANA zone shown to participants.")
    interviewer_ids: list[str] = Field(
        default_factory=list, description="Interviewer user ids; empty for an AI-only room."
    )
    status: InterviewStatus = Field(InterviewStatus.SCHEDULED, description="Lifecycle state.")
    link_url: str | None = Field(
        None,
        pattern=r"^https?://\S+$",
        json_schema_extra={"x-secret": True},
        description="Unique signed interview link; a bearer credential, redact in logs.",
    )
    link_expires_at: AwareDT | None = Field(None, description="When the signed link expires.")

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _slot(self) -> Self:
        if self.slot_end <= self.slot_start:
            raise ValueError("slot_end must be after slot_start")
        if self.link_url and self.link_expires_at is None:
            raise ValueError("link_expires_at is required when link_url is set")
        return self


class InterviewAnalysis(CanonicalRecord):
    """What the AI interview room delivers: transcript, audio, platform signals, consent."""

    entity: ClassVar[str] = "interview_analysis"

    interview_id: str = Field(pattern=_ref("interview"), description="Interview canonical id.")
    application_id: str = Field(pattern=_ref("application"), description="Application id.")
    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    language: str | None = Field(None, description="Main language, BCP 47.")
    segments: list[TranscriptSegment] = Field(
        default_factory=list, description="Per-question transcript with timestamps."
    )
    audio_ref: str | None = _pd(
        None, description="Reference to the recording; voice may be biometric data."
    )
    audio_duration_ms: int | None = Field(None, ge=0, description="Recording length.")
    platform_signals: dict[str, float | int | str | bool | None] = Field(
        default_factory=dict, description="Signals computed by the room, e.g. answer latency."
    )
    consent: Consent = Field(default_factory=Consent, description="Consent flags.")
    completed_at: AwareDT | None = Field(None, description="When the interview ended.")


class InterviewResult(CanonicalRecord):
    """Explainable score of one interview; what push writes back (Merge Scorecard).

    An interview that could not be scored (empty or garbled transcript, no answer the rubric
    scores) has no overall score at all, decision hold and a person to look at it: never a
    silent zero that a target system would store as a real score.
    """

    entity: ClassVar[str] = "interview_result"

    interview_id: str = Field(pattern=_ref("interview"), description="Interview canonical id.")
    application_id: str = Field(pattern=_ref("application"), description="Application id.")
    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    competency_scores: list[CompetencyScore] = Field(
        default_factory=list, description="Per-competency scores with evidence."
    )
    overall_score: Score | None = Field(
        description="Weighted overall score 0-100; null when the interview could not be scored "
        "(review_reasons say why)."
    )
    recommendation: Recommendation = Field(description="Overall recommendation.")
    decision: Decision = Field(
        description="Rubric decision by the family's thresholds (pass -> YES, hold -> "
        "NO_DECISION, reject -> NO); derived from recommendation when omitted."
    )
    human_review: bool = Field(
        False, description="A person must confirm the result before it is written back."
    )
    review_reasons: list[str] = Field(
        default_factory=list,
        description="Why a person must look, e.g. 'automated_decision_opt_out: ...'; "
        "non-empty exactly when human_review is true.",
    )
    explanation: str = Field(min_length=1, description="Plain-language reasons (PIPL art. 24).")
    rubric_version: str = Field(min_length=1, description="Rubric version applied.")
    model_version: str = Field(min_length=1, description="Scoring model version applied.")
    code_version: str | None = Field(
        None,
        min_length=1,
        description="hrhub code version that scored it, e.g. 'hrhub 0.1.0'; null on results "
        "recorded before it was tracked.",
    )
    audio_features_used: bool = Field(False, description="Voice features entered the score.")
    scored_at: AwareDT | None = Field(None, description="When scoring ran.")

    @model_validator(mode="before")
    @classmethod
    def _derive_decision(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("decision") is None:
            try:
                recommendation = Recommendation(data.get("recommendation"))
            except ValueError:
                return data  # the recommendation field reports the bad value
            data = {**data, "decision": _RECOMMENDATION_DECISION[recommendation]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if _RECOMMENDATION_DECISION[self.recommendation] is not self.decision:
            raise ValueError(
                f"decision {self.decision.value!r} contradicts recommendation "
                f"{self.recommendation.value!r}"
            )
        if self.human_review and not self.review_reasons:
            raise ValueError("human_review needs at least one entry in review_reasons")
        if self.review_reasons and not self.human_review:
            raise ValueError("review_reasons given but human_review is false")
        if self.overall_score is None and (
            self.decision is not Decision.HOLD or not self.human_review
        ):
            raise ValueError("an interview without overall_score must be hold and human_review")
        return self


class Notification(CanonicalRecord):
    """A message to a candidate, manager or interviewer, tracked to read."""

    entity: ClassVar[str] = "notification"

    channel: NotificationChannel = Field(description="Delivery channel.")
    template: NotificationTemplate = Field(description="Message template.")
    recipient: str = _pd(min_length=1, description="User id, mobile or email of the recipient.")
    recipient_role: RecipientRole = Field(description="Who the recipient is in the process.")
    application_id: str | None = Field(
        None, pattern=_ref("application"), description="Application it concerns."
    )
    status: NotificationStatus = Field(NotificationStatus.QUEUED, description="Delivery state.")
    provider_message_id: str | None = Field(None, description="Channel's id, e.g. DingTalk task.")
    sent_at: AwareDT | None = Field(None, description="When the channel accepted it.")
    read_at: AwareDT | None = Field(None, description="When the recipient read it.")
    reminders_sent: int = Field(0, ge=0, description="Reminders sent after the first message.")
    error: str | None = Field(None, description="Last delivery error, if failed.")


class PreHire(CanonicalRecord):
    """Pre-entry record pushed to DingTalk smart HR and the attendance system on hire."""

    entity: ClassVar[str] = "pre_hire"

    candidate_id: str = Field(pattern=_ref("candidate"), description="Candidate canonical id.")
    application_id: str | None = Field(
        None, pattern=_ref("application"), description="Application hired from."
    )
    name: str = _pd(min_length=1, description="Full name, e.g. 张伟.")
    mobile: Phone = _pd(description="Mobile number; DingTalk's key for pre-entry.")
    email: Email | None = _pd(None, description="Email address.")
    id_number: str | None = _sensitive(
        None, max_length=64, description="National id / passport no."
    )
    planned_entry_date: date = Field(description="Planned first working day.")
    department: str = Field(min_length=1, description="Department id in the target org.")
    position: str = Field(min_length=1, description="Position or job title.")
    employee_code: str | None = Field(None, description="Employee/person code once assigned.")
    probation_attendance_rule_ids: list[str] = Field(
        default_factory=list, description="Attendance rules for the probation period."
    )


class Employee(CanonicalRecord):
    """A person of the HR master data (NC psndoc, YonBIP staff): interviewers, new hires once
    entered, the people attendance and schedules speak of."""

    entity: ClassVar[str] = "employee"

    employee_code: str = Field(min_length=1, description="Employee/person code, e.g. E100123.")
    name: str = _pd(min_length=1, description="Full name, e.g. 张伟.")
    mobile: Phone | None = _pd(None, description="Mobile number.")
    email: Email | None = _pd(None, description="Work email address.")
    id_number: str | None = _sensitive(
        None, max_length=64, description="National id / passport no."
    )
    birth_date: date | None = _pd(None, description="Date of birth.")
    organisation: str | None = Field(None, description="Legal entity id in the source.")
    department: str | None = Field(None, description="Department id in the source.")
    position: str | None = Field(None, description="Position or job title.")
    hire_date: date | None = Field(None, description="First working day.")
    active: bool = Field(True, description="Enabled in the source (false before entry).")


class AttendanceEvent(CanonicalRecord):
    """One punch; schedule uses them for shifts and leave, onboarding for probation."""

    entity: ClassVar[str] = "attendance_event"
    # How far a punch may seem to lie after its upload (clock drift) before it is impossible.
    PUNCH_CLOCK_SKEW: ClassVar[timedelta] = timedelta(minutes=5)

    person_code: str = Field(min_length=1, description="Employee/person code in the system.")
    punch_time: AwareDT = Field(description="Punch time, timezone-aware.")
    direction: Direction = Field(description="Clock in or out.")
    terminal: str | None = Field(None, description="Device or terminal id.")
    source: str | None = Field(None, description="How it was recorded, e.g. device, app.")

    @field_validator("punch_time")
    @classmethod
    def _not_after_upload(cls, value: Any, info: ValidationInfo) -> Any:
        """A punch cannot be made after it reached the server.

        `modified_at` is when the source received the punch (ZKBioTime's upload_time). A
        punch_time more than PUNCH_CLOCK_SKEW (5 minutes) after it is impossible: the
        terminal's clock is wrong (reset to a default date, a wrong zone) or the record was
        forged, and as an event it would put someone at work when they were not. The 5 minutes
        allow for terminal and server clocks that drift apart a little. The record fails on
        punch_time, so extract dead-letters it naming the record and the field. A punch_time
        that is no date at all ("2026-02-30 08:00:00") already fails when it is parsed.
        """
        uploaded = info.data.get("modified_at")
        if uploaded is not None and value - uploaded > cls.PUNCH_CLOCK_SKEW:
            raise ValueError(
                f"punch_time {value.isoformat()} is more than "
                f"{cls.PUNCH_CLOCK_SKEW.total_seconds() / 60:g} minutes after the upload "
                f"(modified_at {uploaded.isoformat()})"
            )
        return value


CANONICAL_MODELS: dict[str, type[CanonicalRecord]] = {
    m.entity: m
    for m in (
        Job,
        Candidate,
        Application,
        ParsedResume,
        ScreeningResult,
        Interview,
        InterviewAnalysis,
        InterviewResult,
        Notification,
        PreHire,
        Employee,
        AttendanceEvent,
    )
}


def model_for(entity: str) -> type[CanonicalRecord]:
    """Model class of an entity name, as used in mapping files and the ledger."""
    try:
        return CANONICAL_MODELS[entity]
    except KeyError:
        known = ", ".join(sorted(CANONICAL_MODELS))
        raise KeyError(f"unknown canonical entity {entity!r}; known: {known}") from None


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """Top-level fields flagged as personal data, for redaction and scopes."""
    return frozenset(name for name, info in model.model_fields.items() if _is_personal(info))


def _is_personal(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("x-personal-data") is True


@cache
def sensitive_paths(entity: str) -> tuple[str, ...]:
    """JSON paths of an entity's sensitive values (flagged ``x-sensitive``), which the ledger
    seals at rest, e.g. ``("competency_scores[].features", "raw")``.

    ``[]`` steps into each item of a list, ``{}`` into each value of a map. A record with any
    sensitive field has its ``raw`` too: the source payload holds the same values under the
    source's own names (NC's ``id``, YonBIP's ``certNo``), so it is sealed whole. Derived from
    the models alone, so flagging a field is all it takes to seal it.
    """
    found = sorted(_sensitive_in(model_for(entity), ""))
    return (*found, "raw") if found else ()


def _sensitive_in(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if _is_sensitive(info):
            yield path
            continue
        for step, part in _parts_of(info.annotation):
            yield from _sensitive_in(part, f"{path}{step}.")


def _parts_of(annotation: Any, step: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """(step, nested model) of a field's type: a model itself, or inside lists, maps and
    optionals (``list[CompetencyScore]`` -> ``("[]", CompetencyScore)``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield step, annotation
        return
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, tuple, set, frozenset):
        for arg in args:
            yield from _parts_of(arg, f"{step}[]")
    elif origin is dict and len(args) == 2:
        yield from _parts_of(args[1], f"{step}{{}}")
    else:  # Optional / Union / Annotated: the types they wrap
        for arg in args:
            yield from _parts_of(arg, step)


def _is_sensitive(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("x-sensitive") is True
