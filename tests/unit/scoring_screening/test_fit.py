"""Job fit on hand-built parsed resumes: weights, evidence, missing skills, must-haves."""

from __future__ import annotations

import pytest

from hrhub.models import ScreeningResult, ScreeningWeights
from hrhub.scoring.screening import score

from .support import job, parsed


def test_fit_is_the_weighted_sum_of_the_parts() -> None:
    weights = ScreeningWeights(skills=50, experience=20, education=20, other=10)
    resume = parsed(skills={"customer_service": "负责客户服务"}, years=1.5, level="associate")
    outcome = score(resume, job(weights=weights), candidate_id="c1")
    parts = outcome.parts
    assert parts["skills"].score == pytest.approx(100 / 3, abs=0.01)
    assert parts["experience"].score == 50.0  # 1.5 of 3 years
    assert parts["education"].score == 50.0  # one level short
    assert parts["other"].score == 60.0  # related title, no certificate
    assert {name: part.weight for name, part in parts.items()} == weights.model_dump()
    expected = sum(part.score * part.weight for part in parts.values()) / 100
    assert outcome.fit_score == pytest.approx(expected, abs=0.01)


def test_evidence_is_the_matched_text_and_missing_skills_are_listed() -> None:
    resume = parsed(
        skills={"customer_service": "负责客户服务热线", "excel": "熟练使用Excel制作报表"}
    )
    outcome = score(resume, job(), candidate_id="c1")
    assert outcome.matched_skills == ["customer_service", "excel"]
    assert outcome.missing_skills == ["team_management"]
    evidence = " ".join(outcome.parts["skills"].evidence)
    assert "负责客户服务热线" in evidence and "熟练使用Excel制作报表" in evidence
    assert "missing: team_management" in outcome.parts["skills"].explanation
    assert "某科技有限公司" in " ".join(outcome.parts["experience"].evidence)
    assert "missing: team_management" in outcome.explanation


def test_an_implied_ability_counts_for_its_skill() -> None:
    resume = parsed(
        skills={"customer_service": "客户服务", "excel": "Excel"},
        abilities={"team_management": "带领5人团队完成1000万业绩"},
    )
    outcome = score(resume, job(), candidate_id="c1")
    assert outcome.parts["skills"].score == 100.0
    assert any("implied" in e and "带领5人团队" in e for e in outcome.parts["skills"].evidence)


def test_experience_is_capped_and_no_minimum_is_met_by_everyone() -> None:
    assert score(parsed(years=12), job(), candidate_id="c").parts["experience"].score == 100
    assert score(parsed(years=None), job(), candidate_id="c").parts["experience"].score == 0
    free = job(min_years=None)
    assert score(parsed(years=None), free, candidate_id="c").parts["experience"].score == 100


def test_education_against_the_minimum() -> None:
    def education(level: str | None, minimum: str | None = "master") -> float:
        resume = parsed(level=level)
        return score(resume, job(min_education=minimum), candidate_id="c").parts["education"].score

    assert education("doctorate") == 100
    assert education("master") == 100
    assert education("bachelor") == 50
    assert education("associate") == 0
    assert education(None) == 0
    assert education(None, minimum=None) == 100


def test_must_haves_are_checked_with_evidence() -> None:
    profile = job(must_haves=("客户服务经验>=3年", "本科及以上", "min_years>=10"))
    outcome = score(parsed(skills={"customer_service": "客户服务"}), profile, candidate_id="c")
    checks = {check.requirement: check for check in outcome.must_haves}
    assert checks["本科及以上"].met
    assert not checks["min_years>=10"].met
    assert "5.0 years in total" in checks["min_years>=10"].evidence[0]
    assert "customer_service" in checks["客户服务经验>=3年"].evidence[0]
    assert "NOT met" in outcome.explanation


def test_protected_attributes_never_reach_the_outcome() -> None:
    resume = parsed(skills={"customer_service": "客户服务"})
    resume.entities += [
        resume.entities[0].__class__("RACE", "汉族", 3, 5),
        resume.entities[0].__class__("CONT", "中国国籍", 6, 10),
    ]
    outcome = score(resume, job(), candidate_id="c")
    everything = str(outcome.to_dict())
    for value in ("张伟", "汉族", "中国国籍"):
        assert value not in everything
    assert "Not used: name, gender, age, ethnicity, nationality" in outcome.explanation


def test_a_scored_outcome_is_a_valid_screening_result() -> None:
    outcome = score(
        parsed(skills={"excel": "Excel"}), job(), candidate_id="successfactors:candidate:7"
    )
    record = outcome.to_screening_result("successfactors:application:9", "job-1")
    assert isinstance(record, ScreeningResult)
    assert record.candidate_id == "successfactors:candidate:7"
    assert record.job_id == "hrhub:job:job-1"
    assert record.canonical_id == "hrhub:screening_result:successfactors:application:9"
    assert record.fit_score == outcome.fit_score
    assert record.missing_skills == ["customer_service", "team_management"]
    assert record.skills_score == outcome.parts["skills"].score
